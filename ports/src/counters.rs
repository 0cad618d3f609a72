use async_trait::async_trait;

use crate::PortResult;

/// The server's small shared state: rate-limit windows, playbook usage counts and metadata
/// (Redis when configured, so several server processes agree; memory otherwise). Never holds
/// anything about an estate.
///
/// Contract: `hit` counts within fixed windows of `window_secs` aligned to the epoch and
/// returns the count including this hit; counters start at 0; `usage` of an id never
/// incremented is 0.
#[async_trait]
pub trait CounterStore: Send + Sync {
    async fn hit(&self, key: &str, window_secs: u64) -> PortResult<u64>;
    async fn record_use(&self, playbook_id: &str, version: &str) -> PortResult<()>;
    async fn usage(&self, playbook_ids: &[String]) -> PortResult<Vec<u64>>;
    /// `redis` or `memory`, for /healthz.
    fn backend(&self) -> &'static str;
}
