use async_trait::async_trait;
use cloudops_domain::{AccountId, Facet, Region, Resource, ResourceKind};

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

/// What one scan found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scanned {
    pub resources: Vec<Resource>,
    /// The per-resource reads that failed: each such resource is still in `resources`, with the
    /// facet in its `unknown` set.
    pub warnings: Vec<ScanWarning>,
    /// Attempts the SDK retried (throttling, 5xx, resets, timeouts), and how many of the failed
    /// attempts were throttling.
    pub retries: u64,
    pub throttles: u64,
}

/// A part of one resource that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanWarning {
    /// The resource's name or id.
    pub resource: String,
    pub facet: Facet,
    /// One line: the operation, AWS's error code and message, and what to do.
    pub error: String,
}

impl std::fmt::Display for ScanWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} unknown: {}", self.resource, self.facet.label(), self.error)
    }
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
/// - a failing list call fails this target only (an error); the caller decides what else runs
///   and keeps the target's previous resources;
/// - a failing per-resource call (tags, attributes, targets) never drops the resource: it is
///   returned with that facet unknown and a warning;
/// - throttling is retried with backoff inside the adapter.
#[async_trait]
pub trait EstateSource: Send + Sync {
    async fn scan(&self, target: &ScanTarget, sink: &dyn SyncSink) -> PortResult<Scanned>;
}

/// A sink that drops every event (scripts, `--json`, tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl SyncSink for NoProgress {
    fn event(&self, _: SyncEvent) {}
}
