//! `cloudops sync` / `status` on the real binary against moto, with the real embedded store
//! and MiniLM: a seeded estate synced into the store, its status per (account, region,
//! service), an unchanged re-sync that embeds nothing, the daily backup, and — the storage
//! rule — no resource name or identifier in plaintext anywhere under the data dir afterwards.

mod common;

use std::path::Path;
use std::process::Output;

use cloudops_e2e::AwsConfigPaths;
use cloudops_fakes::at_rest::files_under;
use common::json;

fn cloudops(args: &[&str], aws: &AwsConfigPaths, home: &Path) -> Output {
    common::cloudops_with_models(home, aws).args(args).output().expect("run cloudops")
}

#[test]
fn sync_then_status_then_nothing_in_plaintext_at_rest() {
    let common::SeededHome { home, aws, manifest, staging, prod } = common::seeded_home();
    let regions: Vec<String> =
        manifest["regions"].as_array().unwrap().iter().map(|r| format!("--region={}", r.as_str().unwrap())).collect();
    let mut args = vec!["sync", "--json", "--profile", "staging", "--profile", "prod"];
    args.extend(regions.iter().map(String::as_str));

    let first = json(&cloudops(&args, &aws, home.path()));
    let seeded = manifest["resources"].as_array().unwrap();
    assert_eq!(first["failed"], 0, "{first}");
    assert!(first["resources"].as_u64().unwrap() as usize >= seeded.len(), "{first}");
    assert_eq!(first["embedded"], first["upserted"]);
    assert!(first["backup"].as_str().is_some_and(|b| b.starts_with("store-")), "the first sync takes the daily backup");

    let status = json(&cloudops(&["status", "--json"], &aws, home.path()));
    let rows = status.as_array().unwrap();
    assert!(rows.len() >= 2 * regions.len() * 4, "one row per profile, region and service: {status}");
    assert!(rows.iter().all(|r| r["last_success"].is_string() && r["last_error"].is_null()), "{status}");
    assert!(rows.iter().any(|r| r["account_id"] == prod.as_str() && r["service"] == "rds"));

    let again = json(&cloudops(&args, &aws, home.path()));
    assert_eq!((again["embedded"].as_u64(), again["deleted"].as_u64()), (Some(0), Some(0)), "{again}");
    assert!(again["backup"].is_null(), "one daily backup a day");

    // `cloudops search` on what was synced: the seeded name collision is ambiguous and both
    // resources are listed (the --json shape is a public interface); an account word picks one.
    let found = json(&cloudops(&["search", "--json", "pg-instance-main1"], &aws, home.path()));
    let mut keys: Vec<&str> = found.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["ambiguous", "candidates", "filters", "query"], "{found}");
    assert_eq!(found["query"], "pg-instance-main1");
    assert_eq!(found["ambiguous"], true, "{found}");
    let candidates = found["candidates"].as_array().unwrap();
    let accounts: std::collections::HashSet<&str> =
        candidates.iter().take(2).map(|c| c["account_id"].as_str().unwrap()).collect();
    assert_eq!(accounts, [staging.as_str(), prod.as_str()].into_iter().collect(), "{found}");
    let mut fields: Vec<&str> = candidates[0].as_object().unwrap().keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["account_alias", "account_id", "arn", "identifier", "name", "region", "resource_type", "score", "state"],
        "{found}"
    );
    assert_eq!(candidates[0]["resource_type"], "rds_instance");
    let picked = json(&cloudops(&["search", "--json", "pg-instnce-main1", prod.as_str()], &aws, home.path()));
    assert_eq!(picked["ambiguous"], false, "{picked}");
    assert_eq!(picked["candidates"][0]["account_id"], prod.as_str(), "{picked}");
    assert_eq!(picked["filters"]["accounts"], serde_json::json!([prod.as_str()]), "{picked}");
    let table = cloudops(&["search", "pg-instance-main1"], &aws, home.path());
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("ambiguous: 2 resources"), "{table}");

    // `cloudops plan`, planner in-process: the ambiguous name gets a question listing both
    // resources (never a pick); named with its account, one resource goes out and is planned
    // (or refused with the reason, should its state or the synced permissions forbid it).
    let asked = json(&cloudops(&["plan", "--json", "stop", "pg-instance-main1"], &aws, home.path()));
    assert_eq!(asked["planner"], "local");
    assert_eq!(asked["identified_resources"].as_array().unwrap().len(), 2, "{asked}");
    assert_eq!(asked["clarification"]["candidates"].as_array().map(Vec::len), Some(2), "{asked}");
    assert!(asked["script"]["steps"].as_array().unwrap().is_empty(), "{asked}");
    let plan =
        json(&cloudops(&["plan", "--json", "stop", "pg-instance-main1", "in", prod.as_str()], &aws, home.path()));
    assert_eq!(plan["playbook"]["id"], "rds-stop-instance", "{plan}");
    assert_eq!(plan["identified_resources"].as_array().unwrap().len(), 1, "{plan}");
    assert_eq!(plan["identified_resources"][0]["account_id"], prod.as_str(), "{plan}");
    match plan["script"]["steps"].as_array().unwrap().first() {
        Some(step) => {
            assert_eq!(step["call"]["parameters"]["DBInstanceIdentifier"], "pg-instance-main1", "{plan}");
            assert_eq!(step["call"]["account_id"], prod.as_str(), "{plan}");
            assert_eq!(plan["approval_required"], true);
        }
        None => assert!(plan["blocked"].as_array().is_some_and(|b| !b.is_empty()), "no steps and no reason: {plan}"),
    }

    // Nothing that names a resource is on disk in plaintext (store, WAL, status, backups).
    let plain: std::collections::HashSet<&str> = seeded
        .iter()
        .flat_map(|r| r["tags"].as_object().unwrap().values().filter_map(|v| v.as_str()))
        .chain(seeded.iter().filter_map(|r| r["account_alias"].as_str()))
        .collect();
    let mut probes: Vec<&str> = Vec::new();
    for r in seeded {
        for key in ["name", "identifier"] {
            if let Some(v) = r[key].as_str().filter(|v| v.len() >= 6 && !plain.contains(v)) {
                probes.push(v);
            }
        }
    }
    assert!(probes.len() > 50, "enough probes: {}", probes.len());
    let data = home.path().join("data/cloudops");
    let files = files_under(&data);
    assert!(files.iter().any(|(p, _)| p.contains("aws_estate")), "the store is under the data dir");
    for (path, bytes) in &files {
        for probe in &probes {
            assert!(memchr::memmem::find(bytes, probe.as_bytes()).is_none(), "{probe} appears in plaintext in {path}");
        }
    }
}

#[test]
fn sync_every_runs_on_a_schedule_until_interrupted() {
    use std::io::BufRead as _;
    let common::SeededHome { home, aws, .. } = common::seeded_home();
    let mut child = common::cloudops_with_models(home.path(), &aws)
        .args(["sync", "--json", "--every", "2s", "--profile", "staging", "--region", "us-east-1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut rounds: Vec<serde_json::Value> = Vec::new();
    while rounds.len() < 2 {
        match rx.recv_timeout(std::time::Duration::from_secs(180)) {
            Ok(line) => rounds.push(serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))),
            Err(_) => {
                let _ = child.kill();
                panic!("no scheduled sync within 180 s; got {rounds:?}");
            }
        }
    }
    assert_eq!(rounds[0]["failed"], 0, "{}", rounds[0]);
    assert!(rounds[0]["embedded"].as_u64().unwrap() > 0);
    assert_eq!(rounds[1]["embedded"], 0, "the second round finds nothing changed: {}", rounds[1]);
    // Ctrl-C ends the schedule cleanly.
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}
