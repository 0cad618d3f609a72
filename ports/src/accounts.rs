use async_trait::async_trait;
use cloudops_domain::{AccountId, Region};
use serde::{Deserialize, Serialize};

use crate::PortResult;

/// The role AWS Organizations creates in every account it creates: the default role to
/// assume in an organization's accounts.
pub const ORGANIZATION_ACCOUNT_ACCESS_ROLE: &str = "OrganizationAccountAccessRole";

/// A named AWS profile as the user configured it (`~/.aws/config`), never its credentials.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Profile(pub String);

/// Who a profile's credentials act as (STS GetCallerIdentity), plus the account's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerIdentity {
    pub profile: Profile,
    pub account_id: AccountId,
    /// The principal's ARN (`arn:aws:sts::123412341234:assumed-role/ops/cloudops`).
    pub principal_arn: String,
    /// The IAM account alias when the account has one.
    pub account_alias: Option<String>,
    /// The profile's own region (`region =` in the AWS config, `AWS_REGION`), if any.
    pub default_region: Option<Region>,
}

/// The AWS accounts the user can reach.
///
/// Contract:
/// - `profiles` lists what the user's AWS config defines, in the order the AWS CLI would, and
///   reads no secret.
/// - `identify` makes one STS call with the profile's own credential chain (assume-role, SSO,
///   `endpoint_url` honoured as the AWS CLI honours them); an unreachable endpoint or a role
///   that cannot be assumed is an error for that profile only.
#[async_trait]
pub trait AccountDirectory: Send + Sync {
    async fn profiles(&self) -> PortResult<Vec<Profile>>;
    async fn identify(&self, profile: &Profile) -> PortResult<CallerIdentity>;
    /// The other accounts of the AWS Organization that `via` can list (the management account
    /// or a delegated administrator), as profiles that assume `role` in each through `via`'s
    /// credentials; from then on `profiles` lists them and `identify` resolves them.
    async fn organization(&self, via: &Profile, role: &str) -> PortResult<Vec<Profile>> {
        let _ = role;
        Err(crate::PortError::Invalid(format!(
            "this account directory cannot list AWS Organization accounts (asked through profile '{}')",
            via.0
        )))
    }
}
