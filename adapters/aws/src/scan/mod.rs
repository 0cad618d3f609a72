//! The EstateSource port over aws-sdk-rust: one module per service, read-only calls only.

mod ec2;
mod elbv2;
mod lambda;
mod rds;
mod s3;

pub(crate) use s3::client as s3_client;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudops_domain::{
    AccountId, Arn, Region, Resource, ResourceConfig, ResourceId, ResourceKind, ResourceState, Tags,
};
use cloudops_ports::{EstateSource, PortError, PortResult, ScanTarget, SyncEvent, SyncSink};

use crate::{AwsConfigFiles, sdk_config};

/// Reads the estate of one (profile, account, region) with the profile's own credentials.
#[derive(Debug, Default)]
pub struct AwsEstateSource {
    files: AwsConfigFiles,
    bucket_regions: s3::RegionCache,
}

impl AwsEstateSource {
    pub fn new(files: AwsConfigFiles) -> Self {
        Self { files, bucket_regions: Default::default() }
    }
}

#[async_trait]
impl EstateSource for AwsEstateSource {
    async fn scan(&self, target: &ScanTarget, sink: &dyn SyncSink) -> PortResult<Vec<Resource>> {
        let config = sdk_config(&self.files, &target.profile.0, Some(target.region.as_str())).await;
        let ctx = ScanContext {
            account: target.account_id.clone(),
            alias: target.account_alias.clone(),
            region: target.region.clone(),
            profile: target.profile.0.clone(),
            now: Utc::now(),
        };
        let label = format!("{}/{}", target.account_id, target.region);
        let mut out = Vec::new();
        for (service, kinds) in ResourceKind::by_service(&target.kinds) {
            let found = match service {
                "ec2" => ec2::scan(&config, &ctx).await?,
                "rds" => rds::scan(&config, &ctx).await?,
                "s3" => s3::scan(&config, &ctx, &self.bucket_regions).await?,
                "lambda" => lambda::scan(&config, &ctx).await?,
                "elbv2" => elbv2::scan(&config, &ctx).await?,
                other => return Err(PortError::Invalid(format!("no scanner for service '{other}'"))),
            };
            for &kind in &kinds {
                let n = found.iter().filter(|r| r.kind == kind).count();
                sink.event(SyncEvent::Page { target: label.clone(), kind, resources: n });
            }
            out.extend(found.into_iter().filter(|r| kinds.contains(&r.kind)));
        }
        Ok(out)
    }
}

/// What every scanner needs to build resources.
#[derive(Debug, Clone)]
pub(crate) struct ScanContext {
    pub account: AccountId,
    pub alias: Option<String>,
    pub region: Region,
    pub profile: String,
    pub now: DateTime<Utc>,
}

impl ScanContext {
    /// A resource of this account and region. `arn` is AWS's when the API gives one, else
    /// built from `arn_resource` (`instance/i-0abc`).
    pub(crate) fn resource(
        &self,
        kind: ResourceKind,
        arn: Option<&str>,
        arn_resource: &str,
        identifier: &str,
        state: &str,
        tags: Tags,
    ) -> PortResult<Resource> {
        let arn: Arn = match arn {
            Some(a) => a.parse(),
            None => Arn::build(Some(&self.region), kind.service(), Some(&self.account), arn_resource),
        }
        .map_err(|e| self.bad(kind, e))?;
        let identifier: ResourceId = identifier.parse().map_err(|e| self.bad(kind, e))?;
        let name = tags.name().map(str::to_owned);
        Ok(Resource {
            kind,
            arn,
            identifier,
            name,
            account_id: self.account.clone(),
            account_alias: self.alias.clone(),
            region: self.region.clone(),
            state: ResourceState::new(state),
            tags: tags.without_name(),
            config: ResourceConfig::default(),
            dependencies: Vec::new(),
            iam: None,
            constraints: Default::default(),
            last_synced: self.now,
        })
    }

    /// The ARN of an EC2-family resource of this account and region (`subnet`, `subnet-0abc`).
    pub(crate) fn ec2_arn(&self, kind: &str, id: &str) -> Option<Arn> {
        Arn::build(Some(&self.region), "ec2", Some(&self.account), &format!("{kind}/{id}")).ok()
    }

    fn bad(&self, kind: ResourceKind, e: impl std::fmt::Display) -> PortError {
        self.error_text(kind.label(), e)
    }

    pub(crate) fn error_text(&self, what: &str, e: impl std::fmt::Display) -> PortError {
        PortError::Other(format!("AWS returned a malformed {what} in {}/{}: {e}", self.account, self.region))
    }

    pub(crate) fn error<E, R>(&self, call: &str, err: aws_sdk_sts::error::SdkError<E, R>) -> PortError
    where
        E: std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        crate::errors::port_error(&format!("{call} in {}", self.region), &self.profile, err)
    }
}

/// Builds `Tags` from any SDK's (key, value) pairs.
pub(crate) fn tags<'a>(pairs: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>) -> Tags {
    pairs.into_iter().filter_map(|(k, v)| Some((k?.to_owned(), v.unwrap_or_default().to_owned()))).collect()
}
