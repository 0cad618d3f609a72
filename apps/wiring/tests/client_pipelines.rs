//! The client's pipelines at the app/ level, on the real parts and no binary: the client the
//! wiring opens (qdrant-edge store, MiniLM, the in-process planner, the AWS SDK) against the
//! emulator over HTTP. Sync → ask (plan, review, approve, run, events, re-sync) → the approval
//! is single use → a follow-up → dry run → refusals (guard, declined, plan files modified or
//! sealed by another store's key) → exec of a saved plan → the audit log verifies.

use std::path::Path;

use cloudops_app::client::{ClientError, Outcome, SyncSelection, Verdict};
use cloudops_app::execute::{ExecutionEvent, RunOptions};
use cloudops_app::plan_file::PlanFileError;
use cloudops_app::{Client, config::KeyStorage};
use cloudops_domain::Region;
use cloudops_domain::approval::ApprovalMode;
use cloudops_e2e::observe::{db_status, instance_state, running_instance};
use cloudops_e2e::{AwsConfigPaths, Emulator};
use cloudops_ports::{AuditEvent, ConversationId, NoProgress};
use cloudops_wiring::Options;

fn options(home: &Path, aws: &AwsConfigPaths) -> Options {
    Options {
        data_dir: Some(home.join("data")),
        config: Some(home.join("config.toml")),
        // Tests never write to the developer's keychain.
        key_storage: Some(KeyStorage::File),
        user: Some("app-tester".into()),
        aws_config_file: Some(aws.config.clone()),
        aws_credentials_file: Some(aws.credentials.clone()),
        ..Options::default()
    }
}

async fn stop_db(client: &Client, conversation: &ConversationId) -> cloudops_app::client::Review {
    let planned = client.plan("stop pg-instance-main1", conversation).await.unwrap();
    client.review(planned).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_runs_every_pipeline_against_the_emulator_and_the_embedded_store() {
    let emulator = Emulator::shared();
    let (staging, prod) = (emulator.fresh_account(), emulator.fresh_account());
    let manifest = emulator.seed("small", &[&staging, &prod]);
    let home = tempfile::tempdir().unwrap();
    let aws_dir = home.path().join("aws");
    std::fs::create_dir(&aws_dir).unwrap();
    let aws = emulator.write_aws_config_as(&aws_dir, "ops", &[("staging", &staging)]);
    let client = cloudops_wiring::open(&options(home.path(), &aws)).await.unwrap();

    // Searching before any sync says what to do.
    assert!(matches!(client.search("pg", 5).await, Err(ClientError::EmptyStore(_))));

    // Sync: through the client, statuses merged, the lookup refreshed.
    let selection = SyncSelection {
        profiles: vec!["staging".into()],
        regions: vec!["us-east-1".parse::<Region>().unwrap(), "eu-west-1".parse::<Region>().unwrap()],
        full: false,
    };
    let request = client.sync_request(selection).await.unwrap();
    let synced = client.sync(&request, &NoProgress).await.unwrap();
    assert_eq!(synced.report.failed, 0, "{:?}", synced.report.statuses);
    assert!(synced.report.resources > 10, "{}", synced.report.resources);
    assert!(!client.statuses().await.unwrap().is_empty());
    let found = client.search("pg-instance-main1", 5).await.unwrap();
    assert_eq!(found.ranking.candidates[0].resource.name.as_deref(), Some("pg-instance-main1"));
    assert!(!client.suggest("pg-inst", 5).await.unwrap().is_empty(), "autocomplete");

    // Ask: plan → review → approve → run with live events → re-sync → the emulator changed.
    let conversation = ConversationId("app-test".into());
    assert_eq!(db_status(&aws, "staging", "pg-instance-main1").await, "available");
    let review = stop_db(&client, &conversation).await;
    assert_eq!(review.response().playbook.as_ref().unwrap().id, "rds-stop-instance");
    let sent = review.planned.sent.as_ref().expect("what went to the planner is shown");
    assert_eq!(sent.identified_resources.len(), 1, "only the resource the prompt names leaves");
    assert!(matches!(review.verdict, Verdict::Ready { needs_approval: true, .. }), "{:?}", review.verdict);
    assert!(
        !review.warnings.iter().any(|w| w.contains("content differs")),
        "the built-in playbooks are the ones planned with: {:?}",
        review.warnings
    );
    let approval = client.approve(&review, ApprovalMode::Interactive, false).await.unwrap();
    assert_eq!(approval.digest, review.digest, "bound to this plan");
    assert_eq!(approval.approved_by, "app-tester");
    let mut handle = client.run(review.clone(), Some(approval.clone()), RunOptions::default()).await.unwrap();
    let mut events = Vec::new();
    while let Some(event) = handle.events.recv().await {
        events.push(event);
    }
    assert!(matches!(events.first(), Some(ExecutionEvent::StepStarted { .. })), "{events:?}");
    assert!(matches!(events.last(), Some(ExecutionEvent::Finished { .. })), "{events:?}");
    let finished = handle.finish().await.unwrap();
    assert_eq!(finished.outcome, Outcome::Succeeded, "{:?}", finished.report);
    assert_eq!(finished.resources_after[0].state.as_deref(), Some("stopped"), "re-synced after the change");
    assert_eq!(db_status(&aws, "staging", "pg-instance-main1").await, "stopped");

    // The approval is single use: the same approval again is refused, nothing runs.
    let again = client.run(review, Some(approval), RunOptions::default()).await;
    assert!(matches!(again, Err(ClientError::Start(_))), "{again:?}");

    // A follow-up resolves against the conversation: "start it" is about pg-instance-main1.
    let follow = client.plan("start it", &conversation).await.unwrap();
    assert!(follow.follow_up.is_some(), "read as a follow-up");
    assert_eq!(follow.response.playbook.as_ref().map(|p| p.id.as_str()), Some("rds-start-instance"));
    assert_eq!(follow.identified_resources.len(), 1);
    assert_eq!(follow.identified_resources[0].identifier.as_str(), "pg-instance-main1");

    // Declined: audited, nothing runs.
    let declined = client.review(follow.clone()).await.unwrap();
    client.reject(&declined, "declined at the prompt").await.unwrap();
    assert_eq!(db_status(&aws, "staging", "pg-instance-main1").await, "stopped");

    // Dry run: EC2 answers DryRunOperation, nothing changes, no approval needed.
    let (web_name, web_id) = running_instance(&manifest, &staging);
    let planned = client.plan(&format!("stop {web_name}"), &conversation).await.unwrap();
    let review = client.review(planned).await.unwrap();
    assert!(matches!(review.verdict, Verdict::Ready { .. }), "{:?}", review.verdict);
    let dry = RunOptions { dry_run: true, ..RunOptions::default() };
    let finished = client.run(review, None, dry).await.unwrap().finish().await.unwrap();
    assert_eq!(finished.outcome, Outcome::DryRun, "{:?}", finished.report);
    assert!(finished.report.steps[0].dry_run.as_deref().unwrap_or_default().contains("DryRunOperation"));
    assert_eq!(instance_state(&aws, "staging", &web_id).await, "running");

    // Refusal by the guard: a plan edited to act on a resource the lookup did not identify.
    let mut edited = client.plan("start pg-instance-main1", &conversation).await.unwrap();
    edited.response.script.steps[0]
        .call
        .parameters
        .insert("DBInstanceIdentifier".into(), "search-mysql-east-02".into());
    let refused = client.review(edited).await.unwrap();
    assert!(matches!(refused.verdict, Verdict::Refused(_)), "{:?}", refused.verdict);
    assert!(matches!(client.run(refused, None, RunOptions::default()).await, Err(ClientError::NotRunnable(_))));

    // Verb safety on the client: a planner answering "shut down …" with a start plan is
    // refused (the server is not trusted), audited, and nothing runs.
    let mut swapped = client.plan("start pg-instance-main1", &conversation).await.unwrap();
    swapped.prompt = "shut down pg-instance-main1".into();
    swapped.sent.as_mut().expect("what was sent").prompt = swapped.prompt.clone();
    let refused = client.review(swapped).await.unwrap();
    let Verdict::Refused(reasons) = &refused.verdict else { panic!("{:?}", refused.verdict) };
    assert!(reasons.iter().any(|r| r.contains("\"shut down\"") && r.contains("would start")), "{reasons:?}");
    assert!(matches!(client.run(refused, None, RunOptions::default()).await, Err(ClientError::NotRunnable(_))));
    assert_eq!(db_status(&aws, "staging", "pg-instance-main1").await, "stopped");

    // Exec: a saved plan runs; the same file modified is refused as modified, and a file
    // sealed by another store's key is refused as such (typed, so a UI can say which).
    let file = home.path().join("start.plan.json");
    let planned = client.plan("start pg-instance-main1", &conversation).await.unwrap();
    client.save_plan(&planned, &file).await.unwrap();
    let original = std::fs::read_to_string(&file).unwrap();
    let tampered = home.path().join("tampered.plan.json");
    std::fs::write(&tampered, original.replace("pg-instance-main1", "search-mysql-east-02")).unwrap();
    let err = client.open_saved(&tampered).await.unwrap_err();
    assert!(matches!(err, ClientError::PlanFile(PlanFileError::Tampered { .. })), "{err}");
    let elsewhere = tempfile::tempdir().unwrap();
    let other = cloudops_wiring::open(&options(elsewhere.path(), &aws)).await.unwrap();
    let err = other.open_saved(&file).await.unwrap_err();
    assert!(matches!(err, ClientError::PlanFile(PlanFileError::OtherKey { .. })), "{err}");
    let saved = client.open_saved(&file).await.unwrap();
    let review = client.review(saved).await.unwrap();
    let approval = client.approve(&review, ApprovalMode::Preapproved, false).await.unwrap();
    let finished = client.run(review, Some(approval), RunOptions::default()).await.unwrap().finish().await.unwrap();
    assert_eq!(finished.outcome, Outcome::Succeeded, "{:?}", finished.report);
    assert_eq!(db_status(&aws, "staging", "pg-instance-main1").await, "available");

    // With the second account synced the name is in both: a question listing both, nothing
    // picked; the follow-up "now the one in <account>" keeps the verb and the name.
    let aws_both = emulator.write_aws_config_as(&aws_dir, "ops", &[("staging", &staging), ("prod", &prod)]);
    assert_eq!(aws_both.config, aws.config, "the same files, now with both profiles");
    let prod_only = SyncSelection {
        profiles: vec!["prod".into()],
        regions: vec!["us-east-1".parse::<Region>().unwrap()],
        full: false,
    };
    let request = client.sync_request(prod_only).await.unwrap();
    assert_eq!(client.sync(&request, &NoProgress).await.unwrap().report.failed, 0);
    let asked = client.plan("stop pg-instance-main1", &conversation).await.unwrap();
    let question = asked.response.clarification.as_ref().expect("ambiguous: a question");
    assert_eq!(question.candidates.len(), 2, "{question:?}");
    let picked = client.plan(&format!("now the one in {prod}"), &conversation).await.unwrap();
    assert!(picked.follow_up.is_some());
    assert_eq!(picked.identified_resources.len(), 1, "{:?}", picked.identified_resources);
    assert_eq!(picked.identified_resources[0].account_id, prod);
    assert_eq!(picked.identified_resources[0].identifier.as_str(), "pg-instance-main1");
    assert_eq!(picked.response.playbook.as_ref().map(|p| p.id.as_str()), Some("rds-stop-instance"));
    // Answering the question with one of its candidates continues that request on it alone.
    let chosen = question.candidates.iter().find(|arn| arn.to_string().contains(staging.as_str())).unwrap();
    let answered = client.answer(&asked, &chosen.to_string(), &conversation).await.unwrap();
    assert_eq!(answered.identified_resources.len(), 1, "{:?}", answered.identified_resources);
    assert_eq!(answered.identified_resources[0].arn, *chosen);
    assert!(answered.response.clarification.is_none(), "{:?}", answered.response.clarification);

    // Every step is in the audit log, in order, and the log verifies.
    let history = client.history(10_000).await.unwrap();
    let kinds: Vec<&str> = history
        .iter()
        .map(|e| match &e.event {
            AuditEvent::Request { .. } => "request",
            AuditEvent::Plan { .. } => "plan",
            AuditEvent::Refusal { .. } => "refusal",
            AuditEvent::Approval { .. } => "approval",
            AuditEvent::ExecutionStarted { .. } => "started",
            AuditEvent::Call { .. } => "call",
            AuditEvent::ExecutionFinished { .. } => "finished",
        })
        .collect();
    let first_run = kinds.iter().position(|k| *k == "started").unwrap();
    assert_eq!(&kinds[..first_run], ["request", "plan", "approval"], "request → plan → approval → calls");
    let refusals = kinds.iter().filter(|k| **k == "refusal").count();
    // the reused approval, the declined plan, the guard twice (a foreign resource, a verb the
    // prompt contradicts), the modified file and (in the other store's log) nothing: five here.
    assert_eq!(refusals, 5, "{kinds:?}");
    assert!(client.verify_audit().await.unwrap().intact());

    // The conversation is in the encrypted history.
    let conversations = client.conversations().await.unwrap();
    assert!(conversations.iter().any(|c| c.id == conversation && c.messages >= 10), "{conversations:?}");

    // Renaming keeps every message; an empty or taken name is refused; delete removes it.
    let before = client.messages(&conversation, 1_000).await.unwrap();
    let other = ConversationId("taken".into());
    client.append_message(&other, cloudops_domain::ChatRole::User, "hello").await.unwrap();
    for bad in ["  ", "taken"] {
        let err = client.rename_conversation(&conversation, bad).await.unwrap_err();
        assert!(matches!(err, ClientError::ConversationName { .. }), "{bad:?}: {err}");
    }
    let renamed = client.rename_conversation(&conversation, " ops review ").await.unwrap();
    assert_eq!(renamed.0, "ops review", "surrounding spaces dropped");
    let after = client.messages(&renamed, 1_000).await.unwrap();
    assert_eq!(
        after.iter().map(|m| &m.text).collect::<Vec<_>>(),
        before.iter().map(|m| &m.text).collect::<Vec<_>>(),
        "every message, in order"
    );
    assert!(client.messages(&conversation, 10).await.unwrap().is_empty());
    assert_eq!(client.delete_conversation(&renamed).await.unwrap(), after.len());
    let left: Vec<_> = client.conversations().await.unwrap().into_iter().map(|c| c.id).collect();
    assert!(!left.contains(&renamed) && left.contains(&other), "{left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_gets_one_line_naming_the_holder_then_the_store_once_released() {
    let home = tempfile::tempdir().unwrap();
    let aws = AwsConfigPaths { config: home.path().join("none"), credentials: home.path().join("none") };
    let paths = cloudops_wiring::paths(&options(home.path(), &aws)).unwrap();
    // The holder: a client of this process with the store open (as the desktop app is).
    let holder = cloudops_wiring::open(&options(home.path(), &aws)).await.unwrap();
    holder.conversations().await.unwrap();
    // Another process: the CLI, waiting 1 s at most.
    std::fs::write(&paths.config_file, "[store]\nlock_wait_secs = 1\nkey_storage = \"file\"\n").unwrap();
    let binary = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().join("cloudops");
    assert!(binary.exists(), "build the workspace first (cargo test --workspace builds cloudops)");
    let run = || {
        std::process::Command::new(&binary)
            .args(["--data-dir", paths.data_dir.to_str().unwrap(), "--config", paths.config_file.to_str().unwrap()])
            .args(["chat", "--conversation", "other"])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let started = std::time::Instant::now();
    let out = run();
    let waited = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let line = stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_default();
    assert!(line.contains("is in use by"), "{stderr}");
    assert!(line.contains(&format!("pid {}", std::process::id())), "names the holder: {stderr}");
    assert!(waited < std::time::Duration::from_secs(20), "never a hang: {waited:?}");
    // Released, the other process gets the store.
    holder.release().await;
    let out = run();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
