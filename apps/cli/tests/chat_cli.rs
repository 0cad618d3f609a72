//! `cloudops chat` on the real binary against the emulator: a piped session where a
//! follow-up resolves against the conversation, plans render as in `ask` and approval is
//! answered in place; the conversation is kept (encrypted) and continues in a new session.

mod common;

use std::io::Write as _;
use std::process::Stdio;

use common::{json, text};

fn chat(home: &std::path::Path, aws: &cloudops_e2e::AwsConfigPaths, args: &[&str], input: &str) -> (String, String) {
    let mut child = common::cloudops_with_models(home, aws)
        .env("USER", "chat-tester")
        .arg("chat")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cloudops chat");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    (text(&out.stdout), text(&out.stderr))
}

#[test]
fn chat_resolves_follow_ups_and_approves_in_place() {
    let common::SeededHome { home, aws, .. } = common::seeded_home();
    let sync = common::cloudops_with_models(home.path(), &aws)
        .args(["sync", "--json", "--profile", "staging", "--region", "us-east-1"])
        .output()
        .unwrap();
    assert_eq!(json(&sync)["failed"], 0);

    // Stop it (approved in place), then "start it" — declined — then "start it" approved.
    let input = "stop pg-instance-main1\nyes\nstart it\nno\nstart it\nyes\n/list\n/quit\n";
    let (stdout, stderr) = chat(home.path(), &aws, &["--conversation", "ops-1"], input);
    assert!(stdout.contains("conversation ops-1"), "{stdout}");
    assert!(stdout.contains("Calls (exactly what will run):"), "plans render as in ask: {stdout}");
    assert!(stdout.contains("aws rds stop-db-instance"), "{stdout}");
    assert!(stdout.contains("aws rds start-db-instance"), "the follow-up planned a start: {stdout}");
    assert!(stdout.contains("about the resources of \"stop pg-instance-main1\""), "{stdout}");
    assert_eq!(stdout.matches("finished: succeeded").count(), 2, "{stdout}\n{stderr}");
    assert!(stdout.contains("is available"), "re-synced after the start: {stdout}");
    assert!(stderr.contains("Type 'yes' to approve"), "asked in place: {stderr}");
    assert!(stdout.contains("ops-1"), "/list shows the conversation: {stdout}");

    // The history: every decision audited (two approvals, one decline).
    let history = json(
        &common::cloudops_with_models(home.path(), &aws)
            .args(["history", "--json", "--limit", "1000"])
            .output()
            .unwrap(),
    );
    let events: Vec<&str> = history.as_array().unwrap().iter().filter_map(|e| e["event"]["event"].as_str()).collect();
    assert_eq!(events.iter().filter(|e| **e == "approval").count(), 2, "{events:?}");
    assert_eq!(events.iter().filter(|e| **e == "refusal").count(), 1, "{events:?}");

    // A new session continues the conversation: its earlier turns are shown, "stop it" still
    // means pg-instance-main1.
    let (stdout, _) = chat(home.path(), &aws, &["--conversation", "ops-1", "--dry-run"], "stop it\n");
    assert!(stdout.contains("you: start it"), "the earlier turns: {stdout}");
    assert!(stdout.contains("aws rds stop-db-instance"), "{stdout}");

    // With both accounts synced the name is ambiguous: the question's choices are answered by
    // number, and the choice continues the same request on the one resource picked.
    let sync = common::cloudops_with_models(home.path(), &aws)
        .args(["sync", "--json", "--profile", "prod", "--region", "us-east-1"])
        .output()
        .unwrap();
    assert_eq!(json(&sync)["failed"], 0);
    let (stdout, _) = chat(home.path(), &aws, &["--dry-run"], "stop pg-instance-main1\n1\n/quit\n");
    let (question, answer) = stdout.split_once("(answer with 1–2 to pick one)").expect(&stdout);
    assert!(question.contains("question:"), "{stdout}");
    assert_eq!(answer.matches("RDS instance pg-instance-main1 [").count(), 1, "one resource picked: {stdout}");
}
