//! `cloudops ask` / `exec` / `history` / `audit verify` on the real binary, end to end: the
//! seeded estate in moto, synced into the real store; the real planning server on a port,
//! reached through a recording proxy; the changes made in moto with the user's profile and
//! checked there with the SDK. Also the refusals: an ambiguous name, an IAM deny, a high-risk
//! plan with --yes alone, a tampered plan file, a tampered audit log.

mod common;

use std::path::Path;
use std::process::Output;

use cloudops_e2e::AwsConfigPaths;
use cloudops_e2e::observe::{
    self,
    blocking::{db_status, instance_state},
};
use cloudops_e2e::planner::{ServerProcess, TOKEN};
use cloudops_fakes::at_rest::files_under;
use common::{Capture, json, request_bodies, text};
use serde_json::Value;

const CANARY_KEY_ID: &str = "AKIACANARYWIRE0KEY42";
const CANARY_SECRET: &str = "wire-canary-secret-9f8e7d6c5b4a";

fn cloudops(args: &[&str], aws: &AwsConfigPaths, home: &Path) -> Output {
    common::cloudops_with_models(home, aws).args(args).env("USER", "e2e-tester").output().expect("run cloudops")
}

/// `--json` output of a run that must end with exit status `code`.
fn json_exit(out: &Output, code: i32) -> Value {
    assert_eq!(out.status.code(), Some(code), "{}{}", text(&out.stdout), text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

fn public_access_block(aws: &AwsConfigPaths, profile: &str, bucket: &Value) -> Option<[Option<bool>; 4]> {
    let config = observe::block_on(observe::sdk(aws, profile, bucket["region"].as_str().unwrap()));
    let bucket = bucket["identifier"].as_str().unwrap();
    let client =
        aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
    let out = observe::block_on(client.get_public_access_block().bucket(bucket).send()).ok()?;
    let c = out.public_access_block_configuration()?;
    Some([c.block_public_acls(), c.ignore_public_acls(), c.block_public_policy(), c.restrict_public_buckets()])
}

/// The first seeded resource of `kind` in `account` in `state` whose name starts with
/// `prefix`, in us-east-1 unless it is a bucket (the seed leaves public access open on the
/// second bucket of an account, in eu-west-1).
fn seeded<'a>(manifest: &'a Value, account: &str, kind: &str, state: &str, prefix: &str) -> &'a Value {
    manifest["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["account_id"] == account
                && r["kind"] == kind
                && (r["region"] == "us-east-1" || kind == "s3_bucket")
                && r["state"] == state
                && r["name"].as_str().is_some_and(|n| n.starts_with(prefix))
        })
        .unwrap_or_else(|| panic!("the seed has a {state} {kind} {prefix}* in {account}"))
}

fn calls(history: &Value) -> Vec<(String, bool)> {
    history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"]["event"] == "call")
        .map(|e| (e["event"]["call"]["operation"].as_str().unwrap().to_owned(), e["event"]["ok"].as_bool().unwrap()))
        .collect()
}

#[test]
fn ask_changes_moto_with_an_audit_trail_and_refuses_what_it_must() {
    let common::SeededHome { home, aws, manifest, staging, prod } = common::seeded_home();
    // Distinctive credentials, to look for on the wire (moto accepts any).
    std::fs::write(
        &aws.credentials,
        format!(
            "[cloudops-e2e-source]\naws_access_key_id = {CANARY_KEY_ID}\naws_secret_access_key = {CANARY_SECRET}\n"
        ),
    )
    .unwrap();
    let run = |args: &[&str]| cloudops(args, &aws, home.path());
    let synced =
        json(&run(&["sync", "--json", "--profile", "staging", "--region", "us-east-1", "--region", "eu-west-1"]));
    assert_eq!(synced["failed"], 0, "{synced}");

    let server_binary = Path::new(env!("CARGO_BIN_EXE_cloudops")).with_file_name("cloudops-server");
    assert!(server_binary.exists(), "build the workspace first (cargo test --workspace builds cloudops-server)");
    let server = ServerProcess::start(&server_binary, &[]);
    let proxy = Capture::start(&server.addr);
    let url = format!("http://{}", proxy.addr);
    let remote = ["--server", url.as_str(), "--server-token", TOKEN];
    let ask = |words: &[&str], extra: &[&str]| {
        let mut args = vec!["ask", "--json"];
        args.extend_from_slice(&remote);
        args.extend_from_slice(extra);
        args.extend_from_slice(words);
        run(&args)
    };

    // 1. The example, exactly: the DB is stopped in moto afterwards.
    assert_eq!(db_status(&aws, "staging", "pg-instance-main1"), "available");
    let stopped = json_exit(&ask(&["stop pg-instance-main1"], &["--yes"]), 0);
    assert_eq!(stopped["outcome"], "succeeded", "{stopped}");
    assert_eq!(stopped["plan"]["playbook"]["id"], "rds-stop-instance", "{stopped}");
    assert_eq!(stopped["approval"]["mode"], "preapproved", "{stopped}");
    assert_eq!(stopped["approval"]["approved_by"], "e2e-tester", "{stopped}");
    assert_eq!(stopped["approval"]["digest"], stopped["digest"], "the approval is bound to this plan");
    assert_eq!(stopped["execution"]["steps"][0]["reached_state"], "stopped", "{stopped}");
    assert_eq!(stopped["resources_after"][0]["state"], "stopped", "re-synced after the change: {stopped}");
    assert_eq!(db_status(&aws, "staging", "pg-instance-main1"), "stopped");

    // 2. An EC2 reboot (moto keeps it running; the call is in the audit log).
    let web = seeded(&manifest, staging.as_str(), "ec2_instance", "running", "stag-");
    let web_id = web["identifier"].as_str().unwrap();
    let rebooted = json_exit(&ask(&["reboot", web["name"].as_str().unwrap()], &["--yes"]), 0);
    assert_eq!(rebooted["outcome"], "succeeded", "{rebooted}");
    assert_eq!(rebooted["plan"]["script"]["steps"][0]["call"]["parameters"]["InstanceIds"][0], web_id);
    assert_eq!(instance_state(&aws, "staging", web_id), "running");

    // 3. S3 block public access.
    let open_bucket = seeded(&manifest, staging.as_str(), "s3_bucket", "available", "acme-staging-search-assets-002");
    let bucket = open_bucket["identifier"].as_str().unwrap();
    assert_eq!(public_access_block(&aws, "staging", open_bucket), None, "the seed leaves this bucket open");
    let blocked = json_exit(&ask(&["block public access on", bucket], &["--yes"]), 0);
    assert_eq!(blocked["outcome"], "succeeded", "{blocked}");
    assert_eq!(public_access_block(&aws, "staging", open_bucket), Some([Some(true); 4]));

    // The audit trail: every call, ok, and the chain verifies.
    let history = json(&run(&["history", "--json"]));
    let made = calls(&history);
    for op in ["StopDBInstance", "RebootInstances", "PutPublicAccessBlock"] {
        assert!(made.contains(&(op.to_owned(), true)), "{op} is in the audit log: {made:?}");
    }
    let plans: Vec<&Value> = history.as_array().unwrap().iter().filter(|e| e["event"]["event"] == "plan").collect();
    assert!(plans.iter().all(|p| p["event"]["playbook"].is_string() && p["event"]["version"].is_string()));
    let verified = json(&run(&["audit", "verify", "--json"]));
    assert_eq!(verified["first_broken"], Value::Null, "{verified}");
    assert!(verified["entries"].as_u64().unwrap() >= 15, "{verified}");

    // The wire: what the client sent the server holds no credential, no session token, and no
    // resource but the ones identified for each request.
    let wire = proxy.bytes();
    let wire_text = String::from_utf8_lossy(&wire).to_string();
    assert_eq!(wire_text.matches("POST /v1/plan").count(), 3, "three plans went through the proxy");
    for secret in [CANARY_KEY_ID, CANARY_SECRET, "aws_secret_access_key", "aws_session_token", "SessionToken"] {
        assert!(!wire_text.contains(secret), "'{secret}' was sent to the server");
    }
    assert!(!wire_text.to_ascii_lowercase().contains("x-amz-security-token"));
    assert!(!wire_text.contains("ASIA"), "an STS access key id was sent");
    // Request by request: the only resources a request names are its identified ones — also in
    // the recent chat turns it carries, where earlier resources are `[resource]`.
    let bodies = request_bodies(&wire);
    assert_eq!(bodies.len(), 3);
    for (body, output) in bodies.iter().zip([&stopped, &rebooted, &blocked]) {
        let identified: std::collections::HashSet<&str> =
            output["identified_resources"].as_array().unwrap().iter().map(|r| r["arn"].as_str().unwrap()).collect();
        assert_eq!(identified.len(), 1, "{output}");
        let sent: Value = serde_json::from_str(body).unwrap();
        let sent_ids: std::collections::HashSet<&str> =
            sent["identified_resources"].as_array().unwrap().iter().map(|r| r["arn"].as_str().unwrap()).collect();
        assert_eq!(sent_ids, identified, "what was sent is what the output says was sent");
        let arns: std::collections::HashSet<&str> = body
            .split('"')
            .filter(|s| s.starts_with("arn:aws:") && !s.contains(":iam::") && !s.contains(":sts::"))
            .collect();
        assert!(arns.is_subset(&identified), "unidentified resources were sent: {arns:?}");
        for r in manifest["resources"].as_array().unwrap() {
            let id = r["identifier"].as_str().unwrap();
            let target_kind =
                ["rds_instance", "ec2_instance", "s3_bucket", "lambda_function"].contains(&r["kind"].as_str().unwrap());
            if target_kind
                && !identified.iter().any(|a| a.ends_with(&format!(":{id}")) || a.ends_with(&format!("/{id}")))
            {
                assert!(
                    !body.contains(&format!("{id}\"")) && !body.contains(&format!("{id} ")),
                    "{id} was sent: {body}"
                );
            }
        }
    }
    let third: Value = serde_json::from_str(&bodies[2]).unwrap();
    let turns = third["user_context"]["recent_turns"].as_array().unwrap();
    assert!(turns.len() >= 4, "the earlier prompts and answers go along: {third}");
    assert_eq!(turns[0]["role"], "user");
    assert!(turns[0]["text"].as_str().unwrap().contains("[resource]"), "{turns:?}");
    assert!(!bodies[2].contains("pg-instance-main1"), "an earlier request's resource is redacted");

    // Refusal: ambiguous. With both accounts synced the name is in two accounts: a question,
    // nothing runs (exit 2).
    json(&run(&["sync", "--json", "--profile", "prod", "--region", "us-east-1"]));
    let start_staging = ["start pg-instance-main1"];
    let asked = json_exit(&ask(&start_staging, &["--yes"]), 2);
    assert_eq!(asked["outcome"], "question", "{asked}");
    assert_eq!(db_status(&aws, "staging", "pg-instance-main1"), "stopped");

    // Refusal: IAM. Role `ops` is explicitly denied rds:StopDBInstance in production.
    let denied = json_exit(&ask(&["stop pg-instance-main1 in", prod.as_str()], &["--yes"]), 2);
    assert_eq!(denied["outcome"], "blocked", "{denied}");
    assert_eq!(denied["plan"]["blocked"][0]["rule"], "iam_denied", "{denied}");
    assert_eq!(db_status(&aws, "prod", "pg-instance-main1"), "available");

    // Refusal: --yes alone does not approve a high-risk plan (stopping a production server).
    let prod_web = seeded(&manifest, prod.as_str(), "ec2_instance", "running", "prod-");
    let high = json_exit(&ask(&["stop", prod_web["name"].as_str().unwrap()], &["--yes"]), 2);
    assert_eq!(high["outcome"], "refused", "{high}");
    assert!(
        high["plan"]["risk_assessment"]["level"] == "high" || high["plan"]["risk_assessment"]["level"] == "critical"
    );
    assert!(high["refusal"][0].as_str().unwrap().contains("--allow-high-risk"), "{high}");
    assert_eq!(instance_state(&aws, "prod", prod_web["identifier"].as_str().unwrap()), "running");

    // Dry run: EC2 answers DryRunOperation, nothing changes, no approval needed.
    let dry = json_exit(&ask(&["stop", prod_web["name"].as_str().unwrap()], &["--dry-run"]), 0);
    assert_eq!(dry["outcome"], "dry_run", "{dry}");
    assert!(dry["execution"]["steps"][0]["dry_run"].as_str().unwrap().contains("DryRunOperation"), "{dry}");
    assert_eq!(instance_state(&aws, "prod", prod_web["identifier"].as_str().unwrap()), "running");

    // Refusal: a tampered plan file. Saved, edited to target another DB, it is refused; the
    // untouched file runs.
    let file = home.path().join("start.plan.json");
    let planned =
        run(&["plan", "--json", "--out", file.to_str().unwrap(), "start pg-instance-main1 in", staging.as_str()]);
    assert_eq!(json(&planned)["playbook"]["id"], "rds-start-instance");
    let original = std::fs::read_to_string(&file).unwrap();
    let tampered_file = home.path().join("tampered.plan.json");
    let tampered = original.replace(
        "\"DBInstanceIdentifier\": \"pg-instance-main1\"",
        "\"DBInstanceIdentifier\": \"search-mysql-east-02\"",
    );
    assert_ne!(tampered, original);
    std::fs::write(&tampered_file, tampered).unwrap();
    let refused = run(&["exec", "--yes", "--json", tampered_file.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("was modified after it was planned"), "{}", text(&refused.stderr));
    assert_eq!(db_status(&aws, "staging", "search-mysql-east-02"), "available");
    assert_eq!(db_status(&aws, "staging", "pg-instance-main1"), "stopped");
    let started = json_exit(&run(&["exec", "--yes", "--json", file.to_str().unwrap()]), 0);
    assert_eq!(started["outcome"], "succeeded", "{started}");
    assert_eq!(db_status(&aws, "staging", "pg-instance-main1"), "available");

    // Every refusal is in the audit log, which still verifies; nothing names a resource in
    // plaintext under the data dir.
    let history = json(&run(&["history", "--json", "--limit", "1000"]));
    let refusals = history.as_array().unwrap().iter().filter(|e| e["event"]["event"] == "refusal").count();
    assert!(refusals >= 2, "the high-risk and tampered-file refusals are audited: {refusals}");
    assert_eq!(json(&run(&["audit", "verify", "--json"]))["first_broken"], Value::Null);
    let data = home.path().join("data/cloudops");
    for (path, bytes) in files_under(&data) {
        for probe in ["pg-instance-main1", web_id, bucket] {
            assert!(memchr::memmem::find(&bytes, probe.as_bytes()).is_none(), "{probe} in plaintext in {path}");
        }
    }

    // A key rotation re-seals the audit log, which still verifies.
    let rotated = json(&run(&["key", "rotate", "--json"]));
    assert!(rotated["resealed_audit_entries"].as_u64().unwrap() > 20, "{rotated}");
    assert_eq!(json(&run(&["audit", "verify", "--json"]))["first_broken"], Value::Null);

    // A tampered audit log: removing an entry is detected, and nothing more is appended to it.
    let log = data.join("audit.jsonl");
    let lines: Vec<String> = std::fs::read_to_string(&log).unwrap().lines().map(str::to_owned).collect();
    let without_third: Vec<&String> = lines.iter().enumerate().filter(|(i, _)| *i != 2).map(|(_, l)| l).collect();
    std::fs::write(&log, without_third.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let broken = run(&["audit", "verify", "--json"]);
    assert_eq!(broken.status.code(), Some(1), "{}", text(&broken.stdout));
    let broken: Value = serde_json::from_slice(&broken.stdout).unwrap();
    assert_eq!(broken["first_broken"], 3, "{broken}");
    let refused = run(&["ask", "--yes", "--json", "stop pg-instance-main1 in", staging.as_str()]);
    assert_ne!(refused.status.code(), Some(0), "no execution on a broken audit log");
    assert!(text(&refused.stderr).contains("audit log"), "{}", text(&refused.stderr));
    assert_eq!(db_status(&aws, "staging", "pg-instance-main1"), "available");
}
