//! `sync`: read the estate of every account × region × service in parallel, evaluate the
//! principal's permissions, and bring the local store in line — upserting what changed,
//! embedding only what changed, deleting what vanished — while a failing account, region or
//! service leaves everything else complete and is recorded in the sync status.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use chrono::{DateTime, Utc};
use cloudops_domain::document::{content_hash, document};
use cloudops_domain::{AccountId, Facet, IamPermissions, PointId, Region, Resource, ResourceKind};
use cloudops_ports::{
    AccountDirectory, CallerIdentity, Clock, Embedder, EstateFilter, EstateSource, EstateStore, PermissionOracle,
    PortError, Profile, ScanTarget, ScanWarning, StoredResource, SyncEvent, SyncSink,
};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

/// Parallel scans at once, across all accounts, regions and services.
pub const DEFAULT_CONCURRENCY: usize = 10;
/// Resources per store upsert.
pub const UPSERT_BATCH: usize = 100;

/// What to sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRequest {
    pub profiles: Vec<Profile>,
    /// Empty: each profile's own region.
    pub regions: Vec<Region>,
    pub kinds: Vec<ResourceKind>,
    pub concurrency: usize,
    /// Rewrite and re-embed every resource even when unchanged.
    pub full: bool,
    /// Also sync the accounts of this AWS Organization (listed before the sync starts).
    pub organization: Option<OrganizationSource>,
}

/// An AWS Organization to sync: every account the `profile` (management account or delegated
/// administrator) lists, reached by assuming `role` in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationSource {
    pub profile: Profile,
    pub role: String,
}

/// The outcome of one (account, region, service), as `cloudops status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub profile: String,
    /// Unknown when the profile's identity could not be established.
    pub account_id: Option<AccountId>,
    pub account_alias: Option<String>,
    /// `*` when the whole account failed before any region was scanned.
    pub region: String,
    /// `*` when the whole account failed.
    pub service: String,
    pub last_attempt: DateTime<Utc>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub resources: usize,
    pub duration_ms: u64,
    /// Resources stored with a part unknown (tags, attributes, targets, permissions) because a
    /// per-resource read failed.
    #[serde(default)]
    pub warnings: usize,
    /// The first distinct of those failures, one line each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warning_details: Vec<String>,
    /// Attempts the SDK retried, and how many failed attempts were throttling.
    #[serde(default)]
    pub retries: u64,
    #[serde(default)]
    pub throttles: u64,
}

/// Distinct warning lines kept per scope status (the count has them all).
pub const WARNING_DETAILS: usize = 5;

/// Totals of one sync.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    pub resources: usize,
    pub upserted: usize,
    pub embedded: usize,
    pub unchanged: usize,
    pub deleted: u64,
    pub failed: usize,
    /// Per-resource reads that failed, over all scopes (see [`SyncStatus::warnings`]).
    #[serde(default)]
    pub warnings: usize,
    pub statuses: Vec<SyncStatus>,
}

impl SyncReport {
    /// Records that `profile` could not be used at all (`service`: what failed).
    fn record_unreachable(
        &mut self,
        ports: SyncPorts<'_>,
        profile: &Profile,
        service: &str,
        at: DateTime<Utc>,
        error: &PortError,
    ) {
        ports.sink.event(SyncEvent::Failed { target: profile.0.clone(), error: error.to_string() });
        self.failed += 1;
        self.statuses.push(SyncStatus {
            profile: profile.0.clone(),
            account_id: None,
            account_alias: None,
            region: "*".into(),
            service: service.into(),
            last_attempt: at,
            last_success: None,
            last_error: Some(error.to_string()),
            resources: 0,
            duration_ms: 0,
            warnings: 0,
            warning_details: Vec::new(),
            retries: 0,
            throttles: 0,
        });
    }
}

/// The ports a sync needs.
#[derive(Clone, Copy)]
pub struct SyncPorts<'a> {
    pub accounts: &'a dyn AccountDirectory,
    pub source: &'a dyn EstateSource,
    pub oracle: &'a dyn PermissionOracle,
    pub store: &'a dyn EstateStore,
    pub embedder: &'a dyn Embedder,
    pub clock: &'a dyn Clock,
    pub sink: &'a dyn SyncSink,
}

impl std::fmt::Debug for SyncPorts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SyncPorts")
    }
}

/// Runs a sync. Never fails as a whole for one broken account, region or service: those are
/// in the report's statuses. Fails only when the store itself fails.
pub async fn sync(ports: SyncPorts<'_>, request: &SyncRequest) -> Result<SyncReport, PortError> {
    let started = ports.clock.now();
    let mut report = SyncReport::default();
    let mut profiles = request.profiles.clone();
    if let Some(org) = &request.organization {
        match ports.accounts.organization(&org.profile, &org.role).await {
            Ok(members) => {
                for profile in std::iter::once(org.profile.clone()).chain(members) {
                    if !profiles.contains(&profile) {
                        profiles.push(profile);
                    }
                }
            }
            Err(e) => report.record_unreachable(ports, &org.profile, "organizations", started, &e),
        }
    }
    let identities = futures::future::join_all(profiles.iter().map(|p| ports.accounts.identify(p))).await;
    // Typed: an inferred `&str` here makes the sync future not `Send` (a higher-ranked lifetime).
    let mut targets: Vec<(CallerIdentity, Region, &'static str, Vec<ResourceKind>)> = Vec::new();
    let mut accounts = BTreeSet::new();
    for (profile, identity) in profiles.iter().zip(identities) {
        match identity {
            // Two profiles of one account (yours and the organization's): the first one syncs it.
            Ok(id) if !accounts.insert(id.account_id.clone()) => {}
            Ok(id) => {
                let regions = if request.regions.is_empty() {
                    id.default_region.clone().into_iter().collect()
                } else {
                    request.regions.clone()
                };
                for region in regions {
                    for (service, kinds) in ResourceKind::by_service(&request.kinds) {
                        targets.push((id.clone(), region.clone(), service, kinds));
                    }
                }
            }
            Err(e) => report.record_unreachable(ports, profile, "*", started, &e),
        }
    }

    let concurrency = request.concurrency.max(1);
    // The scans as futures first (they start when polled): a closure inside the stream would
    // make the sync future not `Send`, and front ends spawn it.
    let scans: Vec<_> =
        targets.into_iter().map(|(id, region, service, kinds)| scan_one(ports, id, region, service, kinds)).collect();
    let mut outcomes = futures::stream::iter(scans).buffer_unordered(concurrency);
    while let Some((status, found)) = outcomes.next().await {
        match found {
            Some((scope, resources)) => {
                report.resources += resources.len();
                store_scope(ports, request.full, &scope, resources, &mut report).await?;
            }
            None => report.failed += 1,
        }
        report.warnings += status.warnings;
        report.statuses.push(status);
    }
    report.statuses.sort_by(|a, b| (&a.profile, &a.region, &a.service).cmp(&(&b.profile, &b.region, &b.service)));
    if report.upserted > 0 || report.deleted > 0 {
        ports.store.maintain().await?;
    }
    Ok(report)
}

/// Scans one target and evaluates permissions. `None` resources on failure.
async fn scan_one(
    ports: SyncPorts<'_>,
    id: CallerIdentity,
    region: Region,
    service: &'static str,
    kinds: Vec<ResourceKind>,
) -> (SyncStatus, Option<(EstateFilter, Vec<Resource>)>) {
    let label = format!("{}/{region}/{service}", id.account_id);
    ports.sink.event(SyncEvent::Started { target: label.clone() });
    let attempt = ports.clock.now();
    let timer = Instant::now();
    let target = ScanTarget {
        profile: id.profile.clone(),
        account_id: id.account_id.clone(),
        account_alias: id.account_alias.clone(),
        region: region.clone(),
        kinds: kinds.clone(),
    };
    let result = match ports.source.scan(&target, ports.sink).await {
        Ok(mut scanned) => {
            let perms = match ports.oracle.evaluate(&id, &scanned.resources).await {
                Ok(perms) if perms.len() == scanned.resources.len() => Ok(perms),
                Ok(perms) => Err(PortError::Other(format!(
                    "the permission check answered for {} of {} resources",
                    perms.len(),
                    scanned.resources.len()
                ))),
                Err(e) => Err(e),
            };
            match perms {
                Ok(perms) => {
                    for (r, p) in scanned.resources.iter_mut().zip(perms) {
                        r.iam = Some(p);
                    }
                }
                // Policies that cannot be read leave permissions unknown (shown, and treated
                // by risk and the guard as unknown), never the scope failed nor "allowed".
                Err(e) => {
                    for r in &mut scanned.resources {
                        r.iam = Some(IamPermissions::unknown_for(r.kind, None));
                        r.unknown.insert(Facet::Permissions);
                    }
                    if !scanned.resources.is_empty() {
                        scanned.warnings.push(ScanWarning {
                            resource: format!("{} resources", scanned.resources.len()),
                            facet: Facet::Permissions,
                            error: e.to_string(),
                        });
                    }
                }
            }
            for r in &mut scanned.resources {
                r.last_synced = attempt;
                r.account_alias = id.account_alias.clone().or_else(|| Some(id.profile.0.clone()));
            }
            Ok(scanned)
        }
        Err(e) => Err(e),
    };
    let mut status = SyncStatus {
        profile: id.profile.0.clone(),
        account_id: Some(id.account_id.clone()),
        account_alias: id.account_alias.clone(),
        region: region.to_string(),
        service: service.to_owned(),
        last_attempt: attempt,
        last_success: None,
        last_error: None,
        resources: 0,
        duration_ms: u64::try_from(timer.elapsed().as_millis()).unwrap_or(u64::MAX),
        warnings: 0,
        warning_details: Vec::new(),
        retries: 0,
        throttles: 0,
    };
    match result {
        Ok(scanned) => {
            let resources = scanned.resources;
            ports.sink.event(SyncEvent::Finished { target: label, resources: resources.len() });
            status.last_success = Some(attempt);
            status.resources = resources.len();
            status.warnings = resources.iter().map(|r| r.unknown.len()).sum();
            for w in &scanned.warnings {
                let line = w.to_string();
                if status.warning_details.len() < WARNING_DETAILS && !status.warning_details.contains(&line) {
                    status.warning_details.push(line);
                }
            }
            status.retries = scanned.retries;
            status.throttles = scanned.throttles;
            let scope =
                EstateFilter { accounts: vec![id.account_id], regions: vec![region], kinds, ..Default::default() };
            (status, Some((scope, resources)))
        }
        Err(e) => {
            ports.sink.event(SyncEvent::Failed { target: label, error: e.to_string() });
            status.last_error = Some(e.to_string());
            (status, None)
        }
    }
}

/// Brings one scanned scope into the store: upsert changed, embed changed, delete vanished.
async fn store_scope(
    ports: SyncPorts<'_>,
    full: bool,
    scope: &EstateFilter,
    resources: Vec<Resource>,
    report: &mut SyncReport,
) -> Result<(), PortError> {
    let known: BTreeMap<PointId, String> = ports.store.content_hashes(scope).await?.into_iter().collect();
    let keep: Vec<PointId> = resources.iter().map(Resource::point_id).collect();
    let mut seen = BTreeSet::new();
    let mut changed = Vec::new();
    for r in resources {
        if !seen.insert(r.point_id()) {
            continue; // the same resource listed twice by a paginating API
        }
        let hash = content_hash(&r, ports.embedder.model_id());
        if !full && known.get(&r.point_id()) == Some(&hash) {
            report.unchanged += 1;
        } else {
            changed.push((r, hash));
        }
    }
    for batch in changed.chunks(UPSERT_BATCH) {
        let docs: Vec<String> = batch.iter().map(|(r, _)| document(r)).collect();
        let vectors = ports.embedder.embed(&docs).await?;
        report.embedded += docs.len();
        let records = batch
            .iter()
            .zip(vectors)
            .map(|((r, hash), vector)| StoredResource { resource: r.clone(), content_hash: hash.clone(), vector })
            .collect::<Vec<_>>();
        report.upserted += records.len();
        ports.store.upsert(records).await?;
    }
    report.deleted += ports.store.delete_missing(scope, &keep).await?;
    Ok(())
}
