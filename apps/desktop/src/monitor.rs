//! The execution monitor: the runs of this session with their steps streaming live (state,
//! elapsed, the call's answer or error), cancel, and the history from the audit log with the
//! result of `audit verify` as a badge.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cloudops_app::Client;
use cloudops_app::client::{Finished, Outcome, Review, Verdict};
use cloudops_app::execute::{ExecutionEvent, RunOptions};
use cloudops_domain::approval::ApprovalMode;
use cloudops_ports::{AuditEntry, AuditEvent, AuditVerification};

use crate::app::{Action, Msg as AppMsg};
use crate::problem::Problem;
use crate::tasks::Tasks;
use crate::theme;

/// How many audit entries the history shows.
const HISTORY: usize = 200;

/// A run of this session (the execution id comes once it started).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RunId(u64);

impl RunId {
    pub fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A reviewed plan to approve (unless a dry run) and run.
#[derive(Debug)]
pub struct RunRequest {
    pub run: RunId,
    pub title: String,
    pub review: Box<Review>,
    pub dry_run: bool,
}

#[derive(Debug)]
pub enum Msg {
    Started {
        run: RunId,
        execution: Result<String, Problem>,
    },
    /// `at`: when the task received it (frames come later), for the steps' elapsed times.
    Event {
        run: RunId,
        event: ExecutionEvent,
        at: Instant,
    },
    Finished {
        run: RunId,
        result: Result<Finished, Problem>,
    },
    History(Result<Vec<AuditEntry>, Problem>),
    Verified(Result<AuditVerification, Problem>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepState {
    Running,
    Waiting(String),
    Done,
    Failed,
    Skipped,
}

#[derive(Debug, Clone)]
pub struct StepView {
    pub id: String,
    pub description: String,
    pub rollback: bool,
    pub state: StepState,
    started: Instant,
    ended: Option<Instant>,
    /// The call's answer (or AWS's dry-run verdict), the error, or why it was skipped.
    pub detail: Option<String>,
}

impl StepView {
    fn elapsed(&self) -> Duration {
        self.ended.unwrap_or_else(Instant::now) - self.started
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunState {
    /// Approving and starting.
    Starting,
    Running,
    Finished(Outcome),
    /// It never started (approval refused, the engine's checks): nothing ran.
    Refused(Problem),
    /// It ran, then something failed to report (the re-sync).
    Failed(Problem),
}

#[derive(Debug)]
pub struct RunView {
    pub id: RunId,
    pub title: String,
    pub dry_run: bool,
    pub execution: Option<String>,
    pub state: RunState,
    pub steps: Vec<StepView>,
    started: Instant,
    ended: Option<Instant>,
    cancel: Option<tokio::sync::oneshot::Sender<()>>,
    /// The identified resources' states after the re-sync.
    pub after: Vec<(String, Option<String>)>,
}

impl RunView {
    pub fn running(&self) -> bool {
        matches!(self.state, RunState::Starting | RunState::Running)
    }

    fn step(&mut self, id: &str) -> Option<&mut StepView> {
        self.steps.iter_mut().rev().find(|s| s.id == id)
    }

    /// Applies one streamed event, received at `now`.
    pub fn apply(&mut self, event: ExecutionEvent, now: Instant) {
        match event {
            ExecutionEvent::StepStarted { step, description, rollback, .. } => self.steps.push(StepView {
                id: step,
                description,
                rollback,
                state: StepState::Running,
                started: now,
                ended: None,
                detail: None,
            }),
            ExecutionEvent::StepOutput { step, output, dry_run } => {
                if let Some(s) = self.step(&step) {
                    s.detail = Some(dry_run.unwrap_or_else(|| output_line(&output)));
                }
            }
            ExecutionEvent::Waiting { step, state, .. } => {
                if let Some(s) = self.step(&step) {
                    s.state = StepState::Waiting(state);
                }
            }
            ExecutionEvent::StepFinished { step, reached_state } => {
                if let Some(s) = self.step(&step) {
                    s.state = StepState::Done;
                    s.ended = Some(now);
                    if let Some(state) = reached_state {
                        let reached = format!("reached {state}");
                        s.detail = Some(match s.detail.take() {
                            Some(before) => format!("{before} · {reached}"),
                            None => reached,
                        });
                    }
                }
            }
            ExecutionEvent::StepFailed { step, error } => {
                if let Some(s) = self.step(&step) {
                    s.state = StepState::Failed;
                    s.ended = Some(now);
                    s.detail = Some(error);
                }
            }
            ExecutionEvent::StepSkipped { step, reason } => self.steps.push(StepView {
                id: step,
                description: String::new(),
                rollback: false,
                state: StepState::Skipped,
                started: now,
                ended: Some(now),
                detail: Some(reason),
            }),
            ExecutionEvent::RollbackStarted { .. } | ExecutionEvent::Finished { .. } => {}
        }
    }
}

/// A call's answer in a line: AWS's request id first, then the answer.
pub fn output_line(output: &serde_json::Value) -> String {
    let id = output.pointer("/ResponseMetadata/RequestId").and_then(|v| v.as_str());
    let mut rest = output.clone();
    if let Some(map) = rest.as_object_mut() {
        map.remove("ResponseMetadata");
    }
    match id {
        Some(id) => format!("request id {id} · {rest}"),
        None => rest.to_string(),
    }
}

/// One line per audit event.
pub fn describe(event: &AuditEvent) -> String {
    match event {
        AuditEvent::Request { prompt, identified, planner } => {
            format!("request “{prompt}” to {planner} ({} resources)", identified.len())
        }
        AuditEvent::Plan { playbook, risk, calls, .. } => {
            format!("plan {} · risk {risk} · {} calls", playbook.as_deref().unwrap_or("(none)"), calls.len())
        }
        AuditEvent::Refusal { reason, .. } => format!("refused: {reason}"),
        AuditEvent::Approval { approved_by, mode, .. } => format!("approved by {approved_by} ({mode:?})"),
        AuditEvent::ExecutionStarted { execution_id, dry_run, .. } => {
            format!("execution {execution_id} started{}", if *dry_run { " (dry run)" } else { "" })
        }
        AuditEvent::Call { step, call, ok, detail, .. } => format!(
            "{} {}:{} in {}/{} — {}",
            if *ok { "done" } else { "failed" },
            call.service,
            call.operation,
            call.account_id,
            call.region,
            if detail.is_empty() { step.as_str() } else { detail.as_str() }
        ),
        AuditEvent::ExecutionFinished { execution_id, status } => format!("execution {execution_id} {status}"),
    }
}

#[derive(Debug, Default)]
pub struct Monitor {
    pub runs: Vec<RunView>,
    pub history: Vec<AuditEntry>,
    history_problem: Option<Problem>,
    pub verified: Option<Result<AuditVerification, Problem>>,
}

impl Monitor {
    pub fn reload(&mut self, client: &Client, tasks: &Tasks) {
        let c = client.clone();
        tasks.spawn(async move { AppMsg::Monitor(Msg::History(c.history(HISTORY).await.map_err(Problem::from))) });
        let c = client.clone();
        tasks.spawn(async move { AppMsg::Monitor(Msg::Verified(c.verify_audit().await.map_err(Problem::from))) });
    }

    pub fn running(&self) -> usize {
        self.runs.iter().filter(|r| r.running()).count()
    }

    pub fn get(&self, run: RunId) -> Option<&RunView> {
        self.runs.iter().find(|r| r.id == run)
    }

    fn get_mut(&mut self, run: RunId) -> Option<&mut RunView> {
        self.runs.iter_mut().find(|r| r.id == run)
    }

    /// Approves (unless a dry run or nothing mutates) and runs `request` off the UI thread,
    /// streaming its events here.
    pub fn start(&mut self, client: &Client, tasks: &Tasks, request: RunRequest) {
        let RunRequest { run, title, review, dry_run } = request;
        let (cancel, mut cancelled) = tokio::sync::oneshot::channel::<()>();
        self.runs.push(RunView {
            id: run,
            title,
            dry_run,
            execution: None,
            state: RunState::Starting,
            steps: Vec::new(),
            started: Instant::now(),
            ended: None,
            cancel: Some(cancel),
            after: Vec::new(),
        });
        let client = client.clone();
        tasks.stream(move |sink| async move {
            let review = *review;
            let needs_approval = matches!(review.verdict, Verdict::Ready { needs_approval: true, .. });
            let approval = if dry_run || !needs_approval {
                None
            } else {
                // The user pressed Approve (and typed the name of a high-risk target).
                match client.approve(&review, ApprovalMode::Interactive, true).await {
                    Ok(approval) => Some(approval),
                    Err(e) => return AppMsg::Monitor(Msg::Started { run, execution: Err(e.into()) }),
                }
            };
            let options = RunOptions { dry_run, ..RunOptions::default() };
            let mut handle = match client.run(review, approval, options).await {
                Ok(handle) => handle,
                Err(e) => return AppMsg::Monitor(Msg::Started { run, execution: Err(e.into()) }),
            };
            sink.send(AppMsg::Monitor(Msg::Started { run, execution: Ok(handle.id.clone()) }));
            let mut asked = false;
            loop {
                tokio::select! {
                    event = handle.events.recv() => match event {
                        Some(event) => sink.send(AppMsg::Monitor(Msg::Event { run, event, at: Instant::now() })),
                        None => break,
                    },
                    answer = &mut cancelled, if !asked => {
                        asked = true;
                        // A dropped sender is not a cancel.
                        if answer.is_ok() {
                            handle.cancel();
                        }
                    }
                }
            }
            AppMsg::Monitor(Msg::Finished { run, result: handle.finish().await.map_err(Problem::from) })
        });
    }

    pub fn on(&mut self, msg: Msg) -> Vec<Action> {
        match msg {
            Msg::Started { run, execution } => {
                if let Some(r) = self.get_mut(run) {
                    match execution {
                        Ok(id) => {
                            r.execution = Some(id);
                            r.state = RunState::Running;
                        }
                        Err(p) => {
                            r.state = RunState::Refused(p);
                            r.ended = Some(Instant::now());
                            r.cancel = None;
                        }
                    }
                }
                vec![Action::AuditChanged]
            }
            Msg::Event { run, event, at } => {
                if let Some(r) = self.get_mut(run) {
                    r.apply(event, at);
                }
                Vec::new()
            }
            Msg::Finished { run, result } => {
                if let Some(r) = self.get_mut(run) {
                    r.ended = Some(Instant::now());
                    r.cancel = None;
                    match result {
                        Ok(finished) => {
                            r.state = RunState::Finished(finished.outcome);
                            r.after = finished.resources_after.into_iter().map(|a| (a.arn, a.state)).collect();
                        }
                        Err(p) => r.state = RunState::Failed(p),
                    }
                }
                vec![Action::EstateChanged]
            }
            Msg::History(Ok(entries)) => {
                self.history = entries;
                self.history_problem = None;
                Vec::new()
            }
            Msg::History(Err(p)) => {
                self.history_problem = Some(p);
                Vec::new()
            }
            Msg::Verified(v) => {
                self.verified = Some(v);
                Vec::new()
            }
        }
    }

    fn cancel(&mut self, run: RunId) {
        if let Some(cancel) = self.get_mut(run).and_then(|r| r.cancel.take()) {
            let _ = cancel.send(());
        }
    }

    /// A run in a few lines, as a plan card shows the run it started.
    pub fn run_summary_ui(&self, ui: &mut egui::Ui, run: RunId) {
        match self.get(run) {
            Some(r) => run_ui(ui, r),
            None => {
                ui.spinner();
            }
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, client: &Client, tasks: &Tasks) {
        let mut cancel = None;
        egui::Panel::right("audit-history").default_size(ui.available_width() * 0.45).show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.strong("History (audit log)");
                self.badge(ui);
                if ui.small_button("Refresh").on_hover_text("read the audit log again and verify it").clicked() {
                    self.reload(client, tasks);
                }
            });
            if let Some(p) = &self.history_problem {
                theme::problem(ui, p);
            }
            egui::ScrollArea::vertical().id_salt("history").auto_shrink(false).show(ui, |ui| {
                for e in self.history.iter().rev() {
                    ui.horizontal_wrapped(|ui| {
                        ui.weak(format!("#{} {}", e.sequence, e.at.format("%Y-%m-%d %H:%M:%S")));
                        ui.add(egui::Label::new(describe(&e.event)).wrap());
                    });
                }
                if self.history.is_empty() {
                    ui.weak("Nothing audited yet.");
                }
            });
        });
        egui::CentralPanel::default().show(ui, |ui| {
            ui.strong("Executions of this session");
            egui::ScrollArea::vertical().id_salt("runs").auto_shrink(false).show(ui, |ui| {
                if self.runs.is_empty() {
                    ui.weak("Nothing ran yet: approve a plan in the chat.");
                }
                for r in self.runs.iter().rev() {
                    egui::Frame::group(ui.style()).show(ui, |ui| {
                        ui.set_width(ui.available_width());
                        ui.horizontal(|ui| {
                            ui.strong(&r.title);
                            if let Some(id) = &r.execution {
                                ui.weak(format!("execution {id}"));
                            }
                            if r.cancel.is_some()
                                && ui.button("Cancel").on_hover_text("cancel this execution").clicked()
                            {
                                cancel = Some(r.id);
                            }
                        });
                        run_ui(ui, r);
                    });
                }
            });
        });
        if let Some(run) = cancel {
            self.cancel(run);
        }
    }

    fn badge(&self, ui: &mut egui::Ui) {
        match &self.verified {
            None => {
                ui.spinner();
            }
            Some(Ok(v)) if v.intact() => {
                ui.colored_label(theme::OK, format!("verified ({} entries)", v.entries))
                    .on_hover_text("every entry's hash and chain link checked (audit verify)");
            }
            Some(Ok(v)) => {
                let at = v.first_broken.map(|n| format!(" at #{n}")).unwrap_or_default();
                ui.colored_label(theme::ERROR, format!("BROKEN{at}: {}", v.problem.as_deref().unwrap_or("")));
            }
            Some(Err(p)) => theme::problem(ui, p),
        }
    }
}

fn run_ui(ui: &mut egui::Ui, r: &RunView) {
    let elapsed = r.ended.unwrap_or_else(Instant::now) - r.started;
    let (text, colour) = match &r.state {
        RunState::Starting => ("approving and starting".to_owned(), None),
        RunState::Running => ("running".to_owned(), None),
        RunState::Finished(outcome) => {
            let ok = outcome.exit_code() == 0;
            let word =
                serde_json::to_value(outcome).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            (word, Some(if ok { theme::OK } else { theme::ERROR }))
        }
        RunState::Refused(p) => (format!("not started: {}", p.text), Some(theme::ERROR)),
        RunState::Failed(p) => (format!("ran, then: {}", p.text), Some(theme::ERROR)),
    };
    ui.horizontal_wrapped(|ui| {
        if r.running() {
            ui.spinner();
        }
        let label = format!("{}{text} · {:.1} s", if r.dry_run { "dry run · " } else { "" }, elapsed.as_secs_f32());
        match colour {
            Some(c) => ui.colored_label(c, label),
            None => ui.label(label),
        };
    });
    for s in &r.steps {
        let (mark, colour) = match &s.state {
            StepState::Running => ("…".to_owned(), None),
            StepState::Waiting(state) => (format!("waiting for {state}"), None),
            StepState::Done => ("done".to_owned(), Some(theme::OK)),
            StepState::Failed => ("failed".to_owned(), Some(theme::ERROR)),
            StepState::Skipped => ("skipped".to_owned(), Some(theme::WARNING)),
        };
        ui.horizontal_wrapped(|ui| {
            let line = format!(
                "{}{} {mark} · {:.1} s",
                if s.rollback { "rollback " } else { "" },
                s.id,
                s.elapsed().as_secs_f32()
            );
            match colour {
                Some(c) => ui.colored_label(c, line),
                None => ui.label(line),
            };
            if !s.description.is_empty() {
                ui.weak(&s.description);
            }
        });
        if let Some(detail) = &s.detail {
            ui.add(egui::Label::new(egui::RichText::new(detail).monospace().small()).wrap());
        }
    }
    for (arn, state) in &r.after {
        ui.label(format!("after: {arn} is {}", state.as_deref().unwrap_or("gone")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> RunView {
        RunView {
            id: RunId::next(),
            title: "stop db".into(),
            dry_run: false,
            execution: None,
            state: RunState::Running,
            steps: Vec::new(),
            started: Instant::now(),
            ended: None,
            cancel: None,
            after: Vec::new(),
        }
    }

    #[test]
    fn events_move_each_step_through_its_states() {
        let mut r = view();
        r.apply(
            ExecutionEvent::StepStarted {
                step: "stop".into(),
                description: "Stop the DB".into(),
                cli: "aws rds stop-db-instance".into(),
                rollback: false,
            },
            Instant::now(),
        );
        r.apply(ExecutionEvent::StepOutput {
            step: "stop".into(),
            output: serde_json::json!({"DBInstance": {"DBInstanceStatus": "stopping"}, "ResponseMetadata": {"RequestId": "r-1"}}),
            dry_run: None,
        }, Instant::now());
        assert_eq!(
            r.steps[0].detail.as_deref(),
            Some(r#"request id r-1 · {"DBInstance":{"DBInstanceStatus":"stopping"}}"#)
        );
        r.apply(
            ExecutionEvent::Waiting { step: "stop".into(), state: "stopped".into(), timeout_seconds: 600 },
            Instant::now(),
        );
        assert_eq!(r.steps[0].state, StepState::Waiting("stopped".into()));
        r.apply(
            ExecutionEvent::StepFinished { step: "stop".into(), reached_state: Some("stopped".into()) },
            Instant::now(),
        );
        r.apply(
            ExecutionEvent::StepSkipped { step: "tag".into(), reason: "an earlier step failed".into() },
            Instant::now(),
        );
        assert_eq!(r.steps[0].state, StepState::Done);
        assert_eq!(
            r.steps[0].detail.as_deref(),
            Some(r#"request id r-1 · {"DBInstance":{"DBInstanceStatus":"stopping"}} · reached stopped"#),
            "the answer stays with the state reached"
        );
        assert_eq!(r.steps[1].state, StepState::Skipped);
        r.apply(ExecutionEvent::StepFailed { step: "nope".into(), error: "x".into() }, Instant::now());
        assert_eq!(r.steps.len(), 2, "an event for a step never started changes nothing");
    }
}
