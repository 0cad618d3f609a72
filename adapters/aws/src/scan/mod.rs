//! The EstateSource port over aws-sdk-rust: one module per service, read-only calls only.

mod calls;
mod ec2;
mod elbv2;
mod lambda;
mod rds;
mod s3;

pub(crate) use s3::{builder as s3_builder, client as s3_client};

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::config::retry::RetryPartition;
use chrono::{DateTime, Utc};
use cloudops_domain::{
    AccountId, Arn, Facet, Region, Resource, ResourceConfig, ResourceId, ResourceKind, ResourceState, Tags,
};
use cloudops_ports::{EstateSource, PortError, PortResult, ScanTarget, ScanWarning, Scanned, SyncEvent, SyncSink};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{AwsConfigFiles, sdk_config};
use calls::CallStats;

/// How hard a sync may push one AWS account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanLimits {
    /// Per-resource calls (tags, attributes, targets) in flight at once per account and
    /// service, across all of that account's regions.
    pub calls_per_account_service: usize,
    /// One (account, region, service) scan taking longer fails with a timeout; its previous
    /// resources stay.
    pub scope_timeout: Duration,
}

impl Default for ScanLimits {
    fn default() -> Self {
        Self { calls_per_account_service: 8, scope_timeout: Duration::from_secs(300) }
    }
}

/// Reads the estate of one (profile, account, region) with the profile's own credentials.
#[derive(Debug, Default)]
pub struct AwsEstateSource {
    files: AwsConfigFiles,
    bucket_regions: s3::RegionCache,
    limits: ScanLimits,
    /// (account, service) → its share of [`ScanLimits::calls_per_account_service`].
    permits: Mutex<HashMap<(AccountId, &'static str), Arc<Semaphore>>>,
}

impl AwsEstateSource {
    pub fn new(files: AwsConfigFiles) -> Self {
        Self { files, ..Default::default() }
    }

    pub fn with_limits(mut self, limits: ScanLimits) -> Self {
        self.limits = limits;
        self
    }

    fn permits(&self, account: &AccountId, service: &'static str) -> Arc<Semaphore> {
        let mut map = self.permits.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let permits = self.limits.calls_per_account_service.max(1);
        map.entry((account.clone(), service)).or_insert_with(|| Arc::new(Semaphore::new(permits))).clone()
    }
}

/// Whole-scan repeats after a transient failure, and the pause before the first (doubling).
const SCOPE_RETRIES: u64 = 2;
const SCOPE_RETRY_PAUSE: Duration = Duration::from_secs(2);

#[async_trait]
impl EstateSource for AwsEstateSource {
    async fn scan(&self, target: &ScanTarget, sink: &dyn SyncSink) -> PortResult<Scanned> {
        let config = sdk_config(&self.files, &target.profile.0, Some(target.region.as_str())).await;
        let label = format!("{}/{}", target.account_id, target.region);
        let mut out = Scanned::default();
        for (service, kinds) in ResourceKind::by_service(&target.kinds) {
            let ctx = ScanContext {
                account: target.account_id.clone(),
                alias: target.account_alias.clone(),
                region: target.region.clone(),
                profile: target.profile.0.clone(),
                now: Utc::now(),
                calls: CallStats::default(),
                partition: RetryPartition::new(format!(
                    "cloudops-scan/{}/{}/{service}",
                    target.account_id, target.region
                )),
                permits: self.permits(&target.account_id, service),
                warnings: Default::default(),
            };
            // The SDK retries each call; when a list call still fails with something that
            // passes (its retry quota is spent under heavy throttling), the whole service scan
            // is run again after a pause, within the scope's timeout.
            let scope_retries = AtomicU64::new(0);
            let scan = async {
                let mut pause = SCOPE_RETRY_PAUSE;
                loop {
                    let result = match service {
                        "ec2" => ec2::scan(&config, &ctx).await,
                        "rds" => rds::scan(&config, &ctx).await,
                        "s3" => s3::scan(&config, &ctx, &self.bucket_regions).await,
                        "lambda" => lambda::scan(&config, &ctx).await,
                        "elbv2" => elbv2::scan(&config, &ctx).await,
                        other => Err(PortError::Invalid(format!("no scanner for service '{other}'"))),
                    };
                    match result {
                        Err(e)
                            if scope_retries.load(Ordering::Relaxed) < SCOPE_RETRIES
                                && crate::errors::is_transient(&e) =>
                        {
                            tracing::info!(scope = %label, service, error = %e, "scan failed after the SDK's retries; scanning again");
                            scope_retries.fetch_add(1, Ordering::Relaxed);
                            ctx.warnings.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
                            tokio::time::sleep(pause).await;
                            pause *= 2;
                        }
                        other => break other,
                    }
                }
            };
            let timeout = self.limits.scope_timeout;
            let found = tokio::time::timeout(timeout, scan).await.map_err(|_| PortError::Unavailable {
                what: format!("the {service} scan of {label} for profile '{}'", target.profile.0),
                detail: format!("no answer within {} s", timeout.as_secs()),
                hint: "AWS is slow or throttling; run the sync again, or raise [sync] scope_timeout_secs in the cloudops config".into(),
            })??;
            for &kind in &kinds {
                let n = found.iter().filter(|r| r.kind == kind).count();
                sink.event(SyncEvent::Page { target: label.clone(), kind, resources: n });
            }
            out.resources.extend(found.into_iter().filter(|r| kinds.contains(&r.kind)));
            out.warnings.extend(ctx.warnings.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner));
            out.retries += ctx.calls.retries() + scope_retries.load(Ordering::Relaxed);
            out.throttles += ctx.calls.throttles();
        }
        Ok(out)
    }
}

/// What every scanner needs to build resources.
#[derive(Debug)]
pub(crate) struct ScanContext {
    pub account: AccountId,
    pub alias: Option<String>,
    pub region: Region,
    pub profile: String,
    pub now: DateTime<Utc>,
    /// Every client of this scan counts its calls here (see [`ScanContext::counted`]).
    pub calls: CallStats,
    /// The SDK's retry quota and adaptive rate limiter, per (account, region, service) as
    /// AWS's own limits are: throttling in one account or region never spends another's
    /// retries (the SDK's default shares one quota per service over the whole process).
    partition: RetryPartition,
    permits: Arc<Semaphore>,
    warnings: Mutex<Vec<ScanWarning>>,
}

impl ScanContext {
    /// A service config builder with this scan's call counter: `ctx.counted(Builder::from(config)).build()`.
    pub(crate) fn counted<B: Counted>(&self, builder: B) -> B {
        builder.count(self.calls.clone(), self.partition.clone())
    }

    /// Waits for one of this account's and service's per-resource call slots.
    pub(crate) async fn permit(&self) -> Option<OwnedSemaphorePermit> {
        self.permits.clone().acquire_owned().await.ok()
    }

    /// Records that `facet` of `r` could not be read: the resource is kept with the facet
    /// unknown, and the scope's status counts a warning.
    pub(crate) fn unknown(&self, r: &mut Resource, facet: Facet, error: &PortError) {
        if !r.unknown.insert(facet) {
            return; // one warning per facet of a resource
        }
        let resource = r.display_name().to_owned();
        tracing::warn!(resource = %resource, facet = facet.label(), error = %error, "resource facet unknown");
        let warning = ScanWarning { resource, facet, error: error.to_string() };
        self.warnings.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(warning);
    }

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
            unknown: Default::default(),
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

    pub(crate) fn error<E>(&self, call: &str, err: aws_sdk_sts::error::SdkError<E>) -> PortError
    where
        E: aws_sdk_sts::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        crate::errors::port_error(&format!("{call} in {}/{}", self.account, self.region), &self.profile, err)
    }
}

/// A service config builder that takes the scan's call counter and retry partition.
pub(crate) trait Counted {
    fn count(self, calls: CallStats, partition: RetryPartition) -> Self;
}

macro_rules! counted {
    ($($builder:ty),*) => {$(
        impl Counted for $builder {
            fn count(self, calls: CallStats, partition: RetryPartition) -> Self {
                self.interceptor(calls).retry_partition(partition)
            }
        }
    )*};
}

counted!(
    aws_sdk_ec2::config::Builder,
    aws_sdk_rds::config::Builder,
    aws_sdk_s3::config::Builder,
    aws_sdk_lambda::config::Builder,
    aws_sdk_elasticloadbalancingv2::config::Builder
);

/// Builds `Tags` from any SDK's (key, value) pairs.
pub(crate) fn tags<'a>(pairs: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>) -> Tags {
    pairs.into_iter().filter_map(|(k, v)| Some((k?.to_owned(), v.unwrap_or_default().to_owned()))).collect()
}
