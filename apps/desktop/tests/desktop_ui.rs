//! The desktop app driven through its UI (egui_kittest: AccessKit queries, clicks, typing,
//! and wgpu rendering on the software Vulkan/GL adapter for screenshots), on the real parts:
//! the seeded estate in the emulator over HTTP, synced by the app's own "Sync" button into the
//! embedded store, planned by a real `cloudops-server` process, executed with the AWS SDK.
//!
//! Screenshots of the three panels are written to `$CARGO_TARGET_TMPDIR/screenshots` (with
//! `CLOUDOPS_SCREENSHOTS=DIR`, to DIR: `docs/screenshots` is made that way).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use cloudops_app::client::Outcome;
use cloudops_app::config::KeyStorage;
use cloudops_desktop::{DesktopApp, Panel};
use cloudops_domain::AccountId;
use cloudops_e2e::observe::blocking::{db_status, instance_state};
use cloudops_e2e::planner::{ServerProcess, TOKEN};
use cloudops_e2e::{AwsConfigPaths, Emulator, observe};
use cloudops_ports::AuditEvent;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable};

/// The planning server all tests of this file share (it loads a model: start it once).
fn server() -> &'static ServerProcess {
    static SERVER: OnceLock<ServerProcess> = OnceLock::new();
    SERVER.get_or_init(|| {
        let binary = Path::new(env!("CARGO_BIN_EXE_cloudops-desktop")).with_file_name("cloudops-server");
        assert!(binary.exists(), "build the workspace first (cargo test --workspace builds cloudops-server)");
        ServerProcess::start(&binary, &[])
    })
}

struct Estate {
    home: tempfile::TempDir,
    aws: AwsConfigPaths,
    accounts: Vec<AccountId>,
    manifest: serde_json::Value,
}

/// The small seed in two fresh accounts, the first `n` reached as profiles `staging` and `prod`.
fn estate(n: usize) -> Estate {
    let emulator = Emulator::shared();
    let accounts: Vec<AccountId> = (0..2).map(|_| emulator.fresh_account()).collect();
    let manifest = emulator.seed("small", &accounts.iter().collect::<Vec<_>>());
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("aws");
    std::fs::create_dir(&dir).unwrap();
    let names = ["staging", "prod"];
    let profiles: Vec<(&str, &AccountId)> = accounts.iter().take(n).enumerate().map(|(i, a)| (names[i], a)).collect();
    let aws = emulator.write_aws_config_as(&dir, "ops", &profiles);
    Estate { home, aws, accounts, manifest }
}

fn options(estate: &Estate) -> cloudops_wiring::Options {
    cloudops_wiring::Options {
        data_dir: Some(estate.home.path().join("data")),
        config: Some(estate.home.path().join("config.toml")),
        key_storage: Some(KeyStorage::File),
        server: Some(format!("http://{}", server().addr)),
        server_token: Some(TOKEN.into()),
        user: Some("desktop-tester".into()),
        aws_config_file: Some(estate.aws.config.clone()),
        aws_credentials_file: Some(estate.aws.credentials.clone()),
    }
}

fn app(estate: &Estate) -> Harness<'static, DesktopApp> {
    let options = options(estate);
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .with_max_steps(10_000)
        .build_eframe(move |cc| DesktopApp::new(cc, options).expect("the app starts"))
}

/// Steps the app (its IO runs on its own threads) until `done` holds, or panics after `limit`.
fn wait_for(harness: &mut Harness<'_, DesktopApp>, what: &str, limit: Duration, done: impl Fn(&DesktopApp) -> bool) {
    let deadline = Instant::now() + limit;
    loop {
        harness.step();
        if done(harness.state()) {
            harness.run();
            return;
        }
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn screenshot(harness: &mut Harness<'_, DesktopApp>, name: &str) {
    let dir = std::env::var_os("CLOUDOPS_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    let image = match harness.render() {
        Ok(image) => image,
        // CI installs Mesa's software Vulkan and requires the screenshots.
        Err(e) if std::env::var_os("CLOUDOPS_REQUIRE_RENDERER").is_none() => {
            println!("screenshot {name} skipped: no wgpu adapter ({e}); apt-get install mesa-vulkan-drivers");
            return;
        }
        Err(e) => panic!("cannot render the window (Mesa's software Vulkan, mesa-vulkan-drivers): {e}"),
    };
    let path = dir.join(format!("{name}.png"));
    image.save(&path).unwrap();
    println!("screenshot: {}", path.display());
}

/// Syncs through the first-run guide: every profile is picked, one click.
fn sync_through_the_guide(harness: &mut Harness<'_, DesktopApp>) {
    wait_for(harness, "the first-run guide", Duration::from_secs(60), |app| app.client().is_some() && app.is_idle());
    harness.get_by_label("Sync the picked profiles").click();
    wait_for(harness, "the sync", Duration::from_secs(300), |app| {
        !app.sync.syncing() && app.is_idle() && !app.explorer.rows.is_empty()
    });
    assert!(
        matches!(&harness.state().sync.last, Some(Ok(line)) if !line.contains("failed")),
        "{:?}",
        harness.state().sync.last.as_ref().map(|r| r.as_ref().map_err(|p| &p.text))
    );
}

fn type_message(harness: &mut Harness<'_, DesktopApp>, text: &str) {
    let field = harness.get_by_role_and_label(Role::TextInput, "Message:");
    field.focus();
    field.type_text(text);
    harness.run();
    harness.key_press(egui::Key::Enter);
    harness.run();
}

fn harness_has_completions(app: &DesktopApp) -> bool {
    app.chat.completions().contains(&"pg-instance-main1")
}

fn planned(app: &DesktopApp) -> bool {
    app.is_idle() && app.chat.cards.last().is_some_and(|c| c.review().is_some())
}

fn audited(app: &DesktopApp) -> Vec<AuditEvent> {
    app.monitor.history.iter().map(|e| e.event.clone()).collect()
}

#[test]
fn stop_a_database_through_the_ui_picking_the_account_in_the_clarification() {
    let estate = estate(2);
    let (staging, prod) = (&estate.accounts[0], &estate.accounts[1]);
    let mut harness = app(&estate);
    sync_through_the_guide(&mut harness);

    // The explorer lists the estate; a row opens its detail pane.
    harness.get_by_role_and_label(Role::Button, "Resources").click();
    harness.run();
    assert_eq!(harness.state().panel, Panel::Explorer);
    // Ctrl+K focuses the search box, which is the lookup engine: both accounts' DB rank first.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    harness.run();
    let search = harness.get_by_role_and_label(Role::TextInput, "Search:");
    assert!(search.is_focused(), "Ctrl+K focuses the search");
    search.type_text("pg-instance-main1");
    wait_for(&mut harness, "the search", Duration::from_secs(60), |app| {
        app.is_idle() && app.explorer.rows.len() < app.explorer.resources().len()
    });
    let rows = harness.query_all_by_label("pg-instance-main1").count();
    assert!(rows >= 2, "the DB of both accounts is listed ({rows})");
    harness.query_all_by_label("pg-instance-main1").next().unwrap().click();
    harness.run();
    assert!(harness.query_by_label("Ask about this resource").is_some(), "the detail pane opened");
    screenshot(&mut harness, "explorer");

    // Chat: the name is in both accounts, so the answer is a question with both as choices.
    harness.get_by_role_and_label(Role::Button, "Chat").click();
    harness.run();
    assert_eq!(db_status(&estate.aws, "staging", "pg-instance-main1"), "available");
    type_message(&mut harness, "stop pg-instance-main1");
    wait_for(&mut harness, "the plan", Duration::from_secs(120), planned);
    let choices: Vec<String> = harness
        .query_all_by(|n| n.role() == Role::Button && n.label().is_some_and(|l| l.contains("pg-instance-main1 — ")))
        .map(|n| n.accesskit_node().label().unwrap_or_default())
        .collect();
    assert_eq!(choices.len(), 2, "one choice per account: {choices:?}");
    assert!(choices.iter().any(|c| c.contains(prod.as_str())), "{choices:?}");
    harness.get_by(|n| n.role() == Role::Button && n.label().is_some_and(|l| l.contains(staging.as_str()))).click();
    harness.run();
    wait_for(&mut harness, "the plan on the chosen DB", Duration::from_secs(120), |app| {
        planned(app) && app.chat.cards.last().and_then(|c| c.review()).is_some_and(|r| r.steps().len() == 1)
    });
    let review = harness.state().chat.cards.last().unwrap().review().unwrap().clone();
    assert_eq!(review.planned.identified_resources.len(), 1);
    assert_eq!(review.planned.identified_resources[0].account_id, *staging, "the account picked");
    let cli = &review.steps()[0].cli;
    assert!(cli.starts_with("aws rds stop-db-instance"), "{cli}");
    assert!(harness.query_by_label(cli).is_some(), "the exact AWS CLI line is on the card: {cli}");
    assert!(harness.query_by_role_and_label(Role::Button, "Copy").is_some(), "with its Copy button");

    // Approve (a high-risk plan asks for the name typed first), then watch it finish.
    harness.get_by_role_and_label(Role::Button, "Approve").click();
    harness.run();
    if let Some(confirm) = harness.query_by_role_and_label(Role::TextInput, "Confirm:") {
        confirm.type_text("pg-instance-main1");
        harness.run();
        harness.get_by_label("Approve and run").click();
        harness.run();
    }
    wait_for(&mut harness, "the execution", Duration::from_secs(180), |app| {
        app.is_idle() && app.monitor.runs.first().is_some_and(|r| !r.running())
    });
    let run = &harness.state().monitor.runs[0];
    assert_eq!(run.state, cloudops_desktop::RunState::Finished(Outcome::Succeeded), "{:?}", run.steps);
    assert!(run.execution.is_some());
    let detail = run.steps[0].detail.as_deref().unwrap_or_default();
    assert!(detail.starts_with("request id "), "AWS's request id is streamed with the call's answer: {detail}");
    assert_eq!(db_status(&estate.aws, "staging", "pg-instance-main1"), "stopped", "the emulator's DB really stopped");
    assert_eq!(db_status(&estate.aws, "prod", "pg-instance-main1"), "available", "the other account's was not touched");
    assert_eq!(run.after.first().and_then(|(_, s)| s.as_deref()), Some("stopped"), "re-synced after the run");
    screenshot(&mut harness, "chat");

    // The monitor: the run with its steps, and the audit history, verified.
    harness.get_by_role_and_label(Role::Button, "Executions").click();
    wait_for(&mut harness, "the verified history", Duration::from_secs(30), |app| {
        app.is_idle() && app.monitor.verified.as_ref().is_some_and(|v| v.as_ref().is_ok_and(|v| v.intact()))
    });
    let events = audited(harness.state());
    assert!(events.iter().any(|e| matches!(e, AuditEvent::ExecutionFinished { status, .. } if status == "succeeded")));
    assert!(harness.query_by_label_contains("verified (").is_some(), "the audit badge");
    screenshot(&mut harness, "executions");
}

#[test]
fn reject_and_a_refused_plan_run_nothing() {
    let estate = estate(1);
    let mut harness = app(&estate);
    sync_through_the_guide(&mut harness);

    // The message box completes names from the estate: Tab takes the suggestion.
    let field = harness.get_by_role_and_label(Role::TextInput, "Message:");
    field.focus();
    field.type_text("stop pg-instance-ma");
    wait_for(&mut harness, "the completions", Duration::from_secs(30), |app| {
        app.is_idle() && harness_has_completions(app)
    });
    harness.key_press(egui::Key::Tab);
    harness.run();
    let typed = harness.get_by_role_and_label(Role::TextInput, "Message:").value().unwrap_or_default();
    assert_eq!(typed, "stop pg-instance-main1 ", "Tab completed the name");
    harness.key_press(egui::Key::Enter);
    harness.run();

    // Reject: audited as a refusal, nothing started, the DB as it was.
    wait_for(&mut harness, "the plan", Duration::from_secs(120), planned);
    harness.get_by_role_and_label(Role::Button, "Reject").click();
    wait_for(&mut harness, "the rejection", Duration::from_secs(30), |app| {
        app.is_idle() && audited(app).iter().any(|e| matches!(e, AuditEvent::Refusal { .. }))
    });
    assert!(harness.query_by_label_contains("Rejected: nothing ran").is_some());
    assert!(harness.query_by_role_and_label(Role::Button, "Approve").is_none(), "no way to run it any more");

    // A plan the planner refuses (starting a DB that is running): no button runs it.
    type_message(&mut harness, "start pg-instance-main1");
    wait_for(&mut harness, "the second plan", Duration::from_secs(120), |app| {
        planned(app) && app.chat.cards.len() == 2
    });
    let card = harness.state().chat.cards.last().unwrap();
    let review = card.review().unwrap();
    assert!(review.steps().is_empty(), "nothing to run: {:?}", review.steps());
    assert!(
        !matches!(review.verdict, cloudops_app::client::Verdict::Ready { .. }),
        "refused or blocked: {:?}",
        review.verdict
    );
    assert!(harness.query_by_role_and_label(Role::Button, "Approve").is_none());
    assert!(harness.query_by_role_and_label(Role::Button, "Dry-run").is_none());

    harness.state_mut().refresh();
    wait_for(&mut harness, "the history", Duration::from_secs(30), |app| app.is_idle());
    let events = audited(harness.state());
    assert!(!events.iter().any(|e| matches!(e, AuditEvent::Approval { .. } | AuditEvent::ExecutionStarted { .. })));
    assert!(harness.state().monitor.runs.is_empty());
    assert_eq!(db_status(&estate.aws, "staging", "pg-instance-main1"), "available");
}

#[test]
fn a_high_risk_plan_runs_only_once_the_target_is_named() {
    let estate = estate(2);
    let prod = &estate.accounts[1];
    // A running, named production instance (stopping one is high risk).
    let (name, id) = observe::running_instance(&estate.manifest, prod);
    let (name, id) = (name.as_str(), id.as_str());
    let mut harness = app(&estate);
    sync_through_the_guide(&mut harness);
    type_message(&mut harness, &format!("stop {name}"));
    wait_for(&mut harness, "the plan", Duration::from_secs(120), planned);
    let review = harness.state().chat.cards.last().unwrap().review().unwrap().clone();
    assert!(
        matches!(review.verdict, cloudops_app::client::Verdict::Ready { risk: cloudops_domain::RiskLevel::High, .. }),
        "{:?}",
        review.verdict
    );
    assert!(harness.query_by_label_contains("env=production").is_some(), "the environment is in view");

    // Approve asks for the name; a wrong one leaves the button disabled and nothing runs.
    harness.get_by_role_and_label(Role::Button, "Approve").click();
    harness.run();
    let confirm = harness.get_by_role_and_label(Role::TextInput, "Confirm:");
    confirm.type_text("prod");
    harness.run();
    let button = harness.get_by_label("Approve and run");
    assert!(button.accesskit_node().is_disabled(), "a wrong name does not approve");
    button.click();
    harness.run();
    assert!(harness.state().monitor.runs.is_empty(), "nothing started");
    assert_eq!(instance_state(&estate.aws, "prod", id), "running");

    // Esc backs out of the confirmation; the plan can be approved again, with its name.
    harness.key_press(egui::Key::Escape);
    harness.run();
    assert!(harness.query_by_role_and_label(Role::TextInput, "Confirm:").is_none());
    harness.get_by_role_and_label(Role::Button, "Approve").click();
    harness.run();
    harness.get_by_role_and_label(Role::TextInput, "Confirm:").type_text(name);
    harness.run();
    harness.get_by_label("Approve and run").click();
    wait_for(&mut harness, "the execution", Duration::from_secs(180), |app| {
        app.is_idle() && app.monitor.runs.first().is_some_and(|r| !r.running())
    });
    let run = &harness.state().monitor.runs[0];
    assert_eq!(run.state, cloudops_desktop::RunState::Finished(Outcome::Succeeded), "{:?}", run.steps);
    assert_eq!(instance_state(&estate.aws, "prod", id), "stopped");
}

#[test]
fn an_unreachable_planning_server_is_one_line_on_the_card_and_the_window_goes_on() {
    let estate = estate(1);
    let mut options = options(&estate);
    // Nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    options.server = Some(format!("http://{closed}"));
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .with_max_steps(10_000)
        .build_eframe(move |cc| DesktopApp::new(cc, options).expect("the app starts"));
    sync_through_the_guide(&mut harness);
    type_message(&mut harness, "stop pg-instance-main1");
    wait_for(&mut harness, "the answer", Duration::from_secs(120), |app| {
        app.is_idle() && app.chat.cards.last().and_then(|c| c.problem()).is_some()
    });
    let problem = harness.state().chat.cards.last().unwrap().problem().unwrap().clone();
    assert!(!problem.text.contains('\n'), "one line: {}", problem.text);
    assert!(
        problem.text.contains(&closed.to_string()) || problem.text.to_lowercase().contains("server"),
        "{}",
        problem.text
    );
    assert!(harness.query_by_label_contains(&problem.text).is_some(), "shown on the card");
    // The window still answers: the explorer opens.
    harness.get_by_role_and_label(Role::Button, "Resources").click();
    harness.run();
    assert_eq!(harness.state().panel, Panel::Explorer);
}
