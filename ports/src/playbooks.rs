use std::sync::Arc;

use async_trait::async_trait;
use cloudops_domain::{Catalog, ResourceKind};

use crate::PortResult;

/// The playbook repository on disk: validated playbooks at a version.
///
/// Contract: `load` returns only playbooks that passed `Playbook::validate` (any invalid file
/// is an error naming the file and field, not a partial catalog); `fingerprint` is cheap and
/// changes whenever `load` would return something different.
pub trait PlaybookSource: Send + Sync {
    fn fingerprint(&self) -> PortResult<String>;
    fn load(&self) -> PortResult<Catalog>;
}

/// One indexed text of a playbook (its description or an example utterance) and its vector.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaybookText {
    pub playbook_id: String,
    pub text: String,
    pub vector: Vec<f32>,
}

/// The playbook index the planner retrieves from.
///
/// Contract: `replace` swaps catalog and index together (a search never mixes versions);
/// `search` returns playbook ids of the current catalog whose targets include one of `kinds`
/// (all playbooks when `kinds` is empty), each with its best text's cosine similarity, best
/// first, at most `limit`.
#[async_trait]
pub trait PlaybookStore: Send + Sync {
    fn catalog(&self) -> Arc<Catalog>;
    async fn replace(&self, catalog: Arc<Catalog>, texts: Vec<PlaybookText>) -> PortResult<()>;
    async fn search(&self, vector: &[f32], kinds: &[ResourceKind], limit: usize) -> PortResult<Vec<(String, f32)>>;
}
