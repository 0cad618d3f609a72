//! What the syncing principal may do to a resource, and which IAM actions matter per kind.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::IdError;
use crate::newtype::string_newtype_serde;
use crate::resource::ResourceKind;

/// An IAM action, `service:Action` (`rds:StopDBInstance`). Wildcards (`ec2:Stop*`, `*`) are
/// allowed because policies use them. Comparison of the service prefix is case-insensitive,
/// as in IAM.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IamAction(String);

impl FromStr for IamAction {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let valid_part = |p: &str| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?' || b == b'-')
        };
        match s.split_once(':') {
            _ if s == "*" => Ok(Self(s.to_owned())),
            Some((svc, act)) if valid_part(svc) && valid_part(act) => Ok(Self(s.to_owned())),
            _ => Err(IdError::IamAction(s.to_owned())),
        }
    }
}

string_newtype_serde!(IamAction);

impl IamAction {
    pub fn new(service: &str, action: &str) -> Result<Self, IdError> {
        format!("{service}:{action}").parse()
    }
}

/// The kind of principal that synced the estate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    User,
    Role,
    AssumedRole,
    Root,
    FederatedUser,
}

/// Who the permissions were evaluated for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrincipalContext {
    /// The principal's ARN as STS reports it.
    pub arn: String,
    pub kind: PrincipalKind,
    /// For assumed roles: the session name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,
}

/// What evaluating one action against the principal's policies gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionVerdict {
    Allowed,
    /// A policy statement denies it: nothing can override this.
    ExplicitDeny,
    /// No statement allows it.
    ImplicitDeny,
    /// Not evaluated, or depends on conditions that cannot be evaluated offline.
    Unknown,
}

/// The principal's permissions on one resource, for the actions relevant to its kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamPermissions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<PrincipalContext>,
    #[serde(default)]
    pub allowed: BTreeSet<IamAction>,
    #[serde(default)]
    pub denied_explicit: BTreeSet<IamAction>,
    #[serde(default)]
    pub denied_implicit: BTreeSet<IamAction>,
    /// Actions whose outcome depends on conditions that could not be evaluated.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub unknown: BTreeSet<IamAction>,
    /// When the credentials used for the evaluation expire (assumed-role sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_expires_at: Option<DateTime<Utc>>,
}

impl IamPermissions {
    /// What is known when the principal's policies could not be read: every action relevant to
    /// `kind` is unknown (never guessed allowed or denied).
    pub fn unknown_for(kind: ResourceKind, principal: Option<PrincipalContext>) -> Self {
        let unknown = relevant_actions(kind).iter().filter_map(|a| a.parse().ok()).collect();
        Self { principal, unknown, ..Default::default() }
    }

    /// The verdict for an exact action (`rds:StopDBInstance`). An explicit deny wins over an
    /// allow if both were recorded; an action never evaluated is `Unknown`.
    pub fn verdict(&self, action: &IamAction) -> PermissionVerdict {
        let lower = |a: &IamAction| a.as_str().to_ascii_lowercase();
        let has = |set: &BTreeSet<IamAction>| set.iter().any(|a| lower(a) == lower(action));
        if has(&self.denied_explicit) {
            PermissionVerdict::ExplicitDeny
        } else if has(&self.allowed) {
            PermissionVerdict::Allowed
        } else if has(&self.denied_implicit) {
            PermissionVerdict::ImplicitDeny
        } else {
            PermissionVerdict::Unknown
        }
    }
}

/// The IAM actions cloudops evaluates for each kind of resource: the reads the lookup needs
/// and every operation a playbook may run on it.
pub fn relevant_actions(kind: ResourceKind) -> &'static [&'static str] {
    match kind {
        ResourceKind::Ec2Instance => &[
            "ec2:DescribeInstances",
            "ec2:StartInstances",
            "ec2:StopInstances",
            "ec2:RebootInstances",
            "ec2:TerminateInstances",
            "ec2:ModifyInstanceAttribute",
            "ec2:CreateImage",
            "ec2:CreateSnapshot",
            "ec2:CreateTags",
            "ec2:DeleteTags",
        ],
        ResourceKind::EbsVolume => &[
            "ec2:DescribeVolumes",
            "ec2:CreateSnapshot",
            "ec2:ModifyVolume",
            "ec2:DeleteVolume",
            "ec2:CreateTags",
            "ec2:DeleteTags",
        ],
        ResourceKind::RdsInstance => &[
            "rds:DescribeDBInstances",
            "rds:StartDBInstance",
            "rds:StopDBInstance",
            "rds:RebootDBInstance",
            "rds:ModifyDBInstance",
            "rds:CreateDBSnapshot",
            "rds:DeleteDBInstance",
            "rds:AddTagsToResource",
            "rds:RemoveTagsFromResource",
        ],
        ResourceKind::RdsCluster => &[
            "rds:DescribeDBClusters",
            "rds:StartDBCluster",
            "rds:StopDBCluster",
            "rds:FailoverDBCluster",
            "rds:ModifyDBCluster",
            "rds:CreateDBClusterSnapshot",
            "rds:DeleteDBCluster",
            "rds:AddTagsToResource",
            "rds:RemoveTagsFromResource",
        ],
        ResourceKind::S3Bucket => &[
            "s3:ListBucket",
            "s3:PutBucketPublicAccessBlock",
            "s3:PutBucketVersioning",
            "s3:PutLifecycleConfiguration",
            "s3:ListBucketVersions",
            "s3:DeleteObject",
            "s3:DeleteObjectVersion",
            "s3:DeleteBucket",
            "s3:PutBucketTagging",
        ],
        ResourceKind::LambdaFunction => &[
            "lambda:GetFunction",
            "lambda:UpdateFunctionConfiguration",
            "lambda:PutFunctionConcurrency",
            "lambda:PublishVersion",
            "lambda:DeleteFunction",
            "lambda:TagResource",
            "lambda:UntagResource",
        ],
        ResourceKind::LoadBalancer => &[
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeTargetHealth",
            "elasticloadbalancing:RegisterTargets",
            "elasticloadbalancing:DeregisterTargets",
            "elasticloadbalancing:DeleteLoadBalancer",
            "elasticloadbalancing:AddTags",
            "elasticloadbalancing:RemoveTags",
        ],
        ResourceKind::Vpc => &["ec2:DescribeVpcs", "ec2:DeleteVpc", "ec2:CreateTags", "ec2:DeleteTags"],
        ResourceKind::Subnet => &["ec2:DescribeSubnets", "ec2:DeleteSubnet", "ec2:CreateTags", "ec2:DeleteTags"],
        ResourceKind::SecurityGroup => &[
            "ec2:DescribeSecurityGroups",
            "ec2:RevokeSecurityGroupIngress",
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:DeleteSecurityGroup",
            "ec2:CreateTags",
            "ec2:DeleteTags",
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> IamAction {
        s.parse().unwrap()
    }

    #[test]
    fn actions_are_validated() {
        for ok in ["rds:StopDBInstance", "ec2:Stop*", "*", "s3:*", "elasticloadbalancing:AddTags"] {
            assert!(ok.parse::<IamAction>().is_ok(), "{ok}");
        }
        for bad in ["", "rds", "rds:", ":Stop", "rds:Stop DB", "rds:Stop;rm"] {
            assert!(bad.parse::<IamAction>().is_err(), "{bad}");
        }
    }

    #[test]
    fn explicit_deny_beats_allow_and_unknown_is_reported() {
        let perms = IamPermissions {
            allowed: [a("rds:StopDBInstance"), a("rds:StartDBInstance")].into(),
            denied_explicit: [a("rds:StopDBInstance")].into(),
            denied_implicit: [a("rds:DeleteDBInstance")].into(),
            ..Default::default()
        };
        assert_eq!(perms.verdict(&a("rds:StopDBInstance")), PermissionVerdict::ExplicitDeny);
        assert_eq!(perms.verdict(&a("RDS:StartDBInstance")), PermissionVerdict::Allowed);
        assert_eq!(perms.verdict(&a("rds:DeleteDBInstance")), PermissionVerdict::ImplicitDeny);
        assert_eq!(perms.verdict(&a("rds:RebootDBInstance")), PermissionVerdict::Unknown);
    }

    #[test]
    fn every_kind_has_valid_relevant_actions_of_its_service() {
        for kind in ResourceKind::ALL {
            let actions = relevant_actions(kind);
            assert!(actions.len() >= 4, "{kind}");
            for action in actions {
                let parsed = a(action);
                let prefix = parsed.as_str().split(':').next().unwrap();
                let expected = match kind.service() {
                    "elbv2" => "elasticloadbalancing",
                    other => other,
                };
                assert_eq!(prefix, expected, "{kind}: {action}");
            }
        }
    }
}
