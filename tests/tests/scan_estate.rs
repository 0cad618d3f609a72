//! The AWS scanners and the local permission oracle against a seeded estate in moto, over
//! real HTTP: every seeded resource comes back with its account, region, name, state, tags,
//! constraints, dependencies and the IAM verdicts its role's policies give.

use std::collections::BTreeMap;

use cloudops_aws::{AwsAccounts, AwsConfigFiles, AwsEstateSource, LocalPolicyOracle};
use cloudops_domain::{IamAction, PermissionVerdict, Relation, Resource, ResourceKind};
use cloudops_e2e::Emulator;
use cloudops_ports::{AccountDirectory, EstateSource, PermissionOracle, Profile, ScanTarget, SyncEvent, SyncSink};
use serde_json::Value;

struct Collect(std::sync::Mutex<Vec<SyncEvent>>);

impl SyncSink for Collect {
    fn event(&self, event: SyncEvent) {
        self.0.lock().unwrap().push(event);
    }
}

/// The kinds the seeder creates on purpose; others (default VPCs, root volumes) are moto's own.
const SEEDED_ONLY: [ResourceKind; 5] = [
    ResourceKind::Ec2Instance,
    ResourceKind::RdsInstance,
    ResourceKind::S3Bucket,
    ResourceKind::LambdaFunction,
    ResourceKind::LoadBalancer,
];

#[tokio::test]
async fn a_scan_returns_every_seeded_resource_with_its_facts_and_permissions() {
    let emulator = Emulator::shared();
    let (staging, prod) = (emulator.fresh_account(), emulator.fresh_account());
    let manifest = emulator.seed("small", &[&staging, &prod]);
    let dir = tempfile::tempdir().unwrap();
    let paths = emulator.write_aws_config_as(dir.path(), "ops", &[("staging", &staging), ("prod", &prod)]);
    let files = AwsConfigFiles {
        config: Some(paths.config.clone()),
        credentials: Some(paths.credentials.clone()),
        discovered: None,
    };

    let accounts = AwsAccounts::new(files.clone());
    let source = AwsEstateSource::new(files.clone());
    let oracle = LocalPolicyOracle::new(files);
    let sink = Collect(Default::default());
    let mut scanned: Vec<Resource> = Vec::new();
    for profile in ["staging", "prod"] {
        let identity = accounts.identify(&Profile(profile.into())).await.unwrap();
        for region in manifest["regions"].as_array().unwrap() {
            let target = ScanTarget {
                profile: Profile(profile.into()),
                account_id: identity.account_id.clone(),
                account_alias: identity.account_alias.clone(),
                region: region.as_str().unwrap().parse().unwrap(),
                kinds: ResourceKind::ALL.to_vec(),
            };
            let scan = source.scan(&target, &sink).await.unwrap();
            assert!(scan.warnings.is_empty(), "every per-resource read succeeds here: {:?}", scan.warnings);
            let mut found = scan.resources;
            let perms = oracle.evaluate(&identity, &found).await.unwrap();
            for (r, p) in found.iter_mut().zip(perms) {
                r.iam = Some(p);
            }
            scanned.extend(found);
        }
    }
    assert!(!sink.0.lock().unwrap().is_empty(), "progress events were streamed");

    let key = |account: &str, region: &str, kind: &str, id: &str| format!("{account}/{region}/{kind}/{id}");
    let by_key: BTreeMap<String, &Resource> = scanned
        .iter()
        .map(|r| (key(r.account_id.as_str(), r.region.as_str(), r.kind.as_str(), r.identifier.as_str()), r))
        .collect();
    let expected = manifest["resources"].as_array().unwrap();
    let mut problems = Vec::new();
    let mut found_ids: Vec<String> = Vec::new();
    for m in expected {
        let s = |k: &str| m[k].as_str().unwrap_or_default().to_owned();
        let k = key(&s("account_id"), &s("region"), &s("kind"), &s("identifier"));
        let Some(r) = by_key.get(&k) else {
            problems.push(format!("missing {k}"));
            continue;
        };
        found_ids.push(k.clone());
        if r.name.as_deref() != m["name"].as_str() {
            problems.push(format!("{k}: name {:?}, want {}", r.name, m["name"]));
        }
        if !r.unknown.is_empty() {
            problems.push(format!("{k}: every part is readable here, yet {:?} are unknown", r.unknown));
        }
        if r.state.as_str() != s("state") {
            problems.push(format!("{k}: state {}, want {}", r.state, s("state")));
        }
        if r.account_alias.as_deref() != Some(s("account_alias").as_str()) {
            problems.push(format!("{k}: alias {:?}, want {}", r.account_alias, s("account_alias")));
        }
        let want_tags: BTreeMap<&str, &str> =
            m["tags"].as_object().unwrap().iter().map(|(k, v)| (k.as_str(), v.as_str().unwrap())).collect();
        let got_tags: BTreeMap<&str, &str> = r.tags.iter().collect();
        if got_tags != want_tags {
            problems.push(format!("{k}: tags {got_tags:?}, want {want_tags:?}"));
        }
        let iam = r.iam.as_ref().unwrap();
        for (action, verdict) in m["expect"].as_object().unwrap() {
            let got = iam.verdict(&action.parse::<IamAction>().unwrap());
            let want = match verdict.as_str().unwrap() {
                "allowed" => PermissionVerdict::Allowed,
                "explicit_deny" => PermissionVerdict::ExplicitDeny,
                _ => PermissionVerdict::ImplicitDeny,
            };
            if got != want {
                problems.push(format!("{k}: {action} is {got:?}, want {want:?}"));
            }
        }
        if let Some(source) = m.get("replica_source").and_then(Value::as_str) {
            if !(r.constraints.is_read_replica
                && !r.constraints.can_stop
                && r.config.replica_source.as_deref() == Some(source))
            {
                problems.push(format!("{k}: replica constraints wrong: {:?}", r.constraints));
            }
            let src = by_key[&key(&s("account_id"), &s("region"), "rds_instance", source)];
            if !src.constraints.has_read_replicas || src.constraints.can_stop {
                problems.push(format!("{source}: source of a replica must not be stoppable: {:?}", src.constraints));
            }
        }
    }
    // Nothing beyond what was seeded, for the kinds the seeder owns.
    for r in scanned.iter().filter(|r| SEEDED_ONLY.contains(&r.kind)) {
        let k = key(r.account_id.as_str(), r.region.as_str(), r.kind.as_str(), r.identifier.as_str());
        if !found_ids.contains(&k) {
            problems.push(format!("unexpected {k}"));
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));

    // Constraints and dependencies as the domain rules derive them.
    let instance = scanned.iter().find(|r| r.kind == ResourceKind::Ec2Instance && r.state.is("stopped")).unwrap();
    assert!(instance.constraints.can_start && !instance.constraints.can_stop);
    assert!(
        instance
            .dependencies
            .iter()
            .any(|d| d.relation == Relation::InNetwork && d.arn.resource().starts_with("subnet/"))
    );
    assert!(instance.dependencies.iter().any(|d| d.relation == Relation::UsesSecurityGroup));
    let main =
        scanned.iter().find(|r| r.identifier.as_str() == "pg-instance-main1" && r.account_id == staging).unwrap();
    assert!(main.constraints.can_stop && main.constraints.backups_enabled, "{:?}", main.constraints);
    assert_eq!(main.config.engine.as_deref(), Some("postgres"));
    let subnet_in_use = scanned.iter().filter(|r| r.kind == ResourceKind::Subnet).any(|s| s.constraints.has_dependents);
    assert!(subnet_in_use, "subnets with instances have dependents");
    for m in expected.iter().filter(|m| m["kind"] == "load_balancer") {
        let lb = scanned.iter().find(|r| r.arn.as_str() == m["arn"].as_str().unwrap()).unwrap();
        let mut targets: Vec<&str> = lb
            .dependencies
            .iter()
            .filter(|d| d.relation == Relation::Target)
            .map(|d| d.arn.resource().trim_start_matches("instance/"))
            .collect();
        targets.sort_unstable();
        let mut want: Vec<&str> = m["targets"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
        want.sort_unstable();
        assert_eq!(want.is_empty(), m.get("odd").is_some(), "the seeder registers targets except on the odd ones");
        assert_eq!(targets, want, "targets of {}", lb.identifier);
    }
    let odd = expected.iter().filter(|m| m.get("odd").is_some()).count();
    assert!(odd >= 8, "the estate has odd-but-legal resources in every account: {odd}");
    assert!(scanned.iter().all(|r| !r.tags.iter().any(|(k, _)| k == "Name")), "Name is the name, not a tag");
}

#[tokio::test]
async fn an_unreachable_region_endpoint_fails_that_scan_only() {
    let emulator = Emulator::shared();
    let account = emulator.fresh_account();
    let dir = tempfile::tempdir().unwrap();
    let paths = emulator.write_aws_config(dir.path(), &[("ok", &account)]);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let text = std::fs::read_to_string(&paths.config).unwrap();
    let broken =
        text.replace("[profile ok]", "[profile broken]").replace(emulator.url(), &format!("http://127.0.0.1:{closed}"));
    let source_profile_only = broken.split("[profile broken]").nth(1).unwrap();
    std::fs::write(&paths.config, format!("{text}\n[profile broken]{source_profile_only}")).unwrap();
    let files = AwsConfigFiles {
        config: Some(paths.config.clone()),
        credentials: Some(paths.credentials.clone()),
        discovered: None,
    };
    let source = AwsEstateSource::new(files);
    let sink = Collect(Default::default());
    let target = |profile: &str| ScanTarget {
        profile: Profile(profile.into()),
        account_id: account.clone(),
        account_alias: None,
        region: "us-east-1".parse().unwrap(),
        kinds: vec![ResourceKind::Ec2Instance],
    };
    let err = source.scan(&target("broken"), &sink).await.unwrap_err();
    assert!(err.to_string().contains("'broken'"), "{err}");
    assert!(source.scan(&target("ok"), &sink).await.is_ok());
}
