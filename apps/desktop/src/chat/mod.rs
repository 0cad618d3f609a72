//! The chat panel: the conversations of the encrypted chat history on the left, the open
//! conversation's earlier messages and this session's plan cards, and the message box.
//! Every prompt is planned in its conversation (follow-ups resolve against it) by the client.

mod card;
mod composer;

use cloudops_app::Client;
use cloudops_app::client::{Planned, Review};
use cloudops_domain::ChatRole;
use cloudops_ports::{ChatMessage, ConversationId, ConversationSummary};

pub use card::{Card, CardAction, CardState, Decision};
use composer::{Completion, Composer};

use crate::app::{Action, Msg as AppMsg};
use crate::monitor::{Monitor, RunId, RunRequest};
use crate::problem::Problem;
use crate::tasks::Tasks;
use crate::theme;

/// Earlier messages shown when a conversation is opened.
const EARLIER: usize = 40;

#[derive(Debug)]
pub enum Msg {
    Conversations(Result<Vec<ConversationSummary>, Problem>),
    Earlier(ConversationId, Result<Vec<ChatMessage>, Problem>),
    Suggestions { prefix: String, found: Result<Vec<Completion>, Problem> },
    Reviewed { card: u64, review: Result<Box<Review>, Problem> },
    Rejected { card: u64, result: Result<(), Problem> },
    Renamed { from: ConversationId, to: Result<ConversationId, Problem> },
    Deleted(Result<ConversationId, Problem>),
}

/// An edit of the open conversation in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Editing {
    Rename(String),
    ConfirmDelete,
}

/// A conversation name for a new chat: `chat-YYYYMMDD-HHMMSS`, as `cloudops chat` names them.
pub fn new_conversation() -> ConversationId {
    ConversationId(format!("chat-{}", chrono::Utc::now().format("%Y%m%d-%H%M%S")))
}

#[derive(Debug)]
pub struct Chat {
    pub conversations: Vec<ConversationSummary>,
    problem: Option<Problem>,
    pub current: ConversationId,
    earlier: Vec<ChatMessage>,
    pub cards: Vec<Card>,
    composer: Composer,
    next_card: u64,
    editing: Option<Editing>,
}

impl Default for Chat {
    fn default() -> Self {
        Self {
            conversations: Vec::new(),
            problem: None,
            current: new_conversation(),
            earlier: Vec::new(),
            cards: Vec::new(),
            composer: Composer::default(),
            next_card: 1,
            editing: None,
        }
    }
}

impl Chat {
    pub fn reload(&mut self, client: &Client, tasks: &Tasks) {
        let client = client.clone();
        tasks.spawn(
            async move { AppMsg::Chat(Msg::Conversations(client.conversations().await.map_err(Problem::from))) },
        );
    }

    pub fn prefill(&mut self, text: String) {
        self.composer.prefill(text);
    }

    /// The names the message box offers to complete the word being typed.
    pub fn completions(&self) -> Vec<&str> {
        self.composer.completions.iter().map(|c| c.text.as_str()).collect()
    }

    pub fn on(&mut self, msg: Msg) {
        match msg {
            Msg::Conversations(Ok(list)) => {
                self.conversations = list;
                self.problem = None;
            }
            Msg::Conversations(Err(p)) => self.problem = Some(p),
            Msg::Earlier(id, result) if id == self.current => match result {
                Ok(messages) => self.earlier = messages,
                Err(p) => self.problem = Some(p),
            },
            Msg::Earlier(..) => {}
            Msg::Suggestions { prefix, found } => self.composer.on_suggestions(&prefix, found),
            Msg::Reviewed { card, review } => {
                if let Some(c) = self.card(card) {
                    c.state = match review {
                        Ok(review) => CardState::Reviewed(review),
                        Err(p) => CardState::Failed(p),
                    };
                    c.decision = Decision::Pending;
                }
            }
            Msg::Renamed { from, to } => match to {
                Ok(to) => {
                    for c in self.cards.iter_mut().filter(|c| c.conversation == from) {
                        c.conversation = to.clone();
                    }
                    if self.current == from {
                        self.current = to;
                    }
                    self.problem = None;
                }
                Err(p) => self.problem = Some(p),
            },
            Msg::Deleted(Ok(id)) => {
                self.cards.retain(|c| c.conversation != id);
                if self.current == id {
                    self.current = new_conversation();
                    self.earlier.clear();
                }
                self.problem = None;
            }
            Msg::Deleted(Err(p)) => self.problem = Some(p),
            Msg::Rejected { card, result } => {
                if let Some(c) = self.card(card) {
                    c.decision = match result {
                        Ok(()) => Decision::Rejected,
                        Err(p) => Decision::Failed(p),
                    };
                }
            }
        }
    }

    fn card(&mut self, id: u64) -> Option<&mut Card> {
        self.cards.iter_mut().find(|c| c.id == id)
    }

    fn open_conversation(&mut self, id: ConversationId, client: &Client, tasks: &Tasks) {
        self.current = id.clone();
        self.earlier.clear();
        let client = client.clone();
        tasks.spawn(async move {
            let messages = client.messages(&id, EARLIER).await.map_err(Problem::from);
            AppMsg::Chat(Msg::Earlier(id, messages))
        });
    }

    /// Plans `prompt` in the current conversation on a new card.
    pub fn send(&mut self, prompt: String, client: &Client, tasks: &Tasks) {
        let id = self.next_card;
        self.next_card += 1;
        // Earlier cards close: the new answer is what matters now.
        for c in &mut self.cards {
            c.open = false;
        }
        self.cards.push(Card {
            id,
            conversation: self.current.clone(),
            prompt: prompt.clone(),
            state: CardState::Planning,
            decision: Decision::Pending,
            open: true,
        });
        let (client, conversation) = (client.clone(), self.current.clone());
        tasks.spawn(async move {
            let review = match client.plan(&prompt, &conversation).await {
                Ok(planned) => client.review(planned).await,
                Err(e) => Err(e),
            };
            AppMsg::Chat(Msg::Reviewed { card: id, review: review.map(Box::new).map_err(Problem::from) })
        });
    }

    fn answer(&mut self, card: u64, arn: String, client: &Client, tasks: &Tasks) {
        let Some(c) = self.card(card) else { return };
        let Some(review) = c.review() else { return };
        let asked: Planned = review.planned.clone();
        let conversation = c.conversation.clone();
        c.decision = Decision::Answering;
        let client = client.clone();
        tasks.spawn(async move {
            let review = match client.answer(&asked, &arn, &conversation).await {
                Ok(planned) => client.review(planned).await,
                Err(e) => Err(e),
            };
            AppMsg::Chat(Msg::Reviewed { card, review: review.map(Box::new).map_err(Problem::from) })
        });
    }

    fn reject(&mut self, card: u64, client: &Client, tasks: &Tasks) {
        let Some(c) = self.card(card) else { return };
        let Some(review) = c.review().cloned() else { return };
        c.decision = Decision::Rejecting;
        let client = client.clone();
        tasks.spawn(async move {
            let result = client.reject(&review, "rejected in the desktop app").await.map_err(Problem::from);
            AppMsg::Chat(Msg::Rejected { card, result })
        });
    }

    /// Approve or dry-run: a high-risk plan asks for its typed confirmation first.
    fn run(&mut self, card: u64, dry_run: bool) -> Option<Action> {
        let c = self.card(card)?;
        let review = c.review()?.clone();
        if !dry_run && card::needs_confirmation(&review) && !matches!(c.decision, Decision::Confirming { .. }) {
            c.decision = Decision::Confirming { typed: String::new() };
            return None;
        }
        let run = RunId::next();
        c.decision = Decision::Running(run);
        let title = c.prompt.clone();
        Some(Action::Run(RunRequest { run, title, review: Box::new(review), dry_run }))
    }

    /// Esc closes the newest open card.
    fn close_newest(&mut self) {
        if let Some(c) = self.cards.iter_mut().rev().find(|c| c.open) {
            if matches!(c.decision, Decision::Confirming { .. }) {
                c.decision = Decision::Pending;
            } else {
                c.open = false;
            }
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, client: &Client, tasks: &Tasks, monitor: &Monitor) -> Vec<Action> {
        let mut actions = Vec::new();
        egui::Panel::left("conversations").default_size(220.0).show(ui, |ui| self.conversations_ui(ui, client, tasks));
        // Esc closes the completions first, then the newest card.
        if self.composer.completions.is_empty()
            && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape))
        {
            self.close_newest();
        }
        egui::Panel::bottom("composer").show(ui, |ui| {
            ui.add_space(4.0);
            if let Some(prompt) = self.composer.ui(ui, client, tasks) {
                self.send(prompt, client, tasks);
            }
            ui.add_space(4.0);
        });
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(p) = &self.problem {
                theme::problem(ui, p);
            }
            egui::ScrollArea::vertical().stick_to_bottom(true).auto_shrink(false).show(ui, |ui| {
                for m in &self.earlier {
                    let who = match m.role {
                        ChatRole::User => "you",
                        ChatRole::Assistant => "cloudops",
                    };
                    ui.add(egui::Label::new(format!("{who}: {}", m.text)).wrap());
                }
                if !self.earlier.is_empty() {
                    ui.separator();
                }
                let mut clicked = Vec::new();
                for c in self.cards.iter_mut().filter(|c| c.conversation == self.current) {
                    if let Some(a) = c.ui(ui, monitor) {
                        clicked.push((c.id, a));
                    }
                    ui.add_space(6.0);
                }
                if self.cards.iter().all(|c| c.conversation != self.current) && self.earlier.is_empty() {
                    ui.weak("Ask about your estate or say what to do, e.g. “stop pg-instance-main1”, “which buckets are public?”.");
                }
                for (card, action) in clicked {
                    match action {
                        CardAction::Approve => actions.extend(self.run(card, false)),
                        CardAction::DryRun => actions.extend(self.run(card, true)),
                        CardAction::Reject => self.reject(card, client, tasks),
                        CardAction::Choose(arn) => self.answer(card, arn, client, tasks),
                    }
                }
            });
        });
        actions
    }

    fn conversations_ui(&mut self, ui: &mut egui::Ui, client: &Client, tasks: &Tasks) {
        ui.horizontal(|ui| {
            ui.strong("Conversations");
            if ui.small_button("New").on_hover_text("start a new conversation").clicked() {
                self.current = new_conversation();
                self.earlier.clear();
                self.composer.focus();
            }
        });
        egui::ScrollArea::vertical().id_salt("conversation-list").show(ui, |ui| {
            let current_listed = self.conversations.iter().any(|c| c.id == self.current);
            if !current_listed {
                let _ = ui.selectable_label(true, format!("{} (new)", self.current.0));
            }
            let mut open = None;
            for c in &self.conversations {
                let label = format!("{} · {}", c.id.0, c.messages);
                let row = ui.selectable_label(c.id == self.current, label);
                if row.on_hover_text(format!("last message {}", theme::ago(c.last_at, chrono::Utc::now()))).clicked() {
                    open = Some(c.id.clone());
                }
            }
            if let Some(id) = open {
                self.editing = None;
                self.open_conversation(id, client, tasks);
            }
        });
        if self.conversations.iter().any(|c| c.id == self.current) {
            ui.separator();
            self.edit_ui(ui, client, tasks);
        }
    }

    /// Rename or delete the open conversation.
    fn edit_ui(&mut self, ui: &mut egui::Ui, client: &Client, tasks: &Tasks) {
        match &mut self.editing {
            None => {
                ui.horizontal(|ui| {
                    if ui.small_button("Rename").on_hover_text("rename this conversation").clicked() {
                        self.editing = Some(Editing::Rename(self.current.0.clone()));
                    }
                    if ui.small_button("Delete").on_hover_text("delete this conversation").clicked() {
                        self.editing = Some(Editing::ConfirmDelete);
                    }
                });
            }
            Some(Editing::Rename(name)) => {
                let field = theme::labelled(ui, "New name:", |_| egui::TextEdit::singleline(name));
                let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                let (mut save, mut cancel) = (enter, false);
                ui.horizontal(|ui| {
                    save |= ui.button("Save").clicked();
                    cancel = ui.button("Cancel").clicked();
                });
                if save {
                    let (client, from, to) = (client.clone(), self.current.clone(), name.clone());
                    tasks.spawn(async move {
                        let to = client.rename_conversation(&from, &to).await.map_err(Problem::from);
                        AppMsg::Chat(Msg::Renamed { from, to })
                    });
                }
                if save || cancel {
                    self.editing = None;
                }
            }
            Some(Editing::ConfirmDelete) => {
                ui.label(format!("Delete “{}” and its messages?", self.current.0));
                ui.horizontal(|ui| {
                    if ui.button("Delete it").clicked() {
                        let (client, id) = (client.clone(), self.current.clone());
                        tasks.spawn(async move {
                            let result = client.delete_conversation(&id).await.map(|_| id).map_err(Problem::from);
                            AppMsg::Chat(Msg::Deleted(result))
                        });
                        self.editing = None;
                    }
                    if ui.button("Keep it").clicked() {
                        self.editing = None;
                    }
                });
            }
        }
    }
}
