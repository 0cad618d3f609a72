use async_trait::async_trait;
use cloudops_domain::{IamPermissions, Resource};

use crate::{CallerIdentity, PortResult};

/// Evaluates what a principal may do to resources.
///
/// Contract:
/// - returns one `IamPermissions` per resource, in input order;
/// - evaluates at least `cloudops_domain::iam::relevant_actions(kind)` for each resource;
/// - an action it cannot decide (unevaluable condition keys, API unavailable) is reported in
///   `unknown`, never guessed as allowed;
/// - an explicit deny is always reported as `denied_explicit`, whatever else allows it.
#[async_trait]
pub trait PermissionOracle: Send + Sync {
    async fn evaluate(&self, principal: &CallerIdentity, resources: &[Resource]) -> PortResult<Vec<IamPermissions>>;
}
