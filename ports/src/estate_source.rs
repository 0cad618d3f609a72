use async_trait::async_trait;
use cloudops_domain::{AccountId, Region, Resource, ResourceKind};

use crate::{PortResult, Profile};

/// One unit of scanning: the resources of some kinds in one account and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanTarget {
    pub profile: Profile,
    pub account_id: AccountId,
    pub account_alias: Option<String>,
    pub region: Region,
    pub kinds: Vec<ResourceKind>,
}

/// Progress of a sync, streamed to the caller (CLI progress bar, desktop status line).
#[derive(Debug, Clone, PartialEq)]
pub enum SyncEvent {
    Started { target: String },
    Page { target: String, kind: ResourceKind, resources: usize },
    Finished { target: String, resources: usize },
    Failed { target: String, error: String },
}

/// Receives sync events; must not block.
pub trait SyncSink: Send + Sync {
    fn event(&self, event: SyncEvent);
}

/// Reads resources from AWS.
///
/// Contract:
/// - read-only: an estate source never calls a mutating API;
/// - every resource returned belongs to `target.account_id` and `target.region` (S3 buckets:
///   the bucket's own region) and has its tags, state and dependencies filled;
/// - a failing service returns an error for this target only; the caller decides what else runs;
/// - throttling is retried with backoff inside the adapter.
#[async_trait]
pub trait EstateSource: Send + Sync {
    async fn scan(&self, target: &ScanTarget, sink: &dyn SyncSink) -> PortResult<Vec<Resource>>;
}

/// A sink that drops every event (scripts, `--json`, tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl SyncSink for NoProgress {
    fn event(&self, _: SyncEvent) {}
}
