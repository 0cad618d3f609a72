//! The local PermissionOracle: fetch the principal's identity policies once, then evaluate
//! every relevant action on every resource offline with `cloudops_domain::policy`.
//! (For accounts where `iam:SimulatePrincipalPolicy` is available it is the more complete
//! oracle — it also sees permission boundaries and SCPs; moto lacks it.)

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_iam::Client;
use cloudops_domain::policy::{PolicyDocument, RequestContext, evaluate};
use cloudops_domain::{
    IamAction, IamPermissions, PermissionVerdict, PrincipalContext, PrincipalKind, Resource, ResourceKind,
};
use cloudops_ports::{CallerIdentity, PermissionOracle, PortError, PortResult};
use tokio::sync::Mutex;

use crate::errors::port_error;
use crate::{AwsConfigFiles, sdk_config};

/// Evaluates identity policies locally. Policies are fetched once per principal and cached
/// for the oracle's lifetime (one sync).
#[derive(Debug, Default)]
pub struct LocalPolicyOracle {
    files: AwsConfigFiles,
    cache: Mutex<BTreeMap<String, PortResult<Vec<PolicyDocument>>>>,
}

impl LocalPolicyOracle {
    pub fn new(files: AwsConfigFiles) -> Self {
        Self { files, cache: Mutex::default() }
    }
}

/// Who an STS caller ARN is: `assumed-role/ROLE/SESSION`, `user/PATH/NAME`, `root`.
pub fn principal_of(arn: &str) -> PrincipalContext {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    let parts: Vec<&str> = resource.split('/').collect();
    let (kind, session_name) = match parts.first().copied() {
        Some("assumed-role") => (PrincipalKind::AssumedRole, parts.get(2).map(|s| (*s).to_owned())),
        Some("role") => (PrincipalKind::Role, None),
        Some("user") => (PrincipalKind::User, None),
        Some("federated-user") => (PrincipalKind::FederatedUser, None),
        _ => (PrincipalKind::Root, None),
    };
    PrincipalContext { arn: arn.to_owned(), kind, session_name }
}

/// The IAM entity name in a principal ARN: the role of an assumed role, the user's last
/// path segment.
pub(crate) fn entity_name(principal: &PrincipalContext) -> Option<&str> {
    let resource = principal.arn.splitn(6, ':').nth(5)?;
    let parts: Vec<&str> = resource.split('/').collect();
    match principal.kind {
        PrincipalKind::AssumedRole => parts.get(1).copied(),
        PrincipalKind::Role | PrincipalKind::User => parts.last().copied(),
        _ => None,
    }
}

/// IAM returns policy documents URL-encoded (RFC 3986); emulators sometimes do not.
pub fn decode_policy(text: &str) -> String {
    if text.trim_start().starts_with('{') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).and_then(|b| hex(*b)), bytes.get(i + 2).and_then(|b| hex(*b))) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl LocalPolicyOracle {
    /// The principal's policies, fetched once; a failure is remembered too, so one
    /// unreadable role costs one failed call per sync, not one per scope.
    async fn policies(
        &self,
        identity: &CallerIdentity,
        principal: &PrincipalContext,
    ) -> PortResult<Vec<PolicyDocument>> {
        let mut cache = self.cache.lock().await;
        if let Some(p) = cache.get(&principal.arn) {
            return p.clone();
        }
        let config = sdk_config(&self.files, &identity.profile.0, None).await;
        let iam = Client::new(&config);
        let profile = identity.profile.0.as_str();
        let fetched = match (principal.kind, entity_name(principal)) {
            (PrincipalKind::AssumedRole | PrincipalKind::Role, Some(role)) => {
                role_policies(&iam, profile, role).await.map_err(|e| unreadable(&format!("role {role}"), ROLE_READS, e))
            }
            (PrincipalKind::User, Some(user)) => {
                user_policies(&iam, profile, user).await.map_err(|e| unreadable(&format!("user {user}"), USER_READS, e))
            }
            _ => Ok(Vec::new()),
        };
        cache.insert(principal.arn.clone(), fetched.clone());
        fetched
    }
}

/// The IAM reads the local evaluation needs, for the advice when one is refused.
const ROLE_READS: &str =
    "iam:ListRolePolicies, iam:GetRolePolicy, iam:ListAttachedRolePolicies, iam:GetPolicy and iam:GetPolicyVersion";
const USER_READS: &str = "iam:ListUserPolicies, iam:GetUserPolicy, iam:ListAttachedUserPolicies, iam:ListGroupsForUser, iam:ListGroupPolicies, iam:GetGroupPolicy, iam:ListAttachedGroupPolicies, iam:GetPolicy and iam:GetPolicyVersion";

/// Why the permissions of `entity` are unknown, and what would make them known.
fn unreadable(entity: &str, reads: &str, e: PortError) -> PortError {
    let detail = match e {
        PortError::Denied { what, detail, .. } | PortError::Unavailable { what, detail, .. } => {
            format!("{what}: {detail}")
        }
        other => other.to_string(),
    };
    PortError::Denied {
        what: format!("reading the IAM policies of {entity}"),
        detail,
        hint: format!(
            "Permissions stay unknown until the principal may call {reads} (or the account allows iam:SimulatePrincipalPolicy)"
        ),
    }
}

fn parse(name: &str, document: &str) -> PortResult<PolicyDocument> {
    PolicyDocument::parse(name, &decode_policy(document)).map_err(|e| PortError::Invalid(e.to_string()))
}

async fn managed(iam: &Client, profile: &str, arns: Vec<String>) -> PortResult<Vec<PolicyDocument>> {
    let mut out = Vec::new();
    for arn in arns {
        let policy =
            iam.get_policy().policy_arn(&arn).send().await.map_err(|e| port_error("iam:GetPolicy", profile, e))?;
        let Some(version) = policy.policy().and_then(|p| p.default_version_id()) else { continue };
        let v = iam
            .get_policy_version()
            .policy_arn(&arn)
            .version_id(version)
            .send()
            .await
            .map_err(|e| port_error("iam:GetPolicyVersion", profile, e))?;
        if let Some(doc) = v.policy_version().and_then(|v| v.document()) {
            out.push(parse(&arn, doc)?);
        }
    }
    Ok(out)
}

async fn role_policies(iam: &Client, profile: &str, role: &str) -> PortResult<Vec<PolicyDocument>> {
    let names = iam
        .list_role_policies()
        .role_name(role)
        .send()
        .await
        .map_err(|e| port_error("iam:ListRolePolicies", profile, e))?;
    let mut out = Vec::new();
    for name in names.policy_names() {
        let p = iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .map_err(|e| port_error("iam:GetRolePolicy", profile, e))?;
        out.push(parse(&format!("role/{role}/{name}"), p.policy_document())?);
    }
    let attached = iam
        .list_attached_role_policies()
        .role_name(role)
        .send()
        .await
        .map_err(|e| port_error("iam:ListAttachedRolePolicies", profile, e))?;
    let arns = attached.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_owned)).collect();
    out.extend(managed(iam, profile, arns).await?);
    Ok(out)
}

async fn user_policies(iam: &Client, profile: &str, user: &str) -> PortResult<Vec<PolicyDocument>> {
    let mut out = Vec::new();
    let names = iam
        .list_user_policies()
        .user_name(user)
        .send()
        .await
        .map_err(|e| port_error("iam:ListUserPolicies", profile, e))?;
    for name in names.policy_names() {
        let p = iam
            .get_user_policy()
            .user_name(user)
            .policy_name(name)
            .send()
            .await
            .map_err(|e| port_error("iam:GetUserPolicy", profile, e))?;
        out.push(parse(&format!("user/{user}/{name}"), p.policy_document())?);
    }
    let attached = iam
        .list_attached_user_policies()
        .user_name(user)
        .send()
        .await
        .map_err(|e| port_error("iam:ListAttachedUserPolicies", profile, e))?;
    let mut arns: Vec<String> =
        attached.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_owned)).collect();
    let groups = iam
        .list_groups_for_user()
        .user_name(user)
        .send()
        .await
        .map_err(|e| port_error("iam:ListGroupsForUser", profile, e))?;
    for group in groups.groups() {
        let g = group.group_name();
        let names = iam
            .list_group_policies()
            .group_name(g)
            .send()
            .await
            .map_err(|e| port_error("iam:ListGroupPolicies", profile, e))?;
        for name in names.policy_names() {
            let p = iam
                .get_group_policy()
                .group_name(g)
                .policy_name(name)
                .send()
                .await
                .map_err(|e| port_error("iam:GetGroupPolicy", profile, e))?;
            out.push(parse(&format!("group/{g}/{name}"), p.policy_document())?);
        }
        let attached = iam
            .list_attached_group_policies()
            .group_name(g)
            .send()
            .await
            .map_err(|e| port_error("iam:ListAttachedGroupPolicies", profile, e))?;
        arns.extend(attached.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_owned)));
    }
    arns.sort();
    arns.dedup();
    out.extend(managed(iam, profile, arns).await?);
    Ok(out)
}

/// What is known offline about a request on `r` by `principal`.
pub fn request_context(r: &Resource, principal: &PrincipalContext, account: &str) -> RequestContext {
    let mut ctx = RequestContext::new()
        .with("aws:RequestedRegion", r.region.as_str())
        .with("aws:SecureTransport", "true")
        .with("aws:PrincipalArn", &principal.arn)
        .with("aws:PrincipalAccount", account)
        .decidable("aws:ResourceTag/")
        .decidable(&format!("{}:ResourceTag/", r.kind.service()));
    let mut tags: Vec<(String, String)> = r.tags.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    let ec2_family = matches!(
        r.kind,
        ResourceKind::Ec2Instance
            | ResourceKind::EbsVolume
            | ResourceKind::Vpc
            | ResourceKind::Subnet
            | ResourceKind::SecurityGroup
    );
    if let (true, Some(name)) = (ec2_family, &r.name) {
        tags.push(("Name".into(), name.clone()));
    }
    for (k, v) in tags {
        ctx = ctx.with(&format!("aws:ResourceTag/{k}"), &v).with(&format!("{}:ResourceTag/{k}", r.kind.service()), &v);
    }
    ctx
}

/// Evaluates every relevant action of `r` against `policies`.
pub fn permissions_for(
    policies: &[PolicyDocument],
    principal: &PrincipalContext,
    account: &str,
    r: &Resource,
) -> IamPermissions {
    let ctx = request_context(r, principal, account);
    let mut perms = IamPermissions { principal: Some(principal.clone()), ..Default::default() };
    for action in cloudops_domain::iam::relevant_actions(r.kind) {
        let Ok(parsed) = action.parse::<IamAction>() else { continue };
        let verdict = if principal.kind == PrincipalKind::Root {
            PermissionVerdict::Allowed
        } else {
            evaluate(policies, action, r.arn.as_str(), &ctx).verdict
        };
        match verdict {
            PermissionVerdict::Allowed => perms.allowed.insert(parsed),
            PermissionVerdict::ExplicitDeny => perms.denied_explicit.insert(parsed),
            PermissionVerdict::ImplicitDeny => perms.denied_implicit.insert(parsed),
            PermissionVerdict::Unknown => perms.unknown.insert(parsed),
        };
    }
    perms
}

#[async_trait]
impl PermissionOracle for LocalPolicyOracle {
    async fn evaluate(&self, identity: &CallerIdentity, resources: &[Resource]) -> PortResult<Vec<IamPermissions>> {
        let principal = principal_of(&identity.principal_arn);
        let policies = self.policies(identity, &principal).await?;
        Ok(resources.iter().map(|r| permissions_for(&policies, &principal, identity.account_id.as_str(), r)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_are_parsed_from_sts_arns() {
        let p = principal_of("arn:aws:sts::123456789012:assumed-role/ops/alice-session");
        assert_eq!(
            (p.kind, p.session_name.as_deref(), entity_name(&p)),
            (PrincipalKind::AssumedRole, Some("alice-session"), Some("ops"))
        );
        let p = principal_of("arn:aws:iam::123456789012:user/team/alice");
        assert_eq!((p.kind, entity_name(&p)), (PrincipalKind::User, Some("alice")));
        assert_eq!(principal_of("arn:aws:iam::123456789012:root").kind, PrincipalKind::Root);
    }

    #[test]
    fn policy_documents_are_url_decoded_when_encoded() {
        assert_eq!(decode_policy("%7B%22Version%22%3A%222012-10-17%22%7D"), r#"{"Version":"2012-10-17"}"#);
        assert_eq!(decode_policy(r#"{"a":"%41"}"#), r#"{"a":"%41"}"#, "plain JSON is left alone");
    }
}
