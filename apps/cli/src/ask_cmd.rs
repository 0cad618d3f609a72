//! `cloudops ask` and `cloudops exec`: a plan (fresh, or from a plan file) → the client's
//! plan guard → shown → approved → executed with the user's profiles → the affected
//! resources re-synced and their state reported. Every step is in the audit log.

use std::collections::BTreeMap;
use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::sync::Arc;

use anyhow::Context as _;
use cloudops_app::checked::CheckedPlan;
use cloudops_app::execute::{Engine, ExecutionEvent, ExecutionReport, ExecutionStatus, RunOptions, Strategy};
use cloudops_app::plan_file::SavedPlan;
use cloudops_app::sync::{DEFAULT_CONCURRENCY, SyncRequest};
use cloudops_app::{AppPaths, Config, status};
use cloudops_audit::FileAuditLog;
use cloudops_aws::AwsExecutor;
use cloudops_domain::approval::{Approval, ApprovalMode, needs_approval, plan_digest};
use cloudops_domain::{AccountId, Catalog, IdentifiedResource, PlanResponse, Region, ResourceKind};
use cloudops_playbooks::{BuiltinPlaybookSource, DirPlaybookSource};
use cloudops_ports::{AuditEvent, AuditLog, Clock, PlaybookSource, Profile, SecretStore, SystemClock};
use cloudops_qdrant::SharedKeyRing;
use serde::Serialize;

use crate::plan_cmd::PlanOutput;
use crate::{stores, sync_cmd};

/// The flags `ask` and `exec` share.
#[derive(Debug, Clone)]
pub struct RunFlags {
    pub yes: bool,
    pub allow_high_risk: bool,
    pub dry_run: bool,
    pub strategy: Strategy,
    pub json: bool,
}

/// How it ended, for scripts: `--json`'s `outcome` and the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The planner asks a question (e.g. which of two resources): nothing ran.
    Question,
    /// The planner refused (IAM deny, failed precondition): nothing ran.
    Blocked,
    /// The client's plan guard or approval check refused the plan: nothing ran.
    Refused,
    /// The user answered no at the prompt.
    Declined,
    NothingToRun,
    DryRun,
    Succeeded,
    Failed,
    RolledBack,
    RollbackFailed,
    Cancelled,
}

impl Outcome {
    /// 0 for success (and a completed dry run), 2 when nothing ran by decision, 1 on failure.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Succeeded | Self::DryRun | Self::NothingToRun => 0,
            Self::Question | Self::Blocked | Self::Refused | Self::Declined => 2,
            Self::Failed | Self::RolledBack | Self::RollbackFailed | Self::Cancelled => 1,
        }
    }
}

/// A resource's state after the execution, from the re-sync.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceAfter {
    pub arn: String,
    pub state: Option<String>,
}

/// `--json` output of `ask` and `exec` (a public interface: keep the field names).
#[derive(Debug, Serialize)]
pub struct RunOutput {
    pub outcome: Outcome,
    pub prompt: String,
    pub planner: String,
    pub digest: String,
    pub plan: PlanResponse,
    pub identified_resources: Vec<IdentifiedResource>,
    pub warnings: Vec<String>,
    /// Why the client refused, when it did.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refusal: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution: Option<ExecutionReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources_after: Vec<ResourceAfter>,
}

/// The client's own playbooks: the configured directory, else the built-in ones.
pub fn client_catalog(config: &Config) -> anyhow::Result<Catalog> {
    let source: Box<dyn PlaybookSource> = match &config.server.playbooks {
        Some(dir) => Box::new(DirPlaybookSource::new(dir)),
        None => Box::new(BuiltinPlaybookSource),
    };
    source.load().context("cannot load the client's playbooks (the plan guard needs them)")
}

/// The audit log of this data dir, sealed with the store's key.
pub async fn audit_log(paths: &AppPaths, secrets: &dyn SecretStore) -> anyhow::Result<FileAuditLog> {
    Ok(FileAuditLog::new(paths.data_dir.clone(), stores::ring(paths, secrets).await?))
}

fn user_name() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into())
}

/// Asks on the terminal; only an explicit "yes" approves.
fn confirm(steps: usize) -> anyhow::Result<bool> {
    eprint!("Run these {steps} call(s) with your AWS credentials? Type 'yes' to approve: ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim().eq_ignore_ascii_case("yes"))
}

pub struct Planned {
    pub prompt: String,
    pub planner: String,
    pub identified: Vec<IdentifiedResource>,
    pub response: PlanResponse,
}

impl From<SavedPlan> for Planned {
    fn from(saved: SavedPlan) -> Self {
        Self {
            prompt: saved.prompt,
            planner: saved.planner,
            identified: saved.identified_resources,
            response: saved.response,
        }
    }
}

impl Planned {
    pub fn new(prompt: String, output: PlanOutput) -> Self {
        Self { prompt, planner: output.planner, identified: output.identified_resources, response: output.response }
    }
}

/// `cloudops exec FILE`: the plan file must open with this store's key, match its seal and be
/// fresh (a refusal is audited), then it runs as `ask` runs a fresh plan.
pub async fn exec(
    paths: &AppPaths,
    config: &Config,
    secrets: &dyn SecretStore,
    file: &std::path::Path,
    flags: &RunFlags,
) -> anyhow::Result<RunOutput> {
    let ring = stores::ring(paths, secrets).await?;
    let read = {
        let keys = stores::read_keys(&ring)?;
        SavedPlan::read(file, &keys, chrono::Utc::now())
    };
    match read {
        Ok(saved) => run(paths, config, ring, saved.into(), flags).await,
        Err(e) => {
            let audit = FileAuditLog::new(paths.data_dir.clone(), ring);
            audit.append(chrono::Utc::now(), AuditEvent::Refusal { digest: None, reason: e.to_string() }).await?;
            Err(e.into())
        }
    }
}
/// Guard → show → approve → execute → re-sync, for a plan in hand. Text goes to stdout as it
/// happens (unless `--json`, which prints one object at the end).
/// `ring` is the store's key ring, loaded once for the audit log, the sync statuses and the
/// re-sync.
pub async fn run(
    paths: &AppPaths,
    config: &Config,
    ring: SharedKeyRing,
    planned: Planned,
    flags: &RunFlags,
) -> anyhow::Result<RunOutput> {
    let clock = SystemClock;
    let audit = FileAuditLog::new(paths.data_dir.clone(), ring.clone());
    let response = &planned.response;
    let digest = plan_digest(response);
    audit
        .append(
            clock.now(),
            AuditEvent::Request {
                prompt: planned.prompt.clone(),
                identified: planned.identified.iter().map(|r| r.arn.to_string()).collect(),
                planner: planned.planner.clone(),
            },
        )
        .await?;
    audit.append(clock.now(), plan_event(response, &digest)).await?;
    let mut out = RunOutput {
        outcome: Outcome::NothingToRun,
        prompt: planned.prompt.clone(),
        planner: planned.planner.clone(),
        digest: digest.clone(),
        plan: response.clone(),
        identified_resources: planned.identified.clone(),
        warnings: response.warnings.clone(),
        refusal: Vec::new(),
        approval: None,
        execution: None,
        resources_after: Vec::new(),
    };
    if response.clarification.is_some() || !response.blocked.is_empty() {
        out.outcome = if response.clarification.is_some() { Outcome::Question } else { Outcome::Blocked };
        if !flags.json {
            print!("{}", crate::plan_cmd::render_response(response));
        }
        return Ok(out);
    }
    let catalog = client_catalog(config)?;
    let checked = match CheckedPlan::check(planned.response.clone(), &planned.identified, &catalog) {
        Ok(checked) => checked,
        Err(refusal) => {
            audit
                .append(clock.now(), AuditEvent::Refusal { digest: Some(digest), reason: refusal.to_string() })
                .await?;
            out.outcome = Outcome::Refused;
            out.refusal = refusal.reasons.iter().map(ToString::to_string).collect();
            if !flags.json {
                println!("refused: the plan failed the client's checks and nothing ran:");
                for r in &out.refusal {
                    println!("  - {r}");
                }
            }
            return Ok(out);
        }
    };
    out.warnings = checked.warnings();
    if !checked.is_runnable() {
        if !flags.json {
            print!("{}", crate::plan_cmd::render_response(response));
        }
        return Ok(out);
    }
    if !flags.json {
        print!("{}", render_plan(&checked));
    }
    let approval = match approve(&checked, flags, &clock) {
        Ok(Some(approval)) => {
            let event = AuditEvent::Approval {
                approval_id: approval.id.clone(),
                digest: approval.digest.clone(),
                approved_by: approval.approved_by.clone(),
                mode: approval.mode,
                expires_at: approval.expires_at,
            };
            audit.append(clock.now(), event).await?;
            Some(approval)
        }
        Ok(None) => None,
        Err(Refuse::Declined) => {
            audit
                .append(
                    clock.now(),
                    AuditEvent::Refusal { digest: Some(digest), reason: "declined at the prompt".into() },
                )
                .await?;
            out.outcome = Outcome::Declined;
            return Ok(out);
        }
        Err(Refuse::Error(reason)) => {
            audit.append(clock.now(), AuditEvent::Refusal { digest: Some(digest), reason: reason.clone() }).await?;
            if !flags.json {
                println!("refused: {reason}");
            }
            out.outcome = Outcome::Refused;
            out.refusal = vec![reason];
            return Ok(out);
        }
    };
    out.approval = approval.clone();
    let profiles = {
        let keys = stores::read_keys(&ring)?;
        status::profiles_by_account(&sync_cmd::statuses_with(paths, &keys)?)
    };
    let engine = Engine::new(
        Arc::new(AwsExecutor::new(stores::aws_files(paths))),
        Arc::new(audit.clone()),
        Arc::new(SystemClock),
    );
    let scopes = checked.affected_scopes();
    let identified = checked.identified().to_vec();
    let options = RunOptions { strategy: flags.strategy, dry_run: flags.dry_run, ..RunOptions::default() };
    let mut execution = match engine.start(checked, approval, &profiles, options).await {
        Ok(execution) => execution,
        Err(e) => {
            if !flags.json {
                println!("refused: {e}");
            }
            out.outcome = Outcome::Refused;
            out.refusal = vec![e.to_string()];
            return Ok(out);
        }
    };
    if !flags.json {
        println!("execution {}", execution.id);
    }
    let engine = Arc::new(engine);
    let cancel = {
        let (engine, id) = (engine.clone(), execution.id.clone());
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("cancelling: pending steps are skipped, waits stop");
                engine.cancel(&id);
            }
        })
    };
    while let Some(event) = execution.events.recv().await {
        if !flags.json {
            print!("{}", render_event(&event));
        }
    }
    let report = execution.handle.await.context("the execution task failed")?;
    cancel.abort();
    out.outcome = match report.status {
        _ if report.dry_run && report.status == ExecutionStatus::Succeeded => Outcome::DryRun,
        ExecutionStatus::Succeeded => Outcome::Succeeded,
        ExecutionStatus::Failed => Outcome::Failed,
        ExecutionStatus::RolledBack => Outcome::RolledBack,
        ExecutionStatus::RollbackFailed => Outcome::RollbackFailed,
        ExecutionStatus::Cancelled => Outcome::Cancelled,
    };
    let changed = report.steps.iter().any(|s| s.called);
    out.execution = Some(report);
    if changed {
        out.resources_after = resync(paths, ring, &profiles, &scopes, &identified).await?;
        if !flags.json {
            for r in &out.resources_after {
                println!("now: {} is {}", r.arn, r.state.as_deref().unwrap_or("gone"));
            }
        }
    }
    Ok(out)
}

enum Refuse {
    Declined,
    Error(String),
}

fn approve(checked: &CheckedPlan, flags: &RunFlags, clock: &dyn Clock) -> Result<Option<Approval>, Refuse> {
    let response = checked.response();
    if flags.dry_run || !needs_approval(response) {
        return Ok(None);
    }
    let id = uuid::Uuid::new_v4().to_string();
    let grant = |mode| {
        Approval::grant(id.clone(), response, &user_name(), mode, flags.allow_high_risk, clock.now())
            .map_err(|e| Refuse::Error(e.to_string()))
    };
    if flags.yes {
        return grant(ApprovalMode::Preapproved).map(Some);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Refuse::Error(cloudops_domain::approval::ApprovalError::Missing.to_string()));
    }
    match confirm(response.script.steps.len()) {
        Ok(true) => grant(ApprovalMode::Interactive).map(Some),
        Ok(false) => Err(Refuse::Declined),
        Err(e) => Err(Refuse::Error(format!("cannot read the answer: {e}"))),
    }
}

fn plan_event(response: &PlanResponse, digest: &str) -> AuditEvent {
    AuditEvent::Plan {
        playbook: response.playbook.as_ref().map(|p| p.id.clone()),
        version: response.playbook.as_ref().map(|p| p.version.clone()),
        digest: digest.to_owned(),
        risk: format!("{:?}", response.risk_assessment.level).to_lowercase(),
        calls: response.script.steps.iter().map(|s| s.call.clone()).collect(),
        rollback: response.rollback.iter().flat_map(|r| &r.steps).map(|s| s.call.clone()).collect(),
    }
}

/// Re-syncs each affected (account, region) for the affected kinds, then reads the
/// identified resources' states back from the store.
async fn resync(
    paths: &AppPaths,
    ring: SharedKeyRing,
    profiles: &BTreeMap<AccountId, Profile>,
    scopes: &std::collections::BTreeSet<(AccountId, Region, ResourceKind)>,
    identified: &[IdentifiedResource],
) -> anyhow::Result<Vec<ResourceAfter>> {
    let mut by_scope: BTreeMap<(Profile, Region), Vec<ResourceKind>> = BTreeMap::new();
    for (account, region, kind) in scopes {
        if let Some(profile) = profiles.get(account) {
            by_scope.entry((profile.clone(), region.clone())).or_default().push(*kind);
        }
    }
    for ((profile, region), kinds) in by_scope {
        let request = SyncRequest {
            profiles: vec![profile],
            regions: vec![region],
            kinds,
            concurrency: DEFAULT_CONCURRENCY,
            full: false,
            organization: None,
        };
        sync_cmd::sync_and_record(paths, ring.clone(), &request)
            .await
            .context("the change was made, but the re-sync failed")?;
    }
    let stores = stores::open_with(paths, ring)?;
    let mut out = Vec::new();
    for r in identified.iter().filter(|r| scopes.contains(&(r.account_id.clone(), r.region.clone(), r.resource_type))) {
        let point = cloudops_domain::PointId::for_resource(r.resource_type, &r.account_id, &r.region, &r.identifier);
        let stored = cloudops_ports::EstateStore::get(&stores.estate, point).await?;
        out.push(ResourceAfter { arn: r.arn.to_string(), state: stored.map(|s| s.resource.state.to_string()) });
    }
    Ok(out)
}

/// The plan as the user approves it: the explanation, every exact call, the risk.
pub fn render_plan(checked: &CheckedPlan) -> String {
    let r = checked.response();
    let mut out = format!("{}\n", r.explain_plan.trim_end());
    out.push_str("\nCalls (exactly what will run):\n");
    for step in &r.script.steps {
        out.push_str(&format!("  {}: {}\n", step.id, step.cli));
    }
    for w in checked.warnings() {
        if !r.explain_plan.contains(w.as_str()) {
            out.push_str(&format!("warning: {w}\n"));
        }
    }
    out
}

fn render_event(event: &ExecutionEvent) -> String {
    match event {
        ExecutionEvent::StepStarted { step, cli, rollback, .. } => {
            format!("{} {step}: {cli}\n", if *rollback { "rollback" } else { "start" })
        }
        ExecutionEvent::StepOutput { step, dry_run: Some(verdict), .. } => format!("  {step}: dry run: {verdict}\n"),
        ExecutionEvent::StepOutput { step, output, .. } => format!("  {step}: {output}\n"),
        ExecutionEvent::Waiting { step, state, timeout_seconds } => {
            format!("  {step}: waiting for '{state}' (up to {timeout_seconds}s)\n")
        }
        ExecutionEvent::StepFinished { step, reached_state } => match reached_state {
            Some(state) => format!("done  {step}: {state}\n"),
            None => format!("done  {step}\n"),
        },
        ExecutionEvent::StepFailed { step, error } => format!("FAILED {step}: {error}\n"),
        ExecutionEvent::StepSkipped { step, reason } => format!("skip  {step}: {reason}\n"),
        ExecutionEvent::RollbackStarted { reason } => format!("rolling back: {reason}\n"),
        ExecutionEvent::Finished { status } => format!("finished: {}\n", status.as_str()),
    }
}
