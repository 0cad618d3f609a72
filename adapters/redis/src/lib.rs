//! [`CounterStore`] in Redis (`redis_url`): rate-limit windows as `INCR` + `EXPIRE` keys and
//! playbook metadata as one hash per playbook (`version`, `uses`), so several server processes
//! share one limit and one usage count. Keys live under `cloudops:`; nothing about an estate
//! is written.

use async_trait::async_trait;
use cloudops_ports::{CounterStore, PortError, PortResult};
use redis::AsyncCommands;
use redis::aio::ConnectionManager;

/// Counters in Redis; reconnects by itself when the connection drops.
#[derive(Clone)]
pub struct RedisCounters {
    connection: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCounters").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

fn unavailable(e: redis::RedisError) -> PortError {
    PortError::Unavailable {
        what: "Redis".into(),
        detail: e.to_string(),
        hint: "check redis_url and that redis-server is running, or remove redis_url to keep counters in memory".into(),
    }
}

impl RedisCounters {
    /// Connects (and pings) `url`, e.g. `redis://127.0.0.1:6379/0`.
    pub async fn connect(url: &str) -> PortResult<Self> {
        Self::with_prefix(url, "cloudops").await
    }

    /// Like [`Self::connect`] with keys under `prefix:` (tests use one prefix each).
    pub async fn with_prefix(url: &str, prefix: &str) -> PortResult<Self> {
        let client = redis::Client::open(url).map_err(|e| PortError::Invalid(format!("redis_url '{url}': {e}")))?;
        let mut connection = client.get_connection_manager().await.map_err(unavailable)?;
        let _: String = redis::cmd("PING").query_async(&mut connection).await.map_err(unavailable)?;
        Ok(Self { connection, prefix: prefix.to_owned() })
    }

    fn playbook_key(&self, id: &str) -> String {
        format!("{}:playbook:{id}", self.prefix)
    }
}

#[async_trait]
impl CounterStore for RedisCounters {
    async fn hit(&self, key: &str, window_secs: u64) -> PortResult<u64> {
        let window_secs = window_secs.max(1);
        let mut connection = self.connection.clone();
        let now: (u64, u64) = redis::cmd("TIME").query_async(&mut connection).await.map_err(unavailable)?;
        let window = now.0 / window_secs;
        let key = format!("{}:rate:{key}:{window}", self.prefix);
        let (count,): (u64,) = redis::pipe()
            .atomic()
            .incr(&key, 1u64)
            .expire(&key, (window_secs * 2) as i64)
            .ignore()
            .query_async(&mut connection)
            .await
            .map_err(unavailable)?;
        Ok(count)
    }

    async fn record_use(&self, playbook_id: &str, version: &str) -> PortResult<()> {
        let key = self.playbook_key(playbook_id);
        let mut connection = self.connection.clone();
        let () = redis::pipe()
            .atomic()
            .hincr(&key, "uses", 1u64)
            .ignore()
            .hset(&key, "version", version)
            .ignore()
            .query_async(&mut connection)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn usage(&self, playbook_ids: &[String]) -> PortResult<Vec<u64>> {
        let mut connection = self.connection.clone();
        let mut out = Vec::with_capacity(playbook_ids.len());
        for id in playbook_ids {
            let uses: Option<u64> = connection.hget(self.playbook_key(id), "uses").await.map_err(unavailable)?;
            out.push(uses.unwrap_or(0));
        }
        Ok(out)
    }

    fn backend(&self) -> &'static str {
        "redis"
    }
}
