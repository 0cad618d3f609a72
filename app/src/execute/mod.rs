//! The execution engine: runs a checked, approved plan in the background with the user's
//! credentials, streaming events, writing every call to the audit log.
//!
//! `Engine::start` checks the approval (bound to the plan's digest, unexpired, never used
//! before — in this process or in the audit log) and that a profile reaches every account,
//! records the start, and returns an [`Execution`] at once: its id, the event stream and the
//! task's handle. Steps run serially, in parallel, or as their dependencies allow; waits poll
//! the resources' state until it is reached or the step's timeout passes; the first failure
//! stops the plan (nothing new starts) and, when the plan has rollback steps and something
//! already changed, runs them. `Engine::cancel` stops waits and pending steps (a call already
//! made is not undone).

mod events;
mod run;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloudops_domain::AccountId;
use cloudops_domain::approval::{Approval, ApprovalError, needs_approval, plan_digest};
use cloudops_ports::{AuditEvent, AuditLog, Clock, Executor, PortError, Profile};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tokio::sync::{mpsc, watch};

pub use events::{ExecutionEvent, ExecutionReport, ExecutionStatus, StepReport};

use crate::checked::CheckedPlan;

/// How steps are scheduled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// One at a time, in dependency order.
    Serial,
    /// All at once; refused when steps depend on each other.
    Parallel,
    /// Each step as soon as the steps it depends on have finished (the default).
    #[default]
    Dependencies,
}

impl std::str::FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "serial" => Ok(Self::Serial),
            "parallel" => Ok(Self::Parallel),
            "dependencies" => Ok(Self::Dependencies),
            other => Err(format!("unknown strategy '{other}': use serial, parallel or dependencies")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub strategy: Strategy,
    /// Make EC2 calls with DryRun=true and no other call; waits are skipped.
    pub dry_run: bool,
    /// Run the plan's rollback steps when a step fails after others changed something.
    pub rollback_on_failure: bool,
    /// How often a wait polls the resource's state.
    pub poll_interval: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            strategy: Strategy::default(),
            dry_run: false,
            rollback_on_failure: true,
            poll_interval: Duration::from_secs(2),
        }
    }
}

/// Why an execution did not start. Nothing ran.
#[derive(Debug, Error)]
pub enum StartError {
    #[error(transparent)]
    Approval(#[from] ApprovalError),
    #[error("no AWS profile reaches account {0}: add one to your AWS config and run `cloudops sync`, then plan again")]
    NoProfile(AccountId),
    #[error("the parallel strategy cannot run steps that depend on each other: use serial or dependencies")]
    ParallelWithDependencies,
    #[error("the plan has no steps to run")]
    Empty,
    #[error(transparent)]
    Audit(#[from] PortError),
}

/// A started execution: its id, its events (ending with `Finished`), and its result.
#[derive(Debug)]
pub struct Execution {
    pub id: String,
    pub events: mpsc::UnboundedReceiver<ExecutionEvent>,
    pub handle: tokio::task::JoinHandle<ExecutionReport>,
}

/// Runs checked plans. One per process; it remembers the approvals it used and can cancel
/// the executions it started.
pub struct Engine {
    executor: Arc<dyn Executor>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    used: Mutex<HashSet<String>>,
    running: Arc<Mutex<HashMap<String, watch::Sender<bool>>>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Engine {
    pub fn new(executor: Arc<dyn Executor>, audit: Arc<dyn AuditLog>, clock: Arc<dyn Clock>) -> Self {
        Self { executor, audit, clock, used: Mutex::default(), running: Arc::default() }
    }

    async fn refuse(&self, digest: &str, error: StartError) -> StartError {
        let event = AuditEvent::Refusal { digest: Some(digest.to_owned()), reason: error.to_string() };
        match self.audit.append(self.clock.now(), event).await {
            Ok(_) => error,
            Err(e) => StartError::Audit(e),
        }
    }

    /// Whether the audit log already records an execution with this approval.
    async fn used_in_log(&self, approval_id: &str) -> Result<bool, PortError> {
        let entries = self.audit.entries().await?;
        Ok(entries
            .iter()
            .any(|e| matches!(&e.event, AuditEvent::ExecutionStarted { approval_id: a, .. } if a == approval_id)))
    }

    /// Checks and starts an execution (see the module docs). `approval` may be `None` only
    /// for a dry run or a plan that changes nothing.
    pub async fn start(
        &self,
        plan: CheckedPlan,
        approval: Option<Approval>,
        profiles: &BTreeMap<AccountId, Profile>,
        options: RunOptions,
    ) -> Result<Execution, StartError> {
        let digest = plan_digest(plan.response());
        if !plan.is_runnable() {
            return Err(StartError::Empty);
        }
        let now = self.clock.now();
        let approval_id = match &approval {
            Some(a) => {
                let used =
                    self.used.lock().map(|u| u.contains(&a.id)).unwrap_or(true) || self.used_in_log(&a.id).await?;
                if let Err(e) = a.check(plan.response(), now, used) {
                    return Err(self.refuse(&digest, e.into()).await);
                }
                a.id.clone()
            }
            None if options.dry_run || !needs_approval(plan.response()) => "none".to_owned(),
            None => return Err(self.refuse(&digest, ApprovalError::Missing.into()).await),
        };
        let steps = &plan.response().script.steps;
        if options.strategy == Strategy::Parallel && steps.iter().any(|s| !s.depends_on.is_empty()) {
            return Err(StartError::ParallelWithDependencies);
        }
        let rollback_steps = plan.response().rollback.iter().flat_map(|r| &r.steps);
        for step in steps.iter().chain(rollback_steps) {
            if !profiles.contains_key(&step.call.account_id) {
                return Err(self.refuse(&digest, StartError::NoProfile(step.call.account_id.clone())).await);
            }
        }
        if let Some(a) = &approval
            && !self.used.lock().map(|mut u| u.insert(a.id.clone())).unwrap_or(false)
        {
            let used = ApprovalError::Used { id: a.id.clone() };
            return Err(self.refuse(&digest, used.into()).await);
        }
        let id = uuid::Uuid::new_v4().to_string();
        let started =
            AuditEvent::ExecutionStarted { execution_id: id.clone(), approval_id, digest, dry_run: options.dry_run };
        self.audit.append(now, started).await?;
        let (cancel_tx, cancel_rx) = watch::channel(false);
        if let Ok(mut running) = self.running.lock() {
            running.insert(id.clone(), cancel_tx);
        }
        let (events_tx, events) = mpsc::unbounded_channel();
        let runner = run::Runner {
            id: id.clone(),
            executor: self.executor.clone(),
            audit: self.audit.clone(),
            clock: self.clock.clone(),
            profiles: profiles.clone(),
            options,
            events: events_tx,
            cancel: cancel_rx,
        };
        let running = self.running.clone();
        let response = plan.response().clone();
        let handle = tokio::spawn(async move {
            let report = runner.run(&response).await;
            if let Ok(mut running) = running.lock() {
                running.remove(&report.execution_id);
            }
            report
        });
        Ok(Execution { id, events, handle })
    }

    /// Cancels a running execution: pending steps are skipped, waits stop. Answers whether
    /// it was running.
    pub fn cancel(&self, execution_id: &str) -> bool {
        self.running
            .lock()
            .ok()
            .and_then(|running| running.get(execution_id).map(|tx| tx.send(true).is_ok()))
            .unwrap_or(false)
    }
}
