//! Validated identifiers: AWS account ids, regions, ARNs, resource ids and the deterministic
//! store id every resource is kept under.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::IdError;
use crate::newtype::string_newtype_serde;
use crate::resource::ResourceKind;

/// A 12-digit AWS account id, e.g. `123456789012`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);
string_newtype_serde!(AccountId);

impl FromStr for AccountId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::AccountId(s.to_owned()))
        }
    }
}

/// An AWS region code such as `us-east-1`, `eu-central-2` or `us-gov-west-1`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(String);
string_newtype_serde!(Region);

impl FromStr for Region {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('-').collect();
        let well_formed = (3..=4).contains(&parts.len())
            && parts[..parts.len() - 1].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
            && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
            && !parts[parts.len() - 1].is_empty()
            && parts[0].len() == 2;
        if well_formed { Ok(Self(s.to_owned())) } else { Err(IdError::Region(s.to_owned())) }
    }
}

impl Region {
    /// The partition this region belongs to (`aws`, `aws-cn`, `aws-us-gov`).
    pub fn partition(&self) -> &'static str {
        if self.0.starts_with("cn-") {
            "aws-cn"
        } else if self.0.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }
}

/// The identifier AWS gives a resource inside its service: an instance id (`i-0abc…`), a DB
/// identifier, a bucket name, a function name, a load balancer name…
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResourceId(String);
string_newtype_serde!(ResourceId);

impl FromStr for ResourceId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || s.len() > 1024 || s.chars().any(|c| c.is_control() || c.is_whitespace()) {
            Err(IdError::ResourceId(s.to_owned()))
        } else {
            Ok(Self(s.to_owned()))
        }
    }
}

/// A parsed Amazon Resource Name: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
///
/// Region and account may be empty (S3 buckets, IAM); the resource part may itself contain
/// `:` and `/`. Display gives back exactly the parsed text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Arn {
    text: String,
    partition: String,
    service: String,
    region: Option<Region>,
    account: Option<AccountId>,
    resource: String,
}

impl FromStr for Arn {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| IdError::Arn { arn: s.to_owned(), why: why.to_owned() };
        let mut parts = s.splitn(6, ':');
        let (Some(prefix), Some(partition), Some(service), Some(region), Some(account), Some(resource)) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("it needs six ':'-separated parts"));
        };
        if prefix != "arn" {
            return Err(bad("it must start with 'arn:'"));
        }
        if !matches!(partition, "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b") {
            return Err(bad("unknown partition"));
        }
        if service.is_empty() || !service.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(bad("the service part is empty or malformed"));
        }
        if resource.is_empty() || resource.chars().any(char::is_control) {
            return Err(bad("the resource part is empty or has control characters"));
        }
        let region = if region.is_empty() {
            None
        } else {
            Some(region.parse().map_err(|_| bad("the region part is not a region"))?)
        };
        let account = if account.is_empty() {
            None
        } else {
            Some(account.parse().map_err(|_| bad("the account part is not 12 digits"))?)
        };
        Ok(Self {
            text: s.to_owned(),
            partition: partition.to_owned(),
            service: service.to_owned(),
            region,
            account,
            resource: resource.to_owned(),
        })
    }
}

impl TryFrom<String> for Arn {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Arn> for String {
    fn from(value: Arn) -> String {
        value.text
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Arn {
    /// Builds an ARN from its parts (used by scanners where the API returns no ARN).
    pub fn build(
        region: Option<&Region>,
        service: &str,
        account: Option<&AccountId>,
        resource: &str,
    ) -> Result<Self, IdError> {
        let partition = region.map_or("aws", Region::partition);
        format!(
            "arn:{partition}:{service}:{}:{}:{resource}",
            region.map_or("", Region::as_str),
            account.map_or("", AccountId::as_str)
        )
        .parse()
    }
    pub fn as_str(&self) -> &str {
        &self.text
    }
    pub fn partition(&self) -> &str {
        &self.partition
    }
    pub fn service(&self) -> &str {
        &self.service
    }
    pub fn region(&self) -> Option<&Region> {
        self.region.as_ref()
    }
    pub fn account(&self) -> Option<&AccountId> {
        self.account.as_ref()
    }
    /// The part after the account: `instance/i-0abc`, `db:pg-main`, `my-bucket`…
    pub fn resource(&self) -> &str {
        &self.resource
    }
}

/// The id a resource is stored under in the estate store.
///
/// It is a UUID v5 in the fixed [`PointId::NAMESPACE`] over the text
/// `"{kind}/{account}/{region}/{identifier}"`. The same resource therefore always maps to the
/// same id, on every machine and across syncs, so upserting it twice leaves one point. The
/// kind is part of the name because identifiers are only unique within a service: an RDS
/// instance and a Lambda function may both be called `orders` in one account and region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PointId(Uuid);

impl PointId {
    /// Namespace of cloudops point ids (a random UUID fixed forever: changing it would orphan
    /// every stored resource).
    pub const NAMESPACE: Uuid = Uuid::from_u128(0x6c0f_9d3e_58a1_4f0b_9b1e_2c47_d1a5_e803);

    pub fn for_resource(kind: ResourceKind, account: &AccountId, region: &Region, identifier: &ResourceId) -> Self {
        let name = format!("{}/{account}/{region}/{identifier}", kind.as_str());
        Self(Uuid::new_v5(&Self::NAMESPACE, name.as_bytes()))
    }
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
    /// The id read back from a store (which keeps it as a UUID).
    pub fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }
}

impl fmt::Display for PointId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_exactly_twelve_digits() {
        assert!("123456789012".parse::<AccountId>().is_ok());
        for bad in ["", "12345678901", "1234567890123", "12345678901a", " 23456789012"] {
            let err = bad.parse::<AccountId>().unwrap_err();
            assert!(err.to_string().contains("12 digits"), "{err}");
        }
    }

    #[test]
    fn regions_are_validated() {
        for ok in ["us-east-1", "eu-central-2", "ap-southeast-3", "us-gov-west-1", "cn-north-1"] {
            assert!(ok.parse::<Region>().is_ok(), "{ok}");
        }
        for bad in ["", "us-east", "US-EAST-1", "useast1", "us_east_1", "oregon", "u-east-1"] {
            assert!(bad.parse::<Region>().is_err(), "{bad}");
        }
        assert_eq!("cn-north-1".parse::<Region>().unwrap().partition(), "aws-cn");
        assert_eq!("us-gov-west-1".parse::<Region>().unwrap().partition(), "aws-us-gov");
    }

    #[test]
    fn arns_parse_and_round_trip() {
        let arn: Arn = "arn:aws:rds:us-east-1:123456789012:db:pg-instance-main1".parse().unwrap();
        assert_eq!(arn.service(), "rds");
        assert_eq!(arn.region().unwrap().as_str(), "us-east-1");
        assert_eq!(arn.account().unwrap().as_str(), "123456789012");
        assert_eq!(arn.resource(), "db:pg-instance-main1");
        assert_eq!(arn.to_string(), "arn:aws:rds:us-east-1:123456789012:db:pg-instance-main1");

        let bucket: Arn = "arn:aws:s3:::my-bucket".parse().unwrap();
        assert!(bucket.region().is_none() && bucket.account().is_none());

        for bad in [
            "",
            "arn:aws:s3::",
            "aws:s3:::bucket",
            "arn:aws:ec2:us-east-1:12345:instance/i-1",
            "arn:nope:ec2:us-east-1:123456789012:instance/i-1",
            "arn:aws:ec2:moon-1:123456789012:instance/i-1",
            "arn:aws::us-east-1:123456789012:x",
            "arn:aws:ec2:us-east-1:123456789012:",
        ] {
            assert!(bad.parse::<Arn>().is_err(), "{bad}");
        }
    }

    #[test]
    fn arn_build_uses_the_region_partition() {
        let region: Region = "cn-north-1".parse().unwrap();
        let account: AccountId = "123456789012".parse().unwrap();
        let arn = Arn::build(Some(&region), "ec2", Some(&account), "instance/i-1").unwrap();
        assert_eq!(arn.as_str(), "arn:aws-cn:ec2:cn-north-1:123456789012:instance/i-1");
    }

    #[test]
    fn serde_rejects_invalid_ids() {
        assert!(serde_json::from_str::<AccountId>("\"12\"").is_err());
        assert!(serde_json::from_str::<Arn>("\"not-an-arn\"").is_err());
        let arn: Arn = serde_json::from_str("\"arn:aws:s3:::b\"").unwrap();
        assert_eq!(serde_json::to_string(&arn).unwrap(), "\"arn:aws:s3:::b\"");
    }

    #[test]
    fn point_ids_are_deterministic_and_distinct() {
        let a: AccountId = "123456789012".parse().unwrap();
        let b: AccountId = "210987654321".parse().unwrap();
        let r: Region = "us-east-1".parse().unwrap();
        let id: ResourceId = "orders".parse().unwrap();
        let p1 = PointId::for_resource(ResourceKind::RdsInstance, &a, &r, &id);
        assert_eq!(p1, PointId::for_resource(ResourceKind::RdsInstance, &a, &r, &id));
        assert_ne!(p1, PointId::for_resource(ResourceKind::RdsInstance, &b, &r, &id));
        assert_ne!(p1, PointId::for_resource(ResourceKind::LambdaFunction, &a, &r, &id));
        assert_ne!(p1, PointId::for_resource(ResourceKind::RdsInstance, &a, &"us-west-2".parse().unwrap(), &id));
        // Pinned value: if this changes, every stored estate is orphaned.
        // Cross-checked with Python: uuid.uuid5(NAMESPACE, "rds_instance/123456789012/us-east-1/orders").
        assert_eq!(p1.to_string(), "0f44c81d-efa4-50aa-9a7b-f8d7bf8afdb9");
        assert_eq!(p1.as_uuid().get_version_num(), 5);
    }
}
