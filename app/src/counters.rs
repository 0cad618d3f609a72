//! [`CounterStore`] in memory, for a single server process (no `redis_url`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use cloudops_ports::{Clock, CounterStore, PortError, PortResult};

#[derive(Clone)]
pub struct MemoryCounters {
    clock: Arc<dyn Clock>,
    /// key → (window number, count)
    windows: Arc<Mutex<HashMap<String, (i64, u64)>>>,
    uses: Arc<Mutex<HashMap<String, u64>>>,
}

impl std::fmt::Debug for MemoryCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryCounters").finish_non_exhaustive()
    }
}

impl MemoryCounters {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, windows: Arc::default(), uses: Arc::default() }
    }
}

fn poisoned() -> PortError {
    PortError::Other("the counter lock was poisoned by an earlier panic".into())
}

#[async_trait]
impl CounterStore for MemoryCounters {
    async fn hit(&self, key: &str, window_secs: u64) -> PortResult<u64> {
        let window = self.clock.now().timestamp().div_euclid(window_secs.max(1) as i64);
        let mut windows = self.windows.lock().map_err(|_| poisoned())?;
        // Forget other keys' finished windows so memory stays bounded by the active keys.
        if windows.len() > 10_000 {
            windows.retain(|_, (w, _)| *w == window);
        }
        let entry = windows.entry(key.to_owned()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        entry.1 += 1;
        Ok(entry.1)
    }

    async fn record_use(&self, playbook_id: &str, _version: &str) -> PortResult<()> {
        *self.uses.lock().map_err(|_| poisoned())?.entry(playbook_id.to_owned()).or_default() += 1;
        Ok(())
    }

    async fn usage(&self, playbook_ids: &[String]) -> PortResult<Vec<u64>> {
        let uses = self.uses.lock().map_err(|_| poisoned())?;
        Ok(playbook_ids.iter().map(|id| uses.get(id).copied().unwrap_or(0)).collect())
    }

    fn backend(&self) -> &'static str {
        "memory"
    }
}
