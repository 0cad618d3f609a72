use async_trait::async_trait;
use cloudops_domain::{PlanRequest, PlanResponse};

use crate::PortResult;

/// Asks the planning server (over HTTP, or in-process) for a plan.
///
/// Contract: the request sent is exactly `request` serialized — the client adds no
/// credential, token of AWS, or resource that was not identified; the response is parsed
/// strictly (unknown fields in steps are an error) and is not trusted: the plan guard checks it.
#[async_trait]
pub trait PlannerClient: Send + Sync {
    async fn plan(&self, request: &PlanRequest) -> PortResult<PlanResponse>;
}
