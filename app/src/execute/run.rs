//! The background task of one execution: scheduling, calls, waits, rollback, audit.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use cloudops_domain::{AccountId, PlanResponse, PlanStep, WaitFor};
use cloudops_ports::{AuditEvent, AuditLog, Clock, Executor, Profile};
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use super::events::{ExecutionEvent, ExecutionReport, ExecutionStatus, StepReport};
use super::{RunOptions, Strategy};

/// The most of a response the audit log keeps per call.
const DETAIL_CHARS: usize = 2_000;

pub(super) struct Runner {
    pub id: String,
    pub executor: Arc<dyn Executor>,
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
    pub profiles: BTreeMap<AccountId, Profile>,
    pub options: RunOptions,
    pub events: mpsc::UnboundedSender<ExecutionEvent>,
    pub cancel: watch::Receiver<bool>,
}

/// Why a run of steps stopped early.
enum Stop {
    Failed(String),
    Cancelled,
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= DETAIL_CHARS {
        return text;
    }
    let cut: String = text.chars().take(DETAIL_CHARS).collect();
    format!("{cut}…")
}

impl Runner {
    fn emit(&self, event: ExecutionEvent) {
        // A caller that stopped listening does not stop the execution.
        let _ = self.events.send(event);
    }

    fn cancelled(&self) -> bool {
        *self.cancel.borrow()
    }

    async fn audit(&self, event: AuditEvent) -> Result<(), String> {
        self.audit
            .append(self.clock.now(), event)
            .await
            .map(|_| ())
            .map_err(|e| format!("the audit log could not be written, so nothing more runs: {e}"))
    }

    pub(super) async fn run(self, response: &PlanResponse) -> ExecutionReport {
        let mut reports = Vec::new();
        let concurrent = self.options.strategy != Strategy::Serial;
        let outcome = self.run_steps(&response.script.steps, false, concurrent, &mut reports).await;
        let mut status = match &outcome {
            Ok(()) => ExecutionStatus::Succeeded,
            Err(Stop::Cancelled) => ExecutionStatus::Cancelled,
            Err(Stop::Failed(_)) => ExecutionStatus::Failed,
        };
        let rollback = response.rollback.as_ref().map(|r| r.steps.as_slice()).unwrap_or_default();
        let changed_something = reports.iter().any(|r| r.called && !r.rollback);
        if let Err(Stop::Failed(step)) = &outcome
            && self.options.rollback_on_failure
            && !self.options.dry_run
            && changed_something
            && !rollback.is_empty()
        {
            self.emit(ExecutionEvent::RollbackStarted { reason: format!("step '{step}' failed") });
            status = match self.run_steps(rollback, true, false, &mut reports).await {
                Ok(()) => ExecutionStatus::RolledBack,
                Err(_) => ExecutionStatus::RollbackFailed,
            };
        }
        let finished =
            AuditEvent::ExecutionFinished { execution_id: self.id.clone(), status: status.as_str().to_owned() };
        if let Err(e) = self.audit(finished).await {
            tracing::error!("{e}");
        }
        self.emit(ExecutionEvent::Finished { status });
        ExecutionReport { execution_id: self.id.clone(), status, dry_run: self.options.dry_run, steps: reports }
    }

    /// Runs `steps` in dependency order: one at a time, or every ready step at once when
    /// `concurrent`. The first failure stops it: the steps not started are skipped.
    async fn run_steps(
        &self,
        steps: &[PlanStep],
        rollback: bool,
        concurrent: bool,
        reports: &mut Vec<StepReport>,
    ) -> Result<(), Stop> {
        let mut done: BTreeSet<&str> = BTreeSet::new();
        let mut started: BTreeSet<&str> = BTreeSet::new();
        let mut stop = None;
        while started.len() < steps.len() {
            if self.cancelled() {
                stop = Some(Stop::Cancelled);
                break;
            }
            let ready: Vec<&PlanStep> = steps
                .iter()
                .filter(|s| !started.contains(s.id.as_str()))
                .filter(|s| s.depends_on.iter().all(|d| done.contains(d.as_str())))
                .take(if concurrent { usize::MAX } else { 1 })
                .collect();
            if ready.is_empty() {
                // Only reachable with a cycle, which the guard refuses; never spin.
                stop = Some(Stop::Failed("(dependency cycle)".into()));
                break;
            }
            started.extend(ready.iter().map(|s| s.id.as_str()));
            let results = futures::future::join_all(ready.iter().map(|s| self.run_one(s, rollback))).await;
            for (step, report) in ready.iter().zip(results) {
                if report.ok {
                    done.insert(step.id.as_str());
                } else if stop.is_none() {
                    let cancelled = report.error.as_deref() == Some(CANCELLED);
                    stop = Some(if cancelled { Stop::Cancelled } else { Stop::Failed(step.id.clone()) });
                }
                reports.push(report);
            }
            if stop.is_some() {
                break;
            }
        }
        for step in steps.iter().filter(|s| !started.contains(s.id.as_str())) {
            let reason = match &stop {
                Some(Stop::Cancelled) => "the execution was cancelled".to_owned(),
                Some(Stop::Failed(failed)) => format!("step '{failed}' failed"),
                None => "not reached".to_owned(),
            };
            self.emit(ExecutionEvent::StepSkipped { step: step.id.clone(), reason });
        }
        stop.map_or(Ok(()), Err)
    }

    async fn run_one(&self, step: &PlanStep, rollback: bool) -> StepReport {
        let mut report = StepReport {
            step: step.id.clone(),
            rollback,
            called: false,
            ok: false,
            output: Value::Null,
            reached_state: None,
            dry_run: None,
            error: None,
        };
        self.emit(ExecutionEvent::StepStarted {
            step: step.id.clone(),
            description: step.description.clone(),
            cli: step.cli.clone(),
            rollback,
        });
        let Some(profile) = self.profiles.get(&step.call.account_id) else {
            return self.fail(report, format!("no profile for account {}", step.call.account_id));
        };
        let dry_run = self.options.dry_run;
        let result = self.executor.call(profile, step, dry_run).await;
        let (ok, detail) = match &result {
            Ok(outcome) => (true, outcome.dry_run.clone().unwrap_or_else(|| short(&outcome.output))),
            Err(e) => (false, e.to_string()),
        };
        let audited = AuditEvent::Call {
            execution_id: self.id.clone(),
            step: step.id.clone(),
            call: step.call.clone(),
            ok,
            detail,
            rollback,
            dry_run,
        };
        let audit = self.audit(audited).await;
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(e) => return self.fail(report, e.to_string()),
        };
        if let Err(e) = audit {
            return self.fail(report, e);
        }
        self.emit(ExecutionEvent::StepOutput {
            step: step.id.clone(),
            output: outcome.output.clone(),
            dry_run: outcome.dry_run.clone(),
        });
        report.called = !dry_run;
        report.output = outcome.output;
        report.dry_run = outcome.dry_run;
        if let Some(wait) = step.wait.as_ref().filter(|_| !dry_run) {
            self.emit(ExecutionEvent::Waiting {
                step: step.id.clone(),
                state: wait.state.clone(),
                timeout_seconds: wait.timeout_seconds,
            });
            match self.wait(profile, step, wait).await {
                Ok(state) => report.reached_state = state,
                Err(e) => {
                    let event = AuditEvent::Call {
                        execution_id: self.id.clone(),
                        step: step.id.clone(),
                        call: step.call.clone(),
                        ok: false,
                        detail: format!("the call was made, then: {e}"),
                        rollback,
                        dry_run,
                    };
                    let _ = self.audit(event).await;
                    return self.fail(report, e);
                }
            }
        }
        report.ok = true;
        self.emit(ExecutionEvent::StepFinished { step: step.id.clone(), reached_state: report.reached_state.clone() });
        report
    }

    fn fail(&self, mut report: StepReport, error: String) -> StepReport {
        self.emit(ExecutionEvent::StepFailed { step: report.step.clone(), error: error.clone() });
        report.error = Some(error);
        report
    }

    /// Polls the step's resources until every one is in `wait.state`; `None` when the step
    /// names nothing observable.
    async fn wait(&self, profile: &Profile, step: &PlanStep, wait: &WaitFor) -> Result<Option<String>, String> {
        let timeout = Duration::from_secs(u64::from(wait.timeout_seconds));
        let deadline = tokio::time::Instant::now() + timeout;
        let mut cancel = self.cancel.clone();
        loop {
            if *cancel.borrow() {
                return Err(CANCELLED.into());
            }
            let states =
                self.executor.observe(profile, step).await.map_err(|e| format!("cannot observe the state: {e}"))?;
            if states.is_empty() {
                return Ok(None);
            }
            if states.iter().all(|s| s == &wait.state) {
                return Ok(Some(wait.state.clone()));
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(format!(
                    "timed out after {}s waiting for '{}' (now: {})",
                    wait.timeout_seconds,
                    wait.state,
                    states.join(", ")
                ));
            }
            tokio::select! {
                () = tokio::time::sleep(self.options.poll_interval) => {}
                _ = cancel.changed() => {}
            }
        }
    }
}

const CANCELLED: &str = "cancelled while waiting";
