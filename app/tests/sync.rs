//! The sync use case's semantics on in-memory ports: what is stored, re-embedded, deleted, and
//! how failures stay contained. (The same use case runs against moto in the e2e tests.)

use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use cloudops_app::sync::{SyncPorts, SyncRequest, sync};
use cloudops_domain::testing::resource_in;
use cloudops_domain::{Facet, IamAction, IamPermissions, PermissionVerdict, Resource, ResourceKind};
use cloudops_fakes::{HashEmbedder, MemoryEstateStore};
use cloudops_ports::{
    AccountDirectory, CallerIdentity, Clock, EstateFilter, EstateSource, EstateStore, PermissionOracle, PortError,
    PortResult, Profile, ScanTarget, Scanned, SyncEvent, SyncSink,
};

const STAGING: &str = "111122223333";
const PROD: &str = "444455556666";

/// Profiles `staging` and `prod` (alias `acme-prod`); `locked` cannot be assumed.
struct Directory;

#[async_trait]
impl AccountDirectory for Directory {
    async fn profiles(&self) -> PortResult<Vec<Profile>> {
        Ok(["staging", "prod", "locked"].map(|p| Profile(p.into())).to_vec())
    }
    async fn identify(&self, profile: &Profile) -> PortResult<CallerIdentity> {
        let (account, alias) = match profile.0.as_str() {
            "staging" => (STAGING, None),
            "prod" => (PROD, Some("acme-prod".to_owned())),
            _ => {
                return Err(PortError::Denied {
                    what: "sts:AssumeRole".into(),
                    detail: "not authorized".into(),
                    hint: String::new(),
                });
            }
        };
        Ok(CallerIdentity {
            profile: profile.clone(),
            account_id: account.parse().unwrap(),
            principal_arn: format!("arn:aws:sts::{account}:assumed-role/ops/s"),
            account_alias: alias,
            default_region: Some("us-east-1".parse().unwrap()),
        })
    }
}

/// An estate per (account, region); a region listed in `broken` fails to scan.
#[derive(Default)]
struct Estate {
    resources: Mutex<Vec<Resource>>,
    broken: Mutex<Vec<String>>,
}

#[async_trait]
impl EstateSource for Estate {
    async fn scan(&self, target: &ScanTarget, _: &dyn SyncSink) -> PortResult<Scanned> {
        if self.broken.lock().unwrap().contains(&target.region.to_string()) {
            return Err(PortError::Unavailable {
                what: "ec2".into(),
                detail: "connection refused".into(),
                hint: String::new(),
            });
        }
        let resources = self
            .resources
            .lock()
            .unwrap()
            .iter()
            .filter(|r| {
                r.account_id == target.account_id && r.region == target.region && target.kinds.contains(&r.kind)
            })
            .cloned()
            .collect();
        Ok(Scanned { resources, ..Default::default() })
    }
}

struct AllowAll;

#[async_trait]
impl PermissionOracle for AllowAll {
    async fn evaluate(&self, _: &CallerIdentity, resources: &[Resource]) -> PortResult<Vec<IamPermissions>> {
        Ok(resources.iter().map(|_| IamPermissions::default()).collect())
    }
}

/// The principal's policies cannot be read (iam:ListRolePolicies denied).
struct PoliciesUnreadable;

#[async_trait]
impl PermissionOracle for PoliciesUnreadable {
    async fn evaluate(&self, _: &CallerIdentity, _: &[Resource]) -> PortResult<Vec<IamPermissions>> {
        Err(PortError::Denied {
            what: "iam:ListRolePolicies".into(),
            detail: "AccessDenied: not allowed".into(),
            hint: "grant iam:ListRolePolicies".into(),
        })
    }
}

struct FixedClock(DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

#[derive(Default)]
struct Events(Mutex<Vec<SyncEvent>>);

impl SyncSink for Events {
    fn event(&self, event: SyncEvent) {
        self.0.lock().unwrap().push(event);
    }
}

fn seeded_estate() -> Vec<Resource> {
    let mut out = Vec::new();
    for account in [STAGING, PROD] {
        for region in ["us-east-1", "eu-west-1"] {
            for i in 0..3 {
                out.push(resource_in(ResourceKind::Ec2Instance, &format!("web-{i}"), "running", account, region));
            }
            out.push(resource_in(ResourceKind::RdsInstance, "pg-instance-main1", "available", account, region));
        }
    }
    out
}

struct World {
    estate: Estate,
    store: MemoryEstateStore,
    embedder: HashEmbedder,
    clock: FixedClock,
    events: Events,
}

impl World {
    fn new() -> Self {
        let estate = Estate::default();
        *estate.resources.lock().unwrap() = seeded_estate();
        Self {
            estate,
            store: MemoryEstateStore::default(),
            embedder: HashEmbedder::default(),
            clock: FixedClock(Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()),
            events: Events::default(),
        }
    }
    fn ports(&self) -> SyncPorts<'_> {
        SyncPorts {
            accounts: &Directory,
            source: &self.estate,
            oracle: &AllowAll,
            store: &self.store,
            embedder: &self.embedder,
            clock: &self.clock,
            sink: &self.events,
        }
    }
}

fn request(profiles: &[&str]) -> SyncRequest {
    SyncRequest {
        profiles: profiles.iter().map(|p| Profile((*p).into())).collect(),
        regions: vec!["us-east-1".parse().unwrap(), "eu-west-1".parse().unwrap()],
        kinds: vec![ResourceKind::Ec2Instance, ResourceKind::RdsInstance],
        concurrency: 3,
        full: false,
        organization: None,
    }
}

#[tokio::test]
async fn a_full_sync_stores_everything_with_status_per_account_region_service() {
    let w = World::new();
    let report = sync(w.ports(), &request(&["staging", "prod"])).await.unwrap();
    assert_eq!((report.resources, report.upserted, report.embedded, report.failed), (16, 16, 16, 0));
    assert_eq!(w.store.count(&EstateFilter::default()).await.unwrap(), 16);
    // 2 accounts × 2 regions × 2 services.
    assert_eq!(report.statuses.len(), 8);
    assert!(report.statuses.iter().all(|s| s.last_success.is_some() && s.last_error.is_none()));
    let prod_only = EstateFilter { accounts: vec![PROD.parse().unwrap()], ..Default::default() };
    let prod = w.store.scan(&prod_only).await.unwrap();
    assert_eq!(prod.len(), 8);
    assert!(prod.iter().all(|r| r.account_alias.as_deref() == Some("acme-prod") && r.iam.is_some()));
    let staging =
        w.store.scan(&EstateFilter { accounts: vec![STAGING.parse().unwrap()], ..Default::default() }).await.unwrap();
    assert!(staging.iter().all(|r| r.account_alias.as_deref() == Some("staging")), "alias falls back to the profile");
    assert!(w.events.0.lock().unwrap().iter().any(|e| matches!(e, SyncEvent::Finished { .. })));
}

#[tokio::test]
async fn an_unchanged_resync_embeds_nothing_and_full_rewrites() {
    let w = World::new();
    sync(w.ports(), &request(&["staging", "prod"])).await.unwrap();
    let before = w.embedder.embedded();
    let again = sync(w.ports(), &request(&["staging", "prod"])).await.unwrap();
    assert_eq!((again.embedded, again.upserted, again.unchanged, again.deleted), (0, 0, 16, 0));
    assert_eq!(w.embedder.embedded(), before);

    // One change: only that resource is re-embedded.
    w.estate.resources.lock().unwrap()[0].state = cloudops_domain::ResourceState::new("stopped");
    let one = sync(w.ports(), &request(&["staging", "prod"])).await.unwrap();
    assert_eq!((one.embedded, one.unchanged), (1, 15));

    let mut full = request(&["staging", "prod"]);
    full.full = true;
    assert_eq!(sync(w.ports(), &full).await.unwrap().embedded, 16);
}

#[tokio::test]
async fn vanished_resources_are_deleted_on_resync() {
    let w = World::new();
    sync(w.ports(), &request(&["staging", "prod"])).await.unwrap();
    let gone = w.estate.resources.lock().unwrap().remove(0);
    let report = sync(w.ports(), &request(&["staging", "prod"])).await.unwrap();
    assert_eq!(report.deleted, 1);
    assert!(w.store.get(gone.point_id()).await.unwrap().is_none());
    assert_eq!(w.store.count(&EstateFilter::default()).await.unwrap(), 15);
}

#[tokio::test]
async fn a_failing_region_leaves_the_rest_complete_and_keeps_its_old_data() {
    let w = World::new();
    sync(w.ports(), &request(&["staging", "prod"])).await.unwrap();
    w.estate.broken.lock().unwrap().push("eu-west-1".into());
    w.estate.resources.lock().unwrap().retain(|r| r.region.as_str() != "eu-west-1");
    let report = sync(w.ports(), &request(&["staging", "prod"])).await.unwrap();
    assert_eq!(report.failed, 4, "2 accounts × 2 services in eu-west-1");
    assert_eq!(report.deleted, 0, "a failed scan deletes nothing");
    let failed: Vec<_> = report.statuses.iter().filter(|s| s.last_error.is_some()).collect();
    assert!(
        failed
            .iter()
            .all(|s| s.region == "eu-west-1" && s.last_error.as_deref().unwrap().contains("connection refused"))
    );
    assert_eq!(report.statuses.iter().filter(|s| s.last_success.is_some()).count(), 4);
    assert_eq!(w.store.count(&EstateFilter::default()).await.unwrap(), 16, "eu-west-1 data is kept");
}

#[tokio::test]
async fn an_account_whose_role_cannot_be_assumed_is_recorded_and_skipped() {
    let w = World::new();
    let report = sync(w.ports(), &request(&["staging", "locked", "prod"])).await.unwrap();
    assert_eq!(report.failed, 1);
    let locked = report.statuses.iter().find(|s| s.profile == "locked").unwrap();
    assert_eq!((locked.region.as_str(), locked.service.as_str()), ("*", "*"));
    assert!(locked.last_error.as_deref().unwrap().contains("not authorized"));
    assert_eq!(w.store.count(&EstateFilter::default()).await.unwrap(), 16);
}

#[tokio::test]
async fn the_profiles_own_region_is_used_when_none_is_given() {
    let w = World::new();
    let mut req = request(&["prod"]);
    req.regions.clear();
    let report = sync(w.ports(), &req).await.unwrap();
    assert!(report.statuses.iter().all(|s| s.region == "us-east-1"));
    assert_eq!(report.resources, 4);
}

#[tokio::test]
async fn unreadable_policies_leave_permissions_unknown_not_the_scope_failed() {
    let w = World::new();
    let ports = SyncPorts { oracle: &PoliciesUnreadable, ..w.ports() };
    let report = sync(ports, &request(&["staging", "prod"])).await.unwrap();
    assert_eq!((report.failed, report.resources), (0, 16), "every scope syncs");
    assert_eq!(report.warnings, 16, "one unknown facet per resource");
    let status = &report.statuses[0];
    assert!(status.warnings > 0 && status.warning_details[0].contains("iam:ListRolePolicies"), "{status:?}");
    let stored = w.store.scan(&EstateFilter::default()).await.unwrap();
    assert_eq!(stored.len(), 16);
    let stop: IamAction = "ec2:StopInstances".parse().unwrap();
    for r in &stored {
        assert!(r.unknown.contains(&Facet::Permissions));
        let iam = r.iam.as_ref().unwrap();
        assert!(iam.allowed.is_empty() && iam.denied_implicit.is_empty(), "nothing guessed: {iam:?}");
        if r.kind == ResourceKind::Ec2Instance {
            assert_eq!(iam.verdict(&stop), PermissionVerdict::Unknown);
            assert!(iam.unknown.contains(&stop));
        }
    }
}
