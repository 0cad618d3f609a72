use async_trait::async_trait;
use cloudops_domain::{AwsCall, WaitFor};
use serde::{Deserialize, Serialize};

use crate::{PortResult, Profile};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionOutcome {
    /// The API's response, as JSON.
    pub output: serde_json::Value,
    /// The state reached when the step had a wait.
    pub reached_state: Option<String>,
}

/// Makes AWS calls with the user's own credentials, on the client.
///
/// Contract: it runs exactly the call given — the plan guard and the approval are checked by
/// the caller before, and the executor adds no call of its own beyond the waits' describes;
/// `dry_run` uses the API's DryRun where it has one and otherwise makes no call.
#[async_trait]
pub trait Executor: Send + Sync {
    async fn execute(
        &self,
        profile: &Profile,
        call: &AwsCall,
        wait: Option<&WaitFor>,
        dry_run: bool,
    ) -> PortResult<ExecutionOutcome>;
}
