//! A plan card: one prompt's answer. The explanation; the targets with account, region and
//! environment always in view; every step with its exact AWS CLI line; the risk with its
//! reasons; and what can be done next — Approve / Dry-run / Reject, a high-risk plan's typed
//! confirmation, a clarification's choices — or why nothing can run.

use cloudops_app::client::{Review, Verdict};
use cloudops_domain::{IdentifiedResource, RiskLevel};
use cloudops_ports::ConversationId;

use crate::monitor::{Monitor, RunId};
use crate::problem::Problem;
use crate::theme;

#[derive(Debug)]
pub enum CardState {
    Planning,
    Failed(Problem),
    Reviewed(Box<Review>),
}

/// What the user decided about a reviewed card, and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Pending,
    /// Approve was pressed on a high-risk plan: the resource's name must be typed first.
    Confirming {
        typed: String,
    },
    /// A choice of the clarification is being planned.
    Answering,
    Rejecting,
    Rejected,
    Running(RunId),
    Failed(Problem),
}

#[derive(Debug)]
pub struct Card {
    pub id: u64,
    pub conversation: ConversationId,
    pub prompt: String,
    pub state: CardState,
    pub decision: Decision,
    /// Closed cards show one line.
    pub open: bool,
}

/// What a click on a card asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardAction {
    Approve,
    DryRun,
    Reject,
    /// A clarification's candidate (its ARN): the same request on that resource alone.
    Choose(String),
}

/// The text a high-risk approval must be confirmed with: the target's name (or the number of
/// targets, when there are several).
pub fn confirmation_word(review: &Review) -> String {
    match review.planned.identified_resources.as_slice() {
        [one] => one.display_name().to_owned(),
        many => format!("{} resources", many.len()),
    }
}

/// Whether approving needs the typed confirmation.
pub fn needs_confirmation(review: &Review) -> bool {
    matches!(review.verdict, Verdict::Ready { needs_approval: true, risk: RiskLevel::High | RiskLevel::Critical })
}

/// "acme-prod (111122223333) · us-east-1 · env=prod"
pub fn whereabouts(r: &IdentifiedResource) -> String {
    let account = match &r.account_alias {
        Some(alias) => format!("{alias} ({})", r.account_id),
        None => r.account_id.to_string(),
    };
    let env = r.tags.environment().map(|e| format!("env={e}")).unwrap_or_else(|| "no env tag".into());
    format!("{account} · {} · {env}", r.region)
}

impl Card {
    pub fn title(&self) -> String {
        format!("> {}", self.prompt)
    }

    /// Why planning failed, when it did.
    pub fn problem(&self) -> Option<&Problem> {
        match &self.state {
            CardState::Failed(p) => Some(p),
            _ => None,
        }
    }

    pub fn review(&self) -> Option<&Review> {
        match &self.state {
            CardState::Reviewed(review) => Some(review),
            _ => None,
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, monitor: &Monitor) -> Option<CardAction> {
        let mut action = None;
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                ui.strong(self.title());
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let label = if self.open { "Close" } else { "Open" };
                    if ui.small_button(label).on_hover_text(format!("{label} this card")).clicked() {
                        self.open = !self.open;
                    }
                });
            });
            if !self.open {
                ui.weak(self.one_line());
                return;
            }
            match &self.state {
                CardState::Planning => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("looking the resources up and planning…");
                    });
                }
                CardState::Failed(problem) => theme::problem(ui, problem),
                CardState::Reviewed(review) => action = reviewed_ui(ui, review, &mut self.decision, monitor),
            }
        });
        action
    }

    fn one_line(&self) -> String {
        match (&self.state, &self.decision) {
            (CardState::Planning, _) => "planning…".into(),
            (CardState::Failed(p), _) => p.text.clone(),
            (_, Decision::Rejected) => "rejected: nothing ran".into(),
            (_, Decision::Running(_)) => "ran (see Executions)".into(),
            (CardState::Reviewed(r), _) => r.response().explain_plan.lines().next().unwrap_or("").to_owned(),
        }
    }
}

fn reviewed_ui(ui: &mut egui::Ui, review: &Review, decision: &mut Decision, monitor: &Monitor) -> Option<CardAction> {
    let response = review.response();
    if let Some(follow) = &review.planned.follow_up {
        ui.weak(format!("about the resources of “{}”", follow.resources_from));
    }
    if let Some(answer) = &review.planned.answer {
        ui.add(egui::Label::new(egui::RichText::new(answer.text()).monospace()).wrap());
        ui.weak("answered from the local estate: nothing was sent, nothing can run");
        return None;
    }
    ui.add(egui::Label::new(&response.explain_plan).wrap());
    targets(ui, &review.planned.identified_resources);
    if !review.steps().is_empty() {
        ui.add_space(4.0);
        ui.strong("Steps");
        for (n, step) in review.steps().iter().enumerate() {
            ui.label(format!("{}. {}", n + 1, step.description));
            theme::command_line(ui, &step.cli, &format!("step {}", n + 1));
        }
    }
    risk(ui, review);
    for warning in &review.warnings {
        ui.colored_label(theme::WARNING, format!("Warning: {warning}"));
    }
    match &review.verdict {
        Verdict::Question => question_ui(ui, review, decision),
        Verdict::Blocked => {
            for b in &response.blocked {
                ui.colored_label(theme::ERROR, format!("blocked: {}", b.message));
            }
            ui.weak("Nothing can run.");
            None
        }
        Verdict::Refused(reasons) => {
            ui.colored_label(theme::ERROR, "The client's plan guard refused this plan; nothing can run:");
            for reason in reasons {
                ui.colored_label(theme::ERROR, format!("- {reason}"));
            }
            None
        }
        Verdict::NothingToRun => {
            ui.weak("Nothing to run.");
            None
        }
        Verdict::Ready { .. } => decision_ui(ui, review, decision, monitor),
    }
}

fn question_ui(ui: &mut egui::Ui, review: &Review, decision: &Decision) -> Option<CardAction> {
    let Some(question) = &review.response().clarification else { return None };
    ui.add_space(4.0);
    ui.strong(&question.question);
    if !question.missing.is_empty() {
        ui.label(format!("missing: {} — say it in your next message", question.missing.join(", ")));
    }
    let mut action = None;
    let enabled = *decision == Decision::Pending;
    for arn in &question.candidates {
        let known = review.planned.identified_resources.iter().find(|r| &r.arn == arn);
        let label = match known {
            Some(r) => format!("{} — {}", r.display_name(), whereabouts(r)),
            None => arn.to_string(),
        };
        if ui.add_enabled(enabled, egui::Button::new(label)).on_hover_text(arn.to_string()).clicked() {
            action = Some(CardAction::Choose(arn.to_string()));
        }
    }
    if *decision == Decision::Answering {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("planning on the one you picked…");
        });
    }
    action
}

fn decision_ui(ui: &mut egui::Ui, review: &Review, decision: &mut Decision, monitor: &Monitor) -> Option<CardAction> {
    ui.add_space(4.0);
    let mut action = None;
    match decision {
        Decision::Pending => {
            ui.horizontal(|ui| {
                if ui.button("Approve").on_hover_text("approve and run this plan").clicked() {
                    action = Some(CardAction::Approve);
                }
                if ui.button("Dry-run").on_hover_text("run with DryRun where AWS has it; nothing changes").clicked() {
                    action = Some(CardAction::DryRun);
                }
                if ui.button("Reject").on_hover_text("reject this plan; nothing runs").clicked() {
                    action = Some(CardAction::Reject);
                }
            });
        }
        Decision::Confirming { typed } => {
            let word = confirmation_word(review);
            ui.colored_label(theme::WARNING, format!("High risk: type “{word}” to approve."));
            let mut cancel = false;
            ui.horizontal(|ui| {
                let field = theme::labelled(ui, "Confirm:", |_| egui::TextEdit::singleline(typed).desired_width(240.0));
                if !field.has_focus() && !field.lost_focus() {
                    field.request_focus();
                }
                let matches = typed.trim() == word;
                let confirmed = ui.add_enabled(matches, egui::Button::new("Approve and run")).clicked()
                    || (matches && field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)));
                if confirmed {
                    action = Some(CardAction::Approve);
                }
                cancel = ui.button("Cancel").clicked();
            });
            if cancel {
                *decision = Decision::Pending;
            }
        }
        Decision::Rejecting => {
            ui.spinner();
        }
        Decision::Rejected => {
            ui.weak("Rejected: nothing ran (recorded in the audit log).");
        }
        Decision::Running(run) => monitor.run_summary_ui(ui, *run),
        Decision::Failed(problem) => theme::problem(ui, problem),
        Decision::Answering => {}
    }
    action
}

fn targets(ui: &mut egui::Ui, identified: &[IdentifiedResource]) {
    if identified.is_empty() {
        return;
    }
    ui.add_space(4.0);
    ui.strong(if identified.len() == 1 { "Target" } else { "Targets" });
    for r in identified {
        ui.horizontal_wrapped(|ui| {
            ui.label(egui::RichText::new(r.display_name()).strong());
            ui.label(format!("{} · {}", r.resource_type, r.state));
            let text = egui::RichText::new(whereabouts(r));
            ui.label(if r.tags.is_production() { text.color(theme::WARNING).strong() } else { text });
        });
    }
}

fn risk(ui: &mut egui::Ui, review: &Review) {
    let risk = &review.response().risk_assessment;
    if review.steps().is_empty() {
        return;
    }
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        let colour = theme::risk_colour(risk.level);
        ui.label(egui::RichText::new(format!("Risk: {}", theme::risk_name(risk.level))).color(colour).strong());
        ui.label(&risk.impact);
    });
    for reason in &risk.reasons {
        ui.label(format!("- {}", reason.message));
    }
}
