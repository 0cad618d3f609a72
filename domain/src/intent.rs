//! What the user asked for, once classified: a verb on a service, with targets and filters.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, Arn, Region};
use crate::resource::{ResourceKind, ResourceState};
use crate::tags::TagFilter;

/// The operation verbs cloudops understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verb {
    List,
    Describe,
    Start,
    Stop,
    Reboot,
    Terminate,
    Delete,
    Modify,
    Resize,
    Snapshot,
    CreateImage,
    Failover,
    Enable,
    Disable,
    Publish,
    Register,
    Deregister,
    Revoke,
    Tag,
    Untag,
}

/// How much an operation changes. Drives the risk baseline and whether approval is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionClass {
    /// Describe/list: changes nothing.
    ReadOnly,
    /// Adds something and removes nothing: snapshot, AMI, tag, publish a version.
    Additive,
    /// Changes configuration: modify, resize, lifecycle, public access block, revoke ingress.
    Configuration,
    /// Interrupts service but loses nothing: stop, reboot, failover, deregister targets.
    Disruptive,
    /// Loses something for good: terminate, delete, empty a bucket.
    Destructive,
}

impl Verb {
    pub fn class(self) -> ActionClass {
        match self {
            Self::List | Self::Describe => ActionClass::ReadOnly,
            Self::Snapshot | Self::CreateImage | Self::Tag | Self::Publish | Self::Start | Self::Register => {
                ActionClass::Additive
            }
            Self::Modify | Self::Resize | Self::Enable | Self::Disable | Self::Revoke | Self::Untag => {
                ActionClass::Configuration
            }
            Self::Stop | Self::Reboot | Self::Failover | Self::Deregister => ActionClass::Disruptive,
            Self::Terminate | Self::Delete => ActionClass::Destructive,
        }
    }
    pub fn is_mutating(self) -> bool {
        self.class() != ActionClass::ReadOnly
    }

    /// The verb as words in a sentence ("create image").
    pub fn words(self) -> String {
        self.to_string().replace('_', " ")
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        f.write_str(&text)
    }
}

/// How a target was named in the prompt, before or after resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "by", content = "value")]
pub enum TargetRef {
    /// A name or id as typed ("pg-main").
    Name(String),
    /// An exact ARN.
    Arn(Arn),
}

/// Filters parsed from the prompt ("in production", "us-west-2", "stopped", "env=prod").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filters {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<AccountId>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub account_aliases: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<Region>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<ResourceKind>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub states: Vec<ResourceState>,
    /// All must match (AND).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagFilter>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A classified request: `stop` on `rds` targeting `pg-instance-main1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    pub verb: Verb,
    /// The AWS service (`ec2`, `rds`, `s3`, `lambda`, `elbv2`), when known.
    pub service: Option<String>,
    pub targets: Vec<TargetRef>,
    #[serde(default)]
    pub filters: Filters,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_have_classes_and_display_in_wire_form() {
        assert_eq!(Verb::Stop.class(), ActionClass::Disruptive);
        assert_eq!(Verb::Terminate.class(), ActionClass::Destructive);
        assert!(!Verb::List.is_mutating());
        assert!(Verb::Tag.is_mutating());
        assert_eq!(Verb::CreateImage.to_string(), "create_image");
        assert_eq!(Verb::CreateImage.words(), "create image");
        assert!(ActionClass::Destructive > ActionClass::Disruptive);
    }

    #[test]
    fn targets_serialize_tagged() {
        let t = TargetRef::Name("pg-main".into());
        assert_eq!(serde_json::to_string(&t).unwrap(), r#"{"by":"name","value":"pg-main"}"#);
    }
}
