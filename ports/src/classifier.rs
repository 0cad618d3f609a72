use async_trait::async_trait;
use cloudops_domain::{IdentifiedResource, Intent, PlaybookSummary};
use serde::{Deserialize, Serialize};

use crate::PortResult;

/// What a classifier decided: the intent and the playbooks it considers, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    pub intent: Intent,
    pub playbook_ids: Vec<String>,
    /// 0..1: how sure the classifier is.
    pub confidence: f32,
    /// `router` or the LLM's model id.
    pub decided_by: String,
}

/// Classifies a prompt into an intent, choosing only among the given playbooks.
///
/// Contract: the answer's `playbook_ids` are a subset of `candidates`' ids; the classifier
/// never invents an id, a region or an account (those come from `resources`).
#[async_trait]
pub trait IntentClassifier: Send + Sync {
    async fn classify(
        &self,
        prompt: &str,
        resources: &[IdentifiedResource],
        candidates: &[PlaybookSummary],
    ) -> PortResult<Classification>;
}
