use async_trait::async_trait;
use cloudops_domain::PlanStep;
use serde::{Deserialize, Serialize};

use crate::{PortResult, Profile};

/// What one call returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallOutcome {
    /// The API's response, as JSON (`{}` when the API returns nothing).
    pub output: serde_json::Value,
    /// Set for a dry run: what AWS said (`DryRunOperation: the request would have succeeded`),
    /// or why no call was made (the API has no DryRun).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<String>,
}

/// Makes AWS calls with the user's own credentials, on the client.
///
/// Contract: `call` makes exactly the step's call, as the step's kind says (SDK or AWS CLI) —
/// the plan guard and the approval are checked by the caller before, and the executor adds no
/// call of its own; with `dry_run` it uses the API's DryRun where it has one (EC2) and
/// otherwise makes no call. `observe` only reads: the current state of each resource the
/// step names (for waits), e.g. `["stopped"]`; empty when the step has nothing to wait on.
#[async_trait]
pub trait Executor: Send + Sync {
    async fn call(&self, profile: &Profile, step: &PlanStep, dry_run: bool) -> PortResult<CallOutcome>;
    async fn observe(&self, profile: &Profile, step: &PlanStep) -> PortResult<Vec<String>>;
}
