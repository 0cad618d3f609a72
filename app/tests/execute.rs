//! The execution engine's rules, with the real plan guard, playbooks, agent and sealed audit
//! log, and a recording executor in place of AWS (the e2e tests in apps/cli run it against
//! moto): approvals (bound, expiring, single-use, required), strategies, waits, stop-on-failure,
//! rollback, cancellation, and the audit trail of each.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use cloudops_app::checked::CheckedPlan;
use cloudops_app::execute::{Engine, ExecutionEvent, ExecutionStatus, RunOptions, StartError, Strategy};
use cloudops_audit::FileAuditLog;
use cloudops_crypto::{DataKey, KeyRing};
use cloudops_domain::agent::instantiate;
use cloudops_domain::approval::{Approval, ApprovalError, ApprovalMode};
use cloudops_domain::testing::resource_in;
use cloudops_domain::{AccountId, Catalog, IamAction, IdentifiedResource, PlanRequest, ResourceKind, UserContext};
use cloudops_playbooks::BuiltinPlaybookSource;
use cloudops_ports::{
    AuditEvent, AuditLog, CallOutcome, Clock, Executor, PlaybookSource, PortError, PortResult, Profile,
};
use serde_json::json;

const ACCOUNT: &str = "111111111111";

/// Records calls; fails the operations in `fail`; `observe` answers `state`.
#[derive(Default)]
struct Recorder {
    calls: Mutex<Vec<String>>,
    fail: HashSet<&'static str>,
    state: Mutex<String>,
    delay: Duration,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl Recorder {
    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

#[async_trait]
impl Executor for Recorder {
    async fn call(&self, _: &Profile, step: &cloudops_domain::PlanStep, dry_run: bool) -> PortResult<CallOutcome> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let op = step.call.operation.clone();
        self.calls.lock().unwrap().push(format!("{op}{}", if dry_run { " (dry run)" } else { "" }));
        if self.fail.contains(op.as_str()) {
            return Err(PortError::Other(format!("{op}: InvalidState")));
        }
        Ok(CallOutcome { output: json!({"ok": op}), dry_run: dry_run.then(|| "DryRunOperation".into()) })
    }

    async fn observe(&self, _: &Profile, _: &cloudops_domain::PlanStep) -> PortResult<Vec<String>> {
        Ok(vec![self.state.lock().unwrap().clone()])
    }
}

struct FixedClock(Mutex<DateTime<Utc>>);
impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
}

fn catalog() -> Catalog {
    BuiltinPlaybookSource.load().unwrap()
}

fn instance(name: &str, region: &str) -> IdentifiedResource {
    let mut r = resource_in(ResourceKind::Ec2Instance, name, "running", ACCOUNT, region);
    r.config.instance_type = Some("t3.small".into());
    let mut r = IdentifiedResource::from_resource(&r, 1.0);
    r.constraints.can_stop = true;
    for action in ["ec2:StopInstances", "ec2:StartInstances", "ec2:ModifyInstanceAttribute"] {
        r.iam_permissions.allowed.insert(action.parse::<IamAction>().unwrap());
    }
    r
}

/// The agent's plan for `prompt` with `playbook` on `resources`, through the guard.
fn plan(playbook: &str, prompt: &str, resources: Vec<IdentifiedResource>) -> CheckedPlan {
    let catalog = catalog();
    let request = PlanRequest {
        prompt: prompt.into(),
        identified_resources: resources.clone(),
        user_context: UserContext::default(),
    };
    let response = instantiate(catalog.get(playbook).unwrap(), &catalog.version, &request, t0());
    assert!(!response.script.steps.is_empty(), "{response:#?}");
    CheckedPlan::check(prompt, response, &resources, &catalog).unwrap()
}

struct World {
    executor: Arc<Recorder>,
    audit: Arc<FileAuditLog>,
    clock: Arc<FixedClock>,
    engine: Engine,
    _dir: tempfile::TempDir,
}

fn world(executor: Recorder) -> World {
    let dir = tempfile::tempdir().unwrap();
    let ring = Arc::new(std::sync::RwLock::new(KeyRing::new(DataKey::generate("test", 1), vec![])));
    let audit = Arc::new(FileAuditLog::new(dir.path(), ring));
    let executor = Arc::new(executor);
    let clock = Arc::new(FixedClock(Mutex::new(t0())));
    let engine = Engine::new(executor.clone(), audit.clone(), clock.clone());
    World { executor, audit, clock, engine, _dir: dir }
}

fn profiles() -> BTreeMap<AccountId, Profile> {
    BTreeMap::from([(ACCOUNT.parse().unwrap(), Profile("ops".into()))])
}

fn options() -> RunOptions {
    RunOptions { poll_interval: Duration::from_millis(20), ..RunOptions::default() }
}

fn approve(plan: &CheckedPlan, id: &str) -> Approval {
    Approval::grant(id.into(), plan.response(), "tester", ApprovalMode::Interactive, false, t0()).unwrap()
}

async fn events_of(mut execution: cloudops_app::execute::Execution) -> (Vec<ExecutionEvent>, ExecutionStatus) {
    let mut events = Vec::new();
    while let Some(e) = execution.events.recv().await {
        events.push(e);
    }
    let report = execution.handle.await.unwrap();
    (events, report.status)
}

async fn audit_kinds(audit: &FileAuditLog) -> Vec<String> {
    let entries = audit.entries().await.unwrap();
    entries.iter().map(|e| serde_json::to_value(&e.event).unwrap()["event"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn an_approved_plan_runs_waits_and_is_audited() {
    let w = world(Recorder { state: Mutex::new("stopped".into()), ..Recorder::default() });
    let plan = plan("ec2-stop-instances", "stop web-1", vec![instance("web-1", "us-east-1")]);
    let approval = approve(&plan, "a1");
    let execution = w.engine.start(plan, Some(approval), &profiles(), options()).await.unwrap();
    assert!(!execution.id.is_empty());
    let (events, status) = events_of(execution).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    let names: Vec<String> = events.iter().map(|e| serde_json::to_value(e).unwrap()["event"].to_string()).collect();
    assert_eq!(
        names,
        ["\"step_started\"", "\"step_output\"", "\"waiting\"", "\"step_finished\"", "\"finished\""],
        "{events:?}"
    );
    assert!(matches!(&events[3], ExecutionEvent::StepFinished { reached_state: Some(s), .. } if s == "stopped"));
    assert_eq!(w.executor.calls(), ["StopInstances"]);
    assert_eq!(audit_kinds(&w.audit).await, ["execution_started", "call", "execution_finished"]);
    assert!(w.audit.verify().await.unwrap().intact());
}

#[tokio::test]
async fn an_expired_approval_runs_nothing() {
    let w = world(Recorder::default());
    let plan = plan("ec2-stop-instances", "stop web-1", vec![instance("web-1", "us-east-1")]);
    let approval = approve(&plan, "a1");
    *w.clock.0.lock().unwrap() = t0() + chrono::Duration::minutes(11);
    let err = w.engine.start(plan, Some(approval), &profiles(), options()).await.unwrap_err();
    assert!(matches!(err, StartError::Approval(ApprovalError::Expired { .. })), "{err}");
    assert!(err.to_string().contains("plan again"), "{err}");
    assert!(w.executor.calls().is_empty());
    assert_eq!(audit_kinds(&w.audit).await, ["refusal"]);
}

#[tokio::test]
async fn an_approval_runs_its_plan_once_even_across_processes() {
    let w = world(Recorder { state: Mutex::new("stopped".into()), ..Recorder::default() });
    let p = plan("ec2-stop-instances", "stop web-1", vec![instance("web-1", "us-east-1")]);
    let approval = approve(&p, "once");
    let first = w.engine.start(p.clone(), Some(approval.clone()), &profiles(), options()).await.unwrap();
    assert_eq!(events_of(first).await.1, ExecutionStatus::Succeeded);
    let again = w.engine.start(p.clone(), Some(approval.clone()), &profiles(), options()).await.unwrap_err();
    assert!(matches!(again, StartError::Approval(ApprovalError::Used { .. })), "{again}");
    // Another engine (another process) on the same audit log knows it too.
    let other = Engine::new(w.executor.clone(), w.audit.clone(), w.clock.clone());
    let again = other.start(p, Some(approval), &profiles(), options()).await.unwrap_err();
    assert!(matches!(again, StartError::Approval(ApprovalError::Used { .. })), "{again}");
    assert_eq!(w.executor.calls(), ["StopInstances"]);
}

#[tokio::test]
async fn an_approval_of_another_plan_is_refused() {
    let w = world(Recorder::default());
    let approved = plan("ec2-stop-instances", "stop web-1", vec![instance("web-1", "us-east-1")]);
    let other = plan("ec2-stop-instances", "stop web-2", vec![instance("web-2", "us-east-1")]);
    let approval = approve(&approved, "a1");
    let err = w.engine.start(other, Some(approval), &profiles(), options()).await.unwrap_err();
    assert!(matches!(err, StartError::Approval(ApprovalError::Mismatch { .. })), "{err}");
    assert!(w.executor.calls().is_empty());
}

#[tokio::test]
async fn a_mutating_plan_needs_approval_but_a_dry_run_does_not() {
    let w = world(Recorder::default());
    let p = plan("ec2-stop-instances", "stop web-1", vec![instance("web-1", "us-east-1")]);
    let err = w.engine.start(p.clone(), None, &profiles(), options()).await.unwrap_err();
    assert!(matches!(err, StartError::Approval(ApprovalError::Missing)), "{err}");
    assert!(w.executor.calls().is_empty());
    let dry = RunOptions { dry_run: true, ..options() };
    let (events, status) = events_of(w.engine.start(p, None, &profiles(), dry).await.unwrap()).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert!(!events.iter().any(|e| matches!(e, ExecutionEvent::Waiting { .. })), "a dry run does not wait");
    assert_eq!(w.executor.calls(), ["StopInstances (dry run)"]);
}

#[tokio::test]
async fn no_profile_for_the_account_runs_nothing() {
    let w = world(Recorder::default());
    let p = plan("ec2-stop-instances", "stop web-1", vec![instance("web-1", "us-east-1")]);
    let approval = approve(&p, "a1");
    let err = w.engine.start(p, Some(approval), &BTreeMap::new(), options()).await.unwrap_err();
    assert!(matches!(err, StartError::NoProfile(_)), "{err}");
    assert!(w.executor.calls().is_empty());
}

#[tokio::test]
async fn a_failed_step_stops_the_plan_and_the_rollback_runs() {
    let w = world(Recorder {
        fail: HashSet::from(["ModifyInstanceAttribute"]),
        state: Mutex::new("stopped".into()),
        ..Recorder::default()
    });
    let p = plan("ec2-resize-instance", "resize web-1 to m5.large", vec![instance("web-1", "us-east-1")]);
    let approval = approve(&p, "a1");
    let (events, status) = events_of(w.engine.start(p, Some(approval), &profiles(), options()).await.unwrap()).await;
    // stop ok → modify fails → start skipped → rollback (stop, restore type, start) — the
    // rollback's restore fails the same way here, so the rollback itself fails.
    assert!(events.iter().any(|e| matches!(e, ExecutionEvent::StepSkipped { step, .. } if step.contains("start"))));
    assert!(events.iter().any(|e| matches!(e, ExecutionEvent::RollbackStarted { .. })), "{events:?}");
    assert_eq!(status, ExecutionStatus::RollbackFailed);
    let calls = w.executor.calls();
    assert_eq!(calls[..2], ["StopInstances", "ModifyInstanceAttribute"], "{calls:?}");
    assert!(calls[2..].contains(&"StopInstances".to_owned()), "the rollback ran: {calls:?}");
    let entries = w.audit.entries().await.unwrap();
    let rollback_calls = entries.iter().filter(|e| matches!(&e.event, AuditEvent::Call { rollback: true, .. })).count();
    assert!(rollback_calls >= 2, "rollback calls are audited");
    assert!(
        matches!(&entries.last().unwrap().event, AuditEvent::ExecutionFinished { status, .. } if status == "rollback_failed")
    );
}

#[tokio::test]
async fn a_wait_that_never_ends_times_out_and_fails_the_step() {
    let w = world(Recorder { state: Mutex::new("stopping".into()), ..Recorder::default() });
    let mut p = plan("ec2-stop-instances", "stop web-1", vec![instance("web-1", "us-east-1")]);
    let approval = approve(&p, "a1");
    p = shorten_waits(p);
    let (events, status) = events_of(w.engine.start(p, Some(approval), &profiles(), options()).await.unwrap()).await;
    assert!(
        events.iter().any(|e| matches!(e, ExecutionEvent::StepFailed { error, .. } if error.contains("timed out"))),
        "{events:?}"
    );
    // The stop call was made, so the rollback (start) runs — and its wait times out too.
    assert_eq!(status, ExecutionStatus::RollbackFailed);
    assert_eq!(w.executor.calls(), ["StopInstances", "StartInstances"]);
}

/// The same plan with 1-second waits (waits are not part of the approved digest: they do not
/// change what is called).
fn shorten_waits(plan: CheckedPlan) -> CheckedPlan {
    let mut response = plan.response().clone();
    let rollback = response.rollback.iter_mut().flat_map(|r| &mut r.steps);
    for step in response.script.steps.iter_mut().chain(rollback) {
        if let Some(w) = &mut step.wait {
            w.timeout_seconds = 1;
        }
    }
    // Re-checked without a prompt: only the calls are compared.
    CheckedPlan::check("", response, plan.identified(), &catalog()).unwrap()
}

#[tokio::test]
async fn cancelling_stops_the_wait_and_skips_the_rest() {
    let w = world(Recorder { state: Mutex::new("stopping".into()), ..Recorder::default() });
    let p = plan("ec2-resize-instance", "resize web-1 to m5.large", vec![instance("web-1", "us-east-1")]);
    let approval = approve(&p, "a1");
    let mut execution = w.engine.start(p, Some(approval), &profiles(), options()).await.unwrap();
    let mut events = Vec::new();
    while let Some(e) = execution.events.recv().await {
        if matches!(e, ExecutionEvent::Waiting { .. }) {
            assert!(w.engine.cancel(&execution.id));
        }
        events.push(e);
    }
    let report = execution.handle.await.unwrap();
    assert_eq!(report.status, ExecutionStatus::Cancelled, "{events:?}");
    assert_eq!(w.executor.calls(), ["StopInstances"], "nothing after the cancel");
    assert_eq!(events.iter().filter(|e| matches!(e, ExecutionEvent::StepSkipped { .. })).count(), 2, "{events:?}");
    assert!(!w.engine.cancel(&execution.id), "a finished execution is not running");
}

#[tokio::test]
async fn strategies_schedule_independent_steps_serially_or_at_once() {
    let resources = vec![instance("web-1", "us-east-1"), instance("web-2", "eu-west-1")];
    let p = plan("ec2-stop-instances", "stop web-1 and web-2", resources);
    assert_eq!(p.response().script.steps.len(), 2, "one step per region");
    for (strategy, expected) in [(Strategy::Serial, 1), (Strategy::Parallel, 2), (Strategy::Dependencies, 2)] {
        let w = world(Recorder {
            state: Mutex::new("stopped".into()),
            delay: Duration::from_millis(150),
            ..Recorder::default()
        });
        let approval = approve(&p, "a1");
        let run = RunOptions { strategy, ..options() };
        let (_, status) = events_of(w.engine.start(p.clone(), Some(approval), &profiles(), run).await.unwrap()).await;
        assert_eq!(status, ExecutionStatus::Succeeded);
        assert_eq!(w.executor.max_in_flight.load(Ordering::SeqCst), expected, "{strategy:?}");
    }
    // Steps that depend on each other cannot run in parallel.
    let w = world(Recorder::default());
    let resize = plan("ec2-resize-instance", "resize web-1 to m5.large", vec![instance("web-1", "us-east-1")]);
    let approval = approve(&resize, "a1");
    let run = RunOptions { strategy: Strategy::Parallel, ..options() };
    let err = w.engine.start(resize, Some(approval), &profiles(), run).await.unwrap_err();
    assert!(matches!(err, StartError::ParallelWithDependencies), "{err}");
}
