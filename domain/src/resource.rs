//! The resources of an AWS estate as cloudops models them.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::constraints::Constraints;
use crate::error::IdError;
use crate::iam::IamPermissions;
use crate::ids::{AccountId, Arn, PointId, Region, ResourceId};
use crate::tags::Tags;

/// The kinds of resource cloudops syncs. The serde form (`ec2_instance`…) is the wire and
/// payload name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Ec2Instance,
    EbsVolume,
    RdsInstance,
    RdsCluster,
    S3Bucket,
    LambdaFunction,
    LoadBalancer,
    Vpc,
    Subnet,
    SecurityGroup,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 10] = [
        Self::Ec2Instance,
        Self::EbsVolume,
        Self::RdsInstance,
        Self::RdsCluster,
        Self::S3Bucket,
        Self::LambdaFunction,
        Self::LoadBalancer,
        Self::Vpc,
        Self::Subnet,
        Self::SecurityGroup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ec2Instance => "ec2_instance",
            Self::EbsVolume => "ebs_volume",
            Self::RdsInstance => "rds_instance",
            Self::RdsCluster => "rds_cluster",
            Self::S3Bucket => "s3_bucket",
            Self::LambdaFunction => "lambda_function",
            Self::LoadBalancer => "load_balancer",
            Self::Vpc => "vpc",
            Self::Subnet => "subnet",
            Self::SecurityGroup => "security_group",
        }
    }

    /// The AWS service (SDK / CLI service name) that owns this kind.
    pub fn service(self) -> &'static str {
        match self {
            Self::Ec2Instance | Self::EbsVolume | Self::Vpc | Self::Subnet | Self::SecurityGroup => "ec2",
            Self::RdsInstance | Self::RdsCluster => "rds",
            Self::S3Bucket => "s3",
            Self::LambdaFunction => "lambda",
            Self::LoadBalancer => "elbv2",
        }
    }

    /// Words people use for this kind, for messages ("RDS instance").
    pub fn label(self) -> &'static str {
        match self {
            Self::Ec2Instance => "EC2 instance",
            Self::EbsVolume => "EBS volume",
            Self::RdsInstance => "RDS instance",
            Self::RdsCluster => "RDS cluster",
            Self::S3Bucket => "S3 bucket",
            Self::LambdaFunction => "Lambda function",
            Self::LoadBalancer => "load balancer",
            Self::Vpc => "VPC",
            Self::Subnet => "subnet",
            Self::SecurityGroup => "security group",
        }
    }

    /// `kinds` grouped by the service that owns them, services in name order.
    pub fn by_service(kinds: &[ResourceKind]) -> std::collections::BTreeMap<&'static str, Vec<ResourceKind>> {
        let mut out: std::collections::BTreeMap<&'static str, Vec<ResourceKind>> = Default::default();
        for &k in kinds {
            let group = out.entry(k.service()).or_default();
            if !group.contains(&k) {
                group.push(k);
            }
        }
        out
    }

    pub(crate) fn names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ResourceKind {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| IdError::ResourceKind(s.to_owned()))
    }
}

/// The state AWS reports for a resource, lower-cased as the APIs spell it (`running`,
/// `stopped`, `available`, `in-use`, `Active`→`active`…). Kinds without a state (S3 buckets,
/// security groups) use `available`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ResourceState(String);

impl ResourceState {
    pub fn new(state: &str) -> Self {
        Self(state.trim().to_ascii_lowercase())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn is(&self, state: &str) -> bool {
        self.0 == state
    }
}

impl fmt::Display for ResourceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Kind-specific configuration the scanners record. Every field is optional: a scanner fills
/// what its service reports. Constraint and risk rules read these fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResourceConfig {
    /// EC2 instance type, RDS instance class, LB type (`application`/`network`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    /// RDS engine (`postgres`), Lambda runtime (`python3.12`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    /// Lambda function / security group description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_az: Option<bool>,
    /// RDS automated backup retention in days (0 = backups off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_retention_days: Option<u32>,
    /// RDS/ELB deletion protection, EC2 `DisableApiTermination`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<bool>,
    /// Identifiers of this DB's read replicas.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub read_replicas: Vec<String>,
    /// The source DB when this DB is itself a read replica.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_source: Option<String>,
    /// Reachable from the internet: public RDS, internet-facing LB, S3 without a full public
    /// access block, a security group open to 0.0.0.0/0, an EC2 instance with a public IP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publicly_accessible: Option<bool>,
    /// S3 versioning (`Enabled`/`Suspended`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versioning: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_gb: Option<u32>,
    /// The EC2 root device type: `ebs` or `instance-store` (instance-store instances cannot be stopped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_device_type: Option<String>,
    /// Storage encryption at rest: RDS `StorageEncrypted`, EBS `Encrypted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<bool>,
    /// S3: whether the bucket policy makes it public (`GetBucketPolicyStatus`); `Some(false)`
    /// when it has no policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_policy: Option<bool>,
    /// A security group's inbound rules.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<IngressRule>,
    /// When the resource entered its current state, where AWS says (EC2's
    /// `StateTransitionReason` "User initiated (2026-11-01 10:00:00 GMT)").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_since: Option<DateTime<Utc>>,
    /// Anything else a scanner reports, by its AWS name.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub extra: std::collections::BTreeMap<String, serde_json::Value>,
}

/// One inbound rule of a security group: a protocol, a port range and where from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngressRule {
    /// `tcp`, `udp`, `icmp` or `-1` (all traffic).
    pub protocol: String,
    /// The port range; `None` for all ports (protocol `-1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    /// Source CIDRs (IPv4 and IPv6) the rule allows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

impl IngressRule {
    /// True when the rule lets `port` in over TCP (or all traffic).
    pub fn admits_tcp(&self, port: i32) -> bool {
        match self.protocol.as_str() {
            "-1" | "all" => true,
            "tcp" | "6" => match (self.from_port, self.to_port) {
                (Some(from), Some(to)) => from <= port && port <= to,
                _ => true,
            },
            _ => false,
        }
    }

    /// True when a source is the whole internet (`0.0.0.0/0` or `::/0`).
    pub fn from_anywhere(&self) -> bool {
        self.sources.iter().any(|s| s == "0.0.0.0/0" || s == "::/0")
    }
}

/// How one resource depends on another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Lives in this VPC / subnet.
    InNetwork,
    /// Uses this security group.
    UsesSecurityGroup,
    /// Has this volume attached.
    AttachedVolume,
    /// Is a read replica of / a member of.
    ReplicaOf,
    MemberOf,
    /// A load balancer's registered target.
    Target,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Dependency {
    pub relation: Relation,
    pub arn: Arn,
}

/// One resource of the estate, as synced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub kind: ResourceKind,
    pub arn: Arn,
    pub identifier: ResourceId,
    /// The `Name` tag for EC2-family kinds, the resource's own name otherwise.
    pub name: Option<String>,
    pub account_id: AccountId,
    /// The IAM account alias, else the profile name the account was reached through.
    pub account_alias: Option<String>,
    pub region: Region,
    pub state: ResourceState,
    pub tags: Tags,
    #[serde(default)]
    pub config: ResourceConfig,
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
    /// What the syncing principal may do to this resource.
    #[serde(default)]
    pub iam: Option<IamPermissions>,
    /// Derived by [`crate::constraints::derive`] from state + config at sync time.
    #[serde(default)]
    pub constraints: Constraints,
    pub last_synced: DateTime<Utc>,
    /// Parts of the resource the sync could not read (a per-resource call failed): their
    /// fields are empty or `None` because they are unknown, not because AWS said so.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub unknown: BTreeSet<Facet>,
}

/// A part of a resource that a scanner reads with its own call, so that it can fail alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Facet {
    /// Tags (and the name when it comes from a tag).
    Tags,
    /// Settings read per resource: deletion protection, versioning, public access, lifecycle.
    Attributes,
    /// A load balancer's target groups and registered targets.
    Targets,
    /// The syncing principal's IAM permissions on it.
    Permissions,
}

impl Facet {
    pub fn label(self) -> &'static str {
        match self {
            Facet::Tags => "tags",
            Facet::Attributes => "attributes",
            Facet::Targets => "targets",
            Facet::Permissions => "permissions",
        }
    }
}

impl Resource {
    /// The deterministic store id of this resource (see [`PointId`]).
    pub fn point_id(&self) -> PointId {
        PointId::for_resource(self.kind, &self.account_id, &self.region, &self.identifier)
    }

    /// Its name, else its identifier.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(self.identifier.as_str())
    }

    /// A short human reference: `rds_instance pg-main (123456789012/us-east-1)`.
    pub fn display_ref(&self) -> String {
        format!("{} {} ({}/{})", self.kind.label(), self.display_name(), self.account_id, self.region)
    }
}
