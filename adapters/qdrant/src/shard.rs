//! One qdrant-edge shard on disk behind a lock, with the few operations the stores need.
//!
//! qdrant-edge is synchronous and its `flush` panics if another thread holds the WAL or the
//! segment lock, so every write (update + flush) takes the lock exclusively and reads share
//! it. Async callers go through [`Shard::blocking`], which runs the work on tokio's blocking
//! pool.
//!
//! When writes reach the disk is the shard's [`Durability`]: a flush syncs every segment file
//! (~40 ms here), so the estate, written by syncs in batches of 100, flushes at most once a
//! second and whenever its store asks ([`Shard::flush`]); chat flushes every message.

use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use cloudops_ports::{PortError, PortResult};
use qdrant_edge::{
    CountRequest, CreateIndex, Distance, EdgeConfigBuilder, EdgeShard, EdgeVectorParamsBuilder, FieldIndexOperations,
    Filter, JsonPath, OperationError, PayloadFieldSchema, PayloadSchemaType, PointId as EdgePointId,
    PointInsertOperations, PointOperations, PointStructPersisted, Record, ScoredPoint, ScrollRequest, UpdateOperation,
    WalOptions, WithPayloadInterface, WithVector,
};

/// How a shard is laid out: vector size and the payload fields to index.
#[derive(Debug, Clone)]
pub(crate) struct ShardSpec {
    pub name: &'static str,
    pub dimensions: usize,
    pub indexes: &'static [(&'static str, PayloadSchemaType)],
    pub durability: Durability,
    /// In optimized segments, a filtered search whose filter matches at least this many points
    /// walks the HNSW graph; fewer are scanned. `None`: the engine's default (10,000 KB of
    /// vectors: 6,666 points of 384-d).
    pub graph_from_matches: Option<usize>,
}

impl ShardSpec {
    /// The engine's HNSW settings for this spec: its defaults, with the full-scan threshold
    /// (which the engine counts in KB of f32 vectors) from [`ShardSpec::graph_from_matches`].
    fn hnsw(&self) -> Option<qdrant_edge::HnswIndexConfig> {
        let points = self.graph_from_matches?;
        let full_scan_threshold = (points * self.dimensions * std::mem::size_of::<f32>()).div_ceil(1024);
        Some(qdrant_edge::HnswIndexConfig { full_scan_threshold, ..Default::default() })
    }
}

/// When a shard's writes are flushed to disk. Either way a write is visible to reads as soon
/// as it returns, and everything is flushed when the shard closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Durability {
    /// Before the write returns.
    EveryWrite,
    /// By the first write after this long since the last flush, and on [`Shard::flush`]. A
    /// crash loses at most this window of writes, never the store's consistency (the engine
    /// loads the last flushed state).
    Within(Duration),
    /// Only on [`Shard::flush`] and when the shard closes (a throwaway index).
    OnClose,
}

#[derive(Debug, Clone)]
pub(crate) struct Shard {
    inner: Arc<RwLock<EdgeShard>>,
    /// When the shard was last flushed (for [`Durability::Within`]).
    flushed_at: Arc<Mutex<Instant>>,
    /// Our exclusive lock on the shard directory, held while the shard is open.
    _lock: Arc<std::fs::File>,
    pub spec: ShardSpec,
}

/// The lock file of a shard directory (also skipped by backups).
pub const LOCK_FILE: &str = "cloudops.lock";

/// The start of the `detail` of the error a locked store gives (see [`holder_of`]).
pub const IN_USE: &str = "it is in use by ";

fn in_use(path: &Path) -> PortError {
    // The holder wrote who it is into the lock file (advisory locks do not stop reading).
    let holder = std::fs::read_to_string(path.join(LOCK_FILE))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "another cloudops process".into());
    PortError::Unavailable {
        what: format!("the local store at {}", path.display()),
        detail: format!("{IN_USE}{holder}"),
        hint: "one process at a time opens the store: wait for that one to finish, or close it (the desktop app \
               has Sync now), then retry"
            .into(),
    }
}

/// Who holds the store, when `error` is the one a locked store gives.
pub fn holder_of(error: &PortError) -> Option<&str> {
    match error {
        PortError::Unavailable { detail, .. } => detail.strip_prefix(IN_USE),
        _ => None,
    }
}

/// `cloudops sync (pid 4242) since 2026-12-06 21:50:00Z`: what a lock file says about its holder.
fn holder_line() -> String {
    let program = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "cloudops".into());
    let command: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).take(1).collect();
    let what = if command.is_empty() { program } else { format!("{program} {}", command.join(" ")) };
    format!("{what} (pid {}) since {}", std::process::id(), chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ"))
}

impl Shard {
    /// Opens the shard at `dir/<spec.name>`, creating it when absent, and (re)creates its
    /// payload indexes (qdrant-edge does not persist index definitions across opens).
    pub fn open(dir: &Path, spec: ShardSpec) -> PortResult<Self> {
        let path = dir.join(spec.name);
        std::fs::create_dir_all(&path).map_err(|e| PortError::Unavailable {
            what: "the local store".into(),
            detail: format!("cannot create {}: {e}", path.display()),
            hint: "check that the data directory is writable (--data-dir / CLOUDOPS_DATA_DIR)".into(),
        })?;
        let lock = std::fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path.join(LOCK_FILE))
            .map_err(|e| open_error(&path, &e))?;
        lock.try_lock().map_err(|_| in_use(&path))?;
        {
            use std::io::Write as _;
            // Best effort: the lock is what excludes; the line only names us to the next one.
            let _ = lock.set_len(0).and_then(|()| (&lock).write_all(holder_line().as_bytes()));
        }
        // qdrant-edge 0.7.2 never replays or truncates its WAL, but numbers every operation
        // from it (a point ignores updates older than its version), so the WAL must stay. It
        // grows with every write until the engine is upgraded (0.9 acknowledges on flush);
        // small segments keep the preallocation down.
        let wal_options = WalOptions {
            segment_capacity: 4 * 1024 * 1024,
            segment_queue_len: 0,
            retain_closed: std::num::NonZeroUsize::MIN,
        };
        let mut vector = EdgeVectorParamsBuilder::new(spec.dimensions, Distance::Cosine);
        if spec.dimensions > 1 {
            // Int8 copies of the vectors, kept in RAM, are what optimized segments score with
            // (a quarter of the memory traffic of f32). Chat's 1-d dummy vectors need none.
            vector = vector.quantization_config(
                qdrant_edge::ScalarQuantizationConfig {
                    r#type: qdrant_edge::ScalarType::Int8,
                    quantile: Some(0.99),
                    always_ram: Some(true),
                }
                .into(),
            );
        }
        let mut config = EdgeConfigBuilder::new().vector("", vector.build()).wal_options(wal_options);
        if let Some(hnsw) = spec.hnsw() {
            // Segments built with another threshold are rebuilt by the next optimize.
            config = config.hnsw_config(hnsw);
        }
        let config = config.build();
        let shard = EdgeShard::load(&path, Some(config)).map_err(|e| open_error(&path, &e))?;
        for (field, schema) in spec.indexes {
            let field_name = JsonPath::try_from(*field)
                .map_err(|()| PortError::Other(format!("invalid payload index path {field}")))?;
            let op = UpdateOperation::FieldIndexOperation(FieldIndexOperations::CreateIndex(CreateIndex {
                field_name,
                field_schema: Some(PayloadFieldSchema::FieldType(*schema)),
            }));
            shard.update(op).map_err(|e| engine_error(spec.name, "create a payload index", &e))?;
        }
        shard.flush();
        Ok(Self {
            inner: Arc::new(RwLock::new(shard)),
            flushed_at: Arc::new(Mutex::new(Instant::now())),
            _lock: Arc::new(lock),
            spec,
        })
    }

    /// Runs `work` with the shard on the blocking pool.
    pub async fn blocking<T, F>(&self, work: F) -> PortResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Shard) -> PortResult<T> + Send + 'static,
    {
        let shard = self.clone();
        tokio::task::spawn_blocking(move || work(&shard))
            .await
            .map_err(|e| PortError::Other(format!("a store task failed: {e}")))?
    }

    fn read(&self) -> PortResult<std::sync::RwLockReadGuard<'_, EdgeShard>> {
        self.inner.read().map_err(poisoned)
    }

    fn write(&self) -> PortResult<std::sync::RwLockWriteGuard<'_, EdgeShard>> {
        self.inner.write().map_err(poisoned)
    }

    /// Applies `ops` in order; flushes them as the shard's [`Durability`] says.
    pub fn apply(&self, ops: Vec<UpdateOperation>) -> PortResult<()> {
        if ops.is_empty() {
            return Ok(());
        }
        let shard = self.write()?;
        for op in ops {
            shard.update(op).map_err(|e| engine_error(self.spec.name, "write", &e))?;
        }
        let due = match self.spec.durability {
            Durability::EveryWrite => true,
            Durability::Within(window) => self.flushed_at()?.elapsed() >= window,
            Durability::OnClose => false,
        };
        if due {
            self.flush_locked(&shard)?;
        }
        Ok(())
    }

    /// Flushes every write so far to disk (durable on return).
    pub fn flush(&self) -> PortResult<()> {
        self.flush_locked(&*self.write()?)
    }

    fn flush_locked(&self, shard: &EdgeShard) -> PortResult<()> {
        shard.flush();
        *self.flushed_at()? = Instant::now();
        Ok(())
    }

    fn flushed_at(&self) -> PortResult<std::sync::MutexGuard<'_, Instant>> {
        self.flushed_at.lock().map_err(poisoned)
    }

    pub fn upsert(&self, points: Vec<PointStructPersisted>) -> PortResult<()> {
        self.apply(vec![UpdateOperation::PointOperation(PointOperations::UpsertPoints(
            PointInsertOperations::PointsList(points),
        ))])
    }

    pub fn delete(&self, ids: Vec<EdgePointId>) -> PortResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        self.apply(vec![UpdateOperation::PointOperation(PointOperations::DeletePoints { ids })])
    }

    pub fn retrieve(&self, ids: &[EdgePointId], with_vector: bool) -> PortResult<Vec<Record>> {
        self.read()?
            .retrieve(ids, Some(WithPayloadInterface::Bool(true)), Some(WithVector::Bool(with_vector)))
            .map_err(|e| engine_error(self.spec.name, "read", &e))
    }

    pub fn search(&self, request: qdrant_edge::SearchRequest) -> PortResult<Vec<ScoredPoint>> {
        self.read()?.search(request).map_err(|e| engine_error(self.spec.name, "search", &e))
    }

    pub fn count(&self, filter: Option<Filter>) -> PortResult<usize> {
        self.read()?.count(CountRequest { filter, exact: true }).map_err(|e| engine_error(self.spec.name, "count", &e))
    }

    /// Every record matching `filter`, page by page.
    pub fn scroll_all(&self, filter: Option<Filter>, with_payload: bool, with_vector: bool) -> PortResult<Vec<Record>> {
        let mut out = Vec::new();
        self.scroll_each(filter, with_payload, with_vector, |record| {
            out.push(record);
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `each` on every record matching `filter`, a page at a time (only one page of
    /// raw records is in memory at once).
    pub fn scroll_each(
        &self,
        filter: Option<Filter>,
        with_payload: bool,
        with_vector: bool,
        mut each: impl FnMut(Record) -> PortResult<()>,
    ) -> PortResult<()> {
        const PAGE: usize = 1_000;
        let shard = self.read()?;
        let mut offset = None;
        loop {
            let request = ScrollRequest {
                offset,
                limit: Some(PAGE),
                filter: filter.clone(),
                with_payload: Some(WithPayloadInterface::Bool(with_payload)),
                with_vector: WithVector::Bool(with_vector),
                order_by: None,
            };
            let (page, next) = shard.scroll(request).map_err(|e| engine_error(self.spec.name, "scan", &e))?;
            page.into_iter().try_for_each(&mut each)?;
            match next {
                Some(next) => offset = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// Records matching `filter` ordered by an integer payload field, newest first.
    pub fn latest(&self, filter: Filter, order_field: &str, limit: usize) -> PortResult<Vec<Record>> {
        let key = JsonPath::try_from(order_field)
            .map_err(|()| PortError::Other(format!("invalid order field {order_field}")))?;
        let request = ScrollRequest {
            offset: None,
            limit: Some(limit.max(1)),
            filter: Some(filter),
            with_payload: Some(WithPayloadInterface::Bool(true)),
            with_vector: WithVector::Bool(false),
            order_by: Some(qdrant_edge::OrderByInterface::Struct(qdrant_edge::OrderBy {
                key,
                direction: Some(qdrant_edge::Direction::Desc),
                start_from: None,
            })),
        };
        let (records, _) = self.read()?.scroll(request).map_err(|e| engine_error(self.spec.name, "scan", &e))?;
        Ok(records)
    }

    /// Builds the search index segments (HNSW) now; blocking, CPU-heavy at large sizes.
    pub fn optimize(&self) -> PortResult<bool> {
        let shard = self.write()?;
        let changed = shard.optimize().map_err(|e| engine_error(self.spec.name, "optimize", &e))?;
        self.flush_locked(&shard)?;
        Ok(changed)
    }
}

fn poisoned<T>(_: T) -> PortError {
    PortError::Other("the store lock was poisoned by an earlier panic".into())
}

fn open_error(path: &Path, e: &dyn std::fmt::Display) -> PortError {
    PortError::Unavailable {
        what: format!("the local store at {}", path.display()),
        detail: e.to_string(),
        hint: "if the store is damaged, restore it with `cloudops restore` or move the directory away and run \
               `cloudops sync`"
            .into(),
    }
}

pub(crate) fn engine_error(shard: &str, doing: &str, e: &OperationError) -> PortError {
    PortError::Other(format!("the local store ({shard}) failed to {doing}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(dimensions: usize, graph_from_matches: Option<usize>) -> ShardSpec {
        ShardSpec { name: "test", dimensions, indexes: &[], durability: Durability::OnClose, graph_from_matches }
    }

    #[test]
    fn graph_from_matches_survives_the_engines_kb_unit() {
        // The engine turns its threshold in KB back into points by the size of a f32 vector.
        for points in [1_000, 3_333, 20_000] {
            let kb = spec(384, Some(points)).hnsw().expect("a threshold").full_scan_threshold;
            assert_eq!(kb * 1024 / (384 * 4), points, "{points} points of 384-d");
        }
        assert!(spec(384, None).hnsw().is_none(), "no threshold: the engine's defaults");
    }
}
