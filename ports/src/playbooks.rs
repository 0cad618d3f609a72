use async_trait::async_trait;
use cloudops_domain::PlaybookSummary;

use crate::PortResult;

/// The playbook repository, indexed for retrieval.
///
/// Contract: every playbook served was schema-validated at load; `version()` is the
/// repository's commit id and is the `version` of every summary; `search` with a service
/// returns only playbooks of that service.
#[async_trait]
pub trait PlaybookStore: Send + Sync {
    fn version(&self) -> String;
    async fn list(&self) -> PortResult<Vec<PlaybookSummary>>;
    async fn search(
        &self,
        vector: &[f32],
        service: Option<&str>,
        limit: usize,
    ) -> PortResult<Vec<(PlaybookSummary, f32)>>;
}
