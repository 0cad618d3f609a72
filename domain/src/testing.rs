//! Builders of well-formed resources for tests and fixtures (account 123456789012, us-east-1
//! unless changed).

use chrono::{TimeZone, Utc};

use crate::ids::{AccountId, Arn, Region};
use crate::resource::{Resource, ResourceConfig, ResourceKind, ResourceState};
use crate::tags::Tags;

/// A resource of `kind` named `name` in state `state`, with an ARN built as AWS builds it.
pub fn resource(kind: ResourceKind, name: &str, state: &str) -> Resource {
    resource_in(kind, name, state, "123456789012", "us-east-1")
}

/// Like [`resource`], in the given account and region.
pub fn resource_in(kind: ResourceKind, name: &str, state: &str, account: &str, region: &str) -> Resource {
    let account: AccountId = account.parse().expect("fixture account id is valid");
    let region: Region = region.parse().expect("fixture region is valid");
    let (identifier, arn_resource) = match kind {
        ResourceKind::Ec2Instance => (format!("i-{}", hex_of(name)), "instance/"),
        ResourceKind::EbsVolume => (format!("vol-{}", hex_of(name)), "volume/"),
        ResourceKind::Vpc => (format!("vpc-{}", hex_of(name)), "vpc/"),
        ResourceKind::Subnet => (format!("subnet-{}", hex_of(name)), "subnet/"),
        ResourceKind::SecurityGroup => (format!("sg-{}", hex_of(name)), "security-group/"),
        ResourceKind::RdsInstance => (name.to_owned(), "db:"),
        ResourceKind::RdsCluster => (name.to_owned(), "cluster:"),
        ResourceKind::S3Bucket => (name.to_owned(), ""),
        ResourceKind::LambdaFunction => (name.to_owned(), "function:"),
        ResourceKind::LoadBalancer => (name.to_owned(), "loadbalancer/app/"),
    };
    let arn_text = match kind {
        ResourceKind::S3Bucket => format!("arn:aws:s3:::{identifier}"),
        ResourceKind::LoadBalancer => {
            format!("arn:aws:elasticloadbalancing:{region}:{account}:{arn_resource}{identifier}/0123456789abcdef")
        }
        _ => format!("arn:aws:{}:{region}:{account}:{arn_resource}{identifier}", kind.service()),
    };
    Resource {
        kind,
        arn: arn_text.parse::<Arn>().expect("fixture ARN is valid"),
        identifier: identifier.parse().expect("fixture identifier is valid"),
        name: Some(name.to_owned()),
        account_id: account,
        account_alias: None,
        region,
        state: ResourceState::new(state),
        tags: Tags::new(),
        config: ResourceConfig::default(),
        dependencies: Vec::new(),
        iam: None,
        constraints: Default::default(),
        last_synced: Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).single().expect("fixed date is valid"),
        unknown: Default::default(),
    }
}

/// 17 hex digits derived from the name, the length of modern EC2 ids.
fn hex_of(name: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(name.as_bytes()))[..17].to_owned()
}
