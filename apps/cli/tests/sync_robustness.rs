//! `cloudops sync` on the real binary, real store and MiniLM, when the world misbehaves: odd
//! but legal resources and a role whose policies cannot be read, faults injected by a proxy
//! between cloudops and the emulator (throttling, 500s, resets, slow and truncated answers), the
//! emulator going away mid-sync, a recorded estate replayed without it, and kill -9 of the sync
//! at any moment.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use cloudops_domain::AccountId;
use cloudops_e2e::proxy::{Fault, FaultPlan, FaultProxy, ProxyOptions, Upstream};
use cloudops_e2e::{AwsConfigPaths, Emulator, write_aws_config_at};
use common::{SeededHome, json, text};
use serde_json::Value;

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

fn sync_command(home: &Path, aws: &AwsConfigPaths, extra: &[&str]) -> Command {
    let mut cmd = common::cloudops_with_models(home, aws);
    cmd.args(["sync", "--json", "--profile", "staging", "--profile", "prod"]);
    for r in REGIONS {
        cmd.args(["--region", r]);
    }
    cmd.args(extra);
    cmd
}

/// `cloudops sync --json`'s report, whether it exited 0 or 1 (1: some scope failed).
fn sync_report(out: &Output) -> Value {
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}{}", text(&out.stdout), text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)))
}

fn sync(home: &Path, aws: &AwsConfigPaths) -> Value {
    sync_report(&sync_command(home, aws, &[]).output().unwrap())
}

/// An AWS config under `home` reaching the seeded accounts through `url`.
fn config_via(url: &str, home: &Path, name: &str, staging: &AccountId, prod: &AccountId) -> AwsConfigPaths {
    let dir = home.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    write_aws_config_at(url, &dir, "ops", &[("staging", staging), ("prod", prod)])
}

fn n(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("no {key} in {v}"))
}

fn statuses(report: &Value) -> &Vec<Value> {
    report["statuses"].as_array().unwrap()
}

/// Every error a user sees is one line with the operation and AWS's code, not an SDK dump.
fn assert_one_line(error: &str) {
    assert!(!error.contains('\n') && error.len() < 600, "not one line: {error}");
    assert!(!error.contains("HttpResponse") && !error.contains("SdkBody"), "SDK debug dump: {error}");
}

/// A clean re-sync, straight to the emulator, of a store that must already hold exactly the
/// estate: nothing to write, nothing to delete.
fn assert_store_holds_the_estate(home: &Path, direct: &AwsConfigPaths, resources: u64) {
    let again = sync(home, direct);
    assert_eq!(n(&again, "failed"), 0, "{again}");
    assert_eq!((n(&again, "upserted"), n(&again, "deleted")), (0, 0), "the store differs from the estate: {again}");
    assert_eq!(n(&again, "unchanged"), resources, "{again}");
}

#[test]
fn odd_resources_and_unreadable_policies_sync_with_everything_searchable() {
    let SeededHome { home, manifest, prod, .. } = common::seeded_home();
    let emulator = Emulator::shared();
    let dir = home.path().join("aws-auditor");
    std::fs::create_dir_all(&dir).unwrap();
    // Role `auditor` can be assumed but its policies cannot be read (see the seeder).
    let aws = emulator.write_aws_config_as(&dir, "auditor", &[("auditor", &prod)]);
    let out = common::cloudops_with_models(home.path(), &aws)
        .args(["sync", "--json", "--profile", "auditor", "--region", "us-east-1"])
        .output()
        .unwrap();
    let report = json(&out);
    assert_eq!(n(&report, "failed"), 0, "unreadable policies fail no scope: {report}");
    let seeded: Vec<&Value> = manifest["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["account_id"] == prod.as_str() && r["region"] == "us-east-1")
        .collect();
    assert!(n(&report, "resources") as usize >= seeded.len(), "{report}");
    assert!(n(&report, "warnings") >= seeded.len() as u64, "every resource has its permissions unknown: {report}");
    let details: Vec<&str> = statuses(&report)
        .iter()
        .flat_map(|s| s["warning_details"].as_array().unwrap())
        .filter_map(Value::as_str)
        .collect();
    assert!(details.iter().any(|d| d.contains("iam:ListRolePolicies") && d.contains("NoSuchEntity")), "{details:?}");
    details.iter().for_each(|d| assert_one_line(d));

    let status = common::cloudops_with_models(home.path(), &aws).args(["status"]).output().unwrap();
    let table = text(&status.stdout);
    assert!(status.status.success() && table.contains("WARNINGS") && table.contains("permissions unknown"), "{table}");

    // Every odd resource is found by its name, or by its id when it has none.
    let odd: Vec<&&Value> = seeded.iter().filter(|r| r.get("odd").is_some()).collect();
    assert!(odd.len() >= 4, "{odd:?}");
    for r in odd {
        let word = r["name"].as_str().unwrap_or_else(|| r["identifier"].as_str().unwrap());
        let found =
            json(&common::cloudops_with_models(home.path(), &aws).args(["search", "--json", word]).output().unwrap());
        let first = &found["candidates"][0];
        assert_eq!(first["identifier"], r["identifier"], "{} ({}): {found}", word, r["odd"]);
    }
}

#[test]
fn ten_percent_faults_lose_and_delete_nothing() {
    let SeededHome { home, aws, staging, prod, .. } = common::seeded_home();
    let emulator = Emulator::shared();
    let clean = sync(home.path(), &aws);
    assert_eq!(n(&clean, "failed"), 0, "{clean}");
    let resources = n(&clean, "resources");

    let proxy = FaultProxy::start(ProxyOptions::forward(emulator.url(), FaultPlan::transient(0.10, 22))).unwrap();
    // Into an empty store: everything arrives, exactly as a clean sync has it.
    let other = tempfile::tempdir().unwrap();
    let via = config_via(proxy.url(), other.path(), "aws-proxy", &staging, &prod);
    let faulty = sync(other.path(), &via);
    let report = proxy.report();
    assert!(report.faults_injected() >= 10, "faults were injected: {report:?}");
    assert!(Fault::ALL.iter().all(|f| report.faults.contains_key(f)), "every kind of fault: {report:?}");
    assert_eq!(n(&faulty, "failed"), 0, "retries absorb 10 % faults: {faulty}");
    assert_eq!(n(&faulty, "resources"), resources, "{faulty}");
    let retries: u64 = statuses(&faulty).iter().map(|s| n(s, "retries")).sum();
    assert!(retries > 0, "the status counts retries: {faulty}");
    let direct = config_via(emulator.url(), other.path(), "aws-direct", &staging, &prod);
    assert_store_holds_the_estate(other.path(), &direct, resources);

    // Over a store that has it all: nothing is deleted.
    let via = config_via(proxy.url(), home.path(), "aws-proxy", &staging, &prod);
    let again = sync(home.path(), &via);
    assert_eq!((n(&again, "failed"), n(&again, "deleted")), (0, 0), "{again}");
    assert_store_holds_the_estate(home.path(), &aws, resources);
}

/// The seed-size estate (3 accounts × 3 regions, ~5,800 resources) at 10 % transient faults of
/// every kind: the sync into an empty store ends with exactly the store a clean sync leaves.
#[test]
fn ten_percent_faults_on_the_seed_estate_lose_nothing() {
    let emulator = Emulator::shared();
    let estate = emulator.seed_fresh("seed");
    let (named, regions) = (estate.profiles(), estate.regions());
    let run = |home: &Path, url: &str, name: &str| -> Value {
        let dir = home.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let aws = write_aws_config_at(url, &dir, "ops", &named);
        let mut cmd = common::cloudops_with_models(home, &aws);
        cmd.args(["sync", "--json"]);
        for (profile, _) in &named {
            cmd.args(["--profile", profile]);
        }
        for r in &regions {
            cmd.args(["--region", r.as_str()]);
        }
        sync_report(&cmd.output().unwrap())
    };

    let proxy = FaultProxy::start(ProxyOptions::forward(emulator.url(), FaultPlan::transient(0.10, 33))).unwrap();
    let home = tempfile::tempdir().unwrap();
    let faulty = run(home.path(), proxy.url(), "aws-proxy");
    let report = proxy.report();
    assert!(Fault::ALL.iter().all(|f| report.faults.get(f).is_some_and(|n| *n >= 10)), "{report:?}");
    assert_eq!(n(&faulty, "failed"), 0, "retries absorb transient faults: {report:?}");
    let seeded = estate.seeded() as u64;
    assert!(n(&faulty, "resources") >= seeded, "{} < {seeded} seeded", n(&faulty, "resources"));
    // Then straight to the emulator: the store already holds exactly the estate.
    let clean = run(home.path(), emulator.url(), "aws-direct");
    assert_eq!(n(&clean, "failed"), 0, "{clean}");
    assert_eq!(
        (n(&clean, "upserted"), n(&clean, "deleted"), n(&clean, "unchanged")),
        (0, 0, n(&faulty, "resources")),
        "the faulty sync's store differs from the estate"
    );
}

#[test]
fn a_service_that_always_fails_fails_only_its_own_scopes() {
    let SeededHome { home, aws, staging, prod, .. } = common::seeded_home();
    let emulator = Emulator::shared();
    let clean = sync(home.path(), &aws);
    let resources = n(&clean, "resources");
    let plan =
        FaultPlan { rate: 1.0, kinds: vec![Fault::ServerError], services: vec!["lambda".into()], ..FaultPlan::none() };
    let proxy = FaultProxy::start(ProxyOptions::forward(emulator.url(), plan)).unwrap();
    let via = config_via(proxy.url(), home.path(), "aws-proxy", &staging, &prod);
    let out = sync_command(home.path(), &via, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "a failed scope exits 1");
    let report = sync_report(&out);
    let failed: Vec<&Value> = statuses(&report).iter().filter(|s| !s["last_error"].is_null()).collect();
    assert_eq!(failed.len(), 2 * REGIONS.len(), "one lambda scope per profile and region: {report}");
    for s in &failed {
        assert_eq!(s["service"], "lambda", "{s}");
        let error = s["last_error"].as_str().unwrap();
        assert_one_line(error);
        assert!(error.contains("lambda:ListFunctions") && error.contains("ServiceException"), "{error}");
    }
    assert_eq!(n(&report, "deleted"), 0, "{report}");
    // The lambda functions of the clean sync are still there: a clean re-sync rewrites nothing.
    assert_store_holds_the_estate(home.path(), &aws, resources);
}

#[test]
fn the_emulator_going_away_mid_sync_fails_scopes_deletes_nothing_and_the_next_run_is_clean() {
    let SeededHome { home, aws, staging, prod, .. } = common::seeded_home();
    let emulator = Emulator::shared();
    let resources = n(&sync(home.path(), &aws), "resources");
    let proxy = FaultProxy::start(ProxyOptions::forward(emulator.url(), FaultPlan::none())).unwrap();
    let via = config_via(proxy.url(), home.path(), "aws-proxy", &staging, &prod);
    let child = sync_command(home.path(), &via, &["--full"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once the sync is under way, every connection is refused an answer.
    let deadline = Instant::now() + Duration::from_secs(60);
    while proxy.report().requests < 30 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    proxy.set_faults(FaultPlan { rate: 1.0, kinds: vec![Fault::Reset], ..FaultPlan::none() });
    let report = sync_report(&child.wait_with_output().unwrap());
    assert!(n(&report, "failed") > 0, "{report}");
    assert_eq!(n(&report, "deleted"), 0, "{report}");
    for s in statuses(&report).iter().filter_map(|s| s["last_error"].as_str()) {
        assert_one_line(s);
    }
    proxy.set_faults(FaultPlan::none());
    let next = sync(home.path(), &via);
    assert_eq!((n(&next, "failed"), n(&next, "deleted")), (0, 0), "{next}");
    assert_store_holds_the_estate(home.path(), &aws, resources);
}

#[test]
fn a_recorded_estate_replays_without_the_emulator() {
    let SeededHome { home, staging, prod, .. } = common::seeded_home();
    let emulator = Emulator::shared();
    let tape: PathBuf = home.path().join("estate.tape");
    let recorded = {
        let options =
            ProxyOptions { record: Some(tape.clone()), ..ProxyOptions::forward(emulator.url(), FaultPlan::none()) };
        let proxy = FaultProxy::start(options).unwrap();
        let via = config_via(proxy.url(), home.path(), "aws-record", &staging, &prod);
        sync(home.path(), &via)
    };
    assert_eq!(n(&recorded, "failed"), 0, "{recorded}");
    let proxy =
        FaultProxy::start(ProxyOptions { upstream: Upstream::Replay(tape), faults: FaultPlan::none(), record: None })
            .unwrap();
    assert!(proxy.recorded_answers() > 20);
    let other = tempfile::tempdir().unwrap();
    let via = config_via(proxy.url(), other.path(), "aws-replay", &staging, &prod);
    let replayed = sync(other.path(), &via);
    assert_eq!(proxy.report().replay_misses, 0, "{:?}", proxy.report());
    assert_eq!((n(&replayed, "failed"), n(&replayed, "resources")), (0, n(&recorded, "resources")), "{replayed}");
    let direct = config_via(emulator.url(), other.path(), "aws-direct", &staging, &prod);
    assert_store_holds_the_estate(other.path(), &direct, n(&recorded, "resources"));
}

#[test]
fn kill_9_at_any_moment_leaves_a_store_that_reopens_with_every_acknowledged_write() {
    let SeededHome { home, aws, .. } = common::seeded_home();
    // Killed during the very first sync (store being created), then during full rewrites.
    let kill_after = |delay: Duration, extra: &[&str]| {
        let mut child = sync_command(home.path(), &aws, extra)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
    };
    kill_after(Duration::from_millis(1500), &[]);
    let first = sync(home.path(), &aws);
    assert_eq!(n(&first, "failed"), 0, "the store reopens after a kill: {first}");
    let resources = n(&first, "resources");
    for ms in [200, 700, 1200, 2000, 3000] {
        kill_after(Duration::from_millis(ms), &["--full"]);
        let status = common::cloudops_with_models(home.path(), &aws).args(["status", "--json"]).output().unwrap();
        assert!(status.status.success(), "status after kill -9 at {ms} ms: {}", text(&status.stderr));
        assert_store_holds_the_estate(home.path(), &aws, resources);
    }
}
