//! The app: one [`Client`] (opened off the UI thread), the three panels, the sync bar, and
//! the messages tasks send back. A frame drains the messages, then draws; nothing in a frame
//! waits for IO.

use cloudops_app::Client;
use serde::{Deserialize, Serialize};

use crate::chat::{self, Chat};
use crate::explorer::{self, Explorer};
use crate::monitor::{self, Monitor};
use crate::probe::{self, Probe};
use crate::problem::{Cause, Problem};
use crate::sync_bar::{self, SyncBar};
use crate::tasks::Tasks;

/// The panel on show (remembered between runs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Panel {
    #[default]
    Chat,
    Explorer,
    Executions,
}

impl Panel {
    pub const ALL: [Panel; 3] = [Panel::Chat, Panel::Explorer, Panel::Executions];

    pub fn title(self) -> &'static str {
        match self {
            Panel::Chat => "Chat",
            Panel::Explorer => "Resources",
            Panel::Executions => "Executions",
        }
    }
}

/// What a task tells the UI.
#[derive(Debug)]
pub enum Msg {
    Opened(Result<Client, Problem>),
    Chat(chat::Msg),
    Explorer(explorer::Msg),
    Monitor(monitor::Msg),
    Sync(sync_bar::Msg),
}

/// What one panel asks of the others.
#[derive(Debug)]
pub enum Action {
    /// Pre-fill the chat's message box and show the chat.
    Ask(String),
    /// Approve (unless a dry run) and run a reviewed plan; the card follows the run.
    Run(monitor::RunRequest),
    /// The estate changed (a sync, a run's re-sync): reload what shows it.
    EstateChanged,
    /// Something was audited (a plan, an approval, a refusal): reload the history.
    AuditChanged,
}

const STORAGE_KEY: &str = "cloudops-desktop";

#[derive(Debug, Default, Serialize, Deserialize)]
struct Remembered {
    panel: Panel,
}

#[derive(Debug)]
pub struct DesktopApp {
    tasks: Tasks,
    client: Option<Client>,
    /// Why the client could not be opened.
    failed: Option<Problem>,
    pub panel: Panel,
    pub chat: Chat,
    pub explorer: Explorer,
    pub monitor: Monitor,
    pub sync: SyncBar,
    /// One-line notices from the client (a key created in a file, lookups by names only).
    notices: Vec<String>,
    probe: Option<Probe>,
    frames: u64,
    /// Frames drawn with the estate in the explorer (for the explorer probe).
    estate_frames: u64,
}

impl DesktopApp {
    /// Opens the client of `options` off the UI thread; the window shows at once.
    pub fn new(cc: &eframe::CreationContext<'_>, options: cloudops_wiring::Options) -> std::io::Result<Self> {
        let remembered: Remembered = cc.storage.and_then(|s| eframe::get_value(s, STORAGE_KEY)).unwrap_or_default();
        let tasks = Tasks::new(cc.egui_ctx.clone())?;
        let probe = Probe::from_env();
        tasks.spawn(async move { Msg::Opened(cloudops_wiring::open(&options).await.map_err(Problem::from)) });
        Ok(Self {
            tasks,
            client: None,
            failed: None,
            panel: if probe == Some(Probe::Explorer) { Panel::Explorer } else { remembered.panel },
            chat: Chat::default(),
            explorer: Explorer::default(),
            monitor: Monitor::default(),
            sync: SyncBar::default(),
            notices: Vec::new(),
            probe,
            frames: 0,
            estate_frames: 0,
        })
    }

    /// No task is running (for tests and benchmarks that wait for the app to settle).
    pub fn is_idle(&self) -> bool {
        self.tasks.in_flight() == 0
    }

    pub fn client(&self) -> Option<&Client> {
        self.client.as_ref()
    }

    fn on(&mut self, msg: Msg) -> Vec<Action> {
        let mut actions = Vec::new();
        match msg {
            Msg::Opened(Ok(client)) => {
                self.client = Some(client);
                self.refresh();
            }
            Msg::Opened(Err(problem)) => self.failed = Some(problem),
            Msg::Chat(msg) => {
                // A plan recorded its turns and was audited; a rejection was audited.
                let audited = matches!(msg, chat::Msg::Reviewed { .. } | chat::Msg::Rejected { .. });
                let listed = matches!(msg, chat::Msg::Renamed { .. } | chat::Msg::Deleted(_));
                self.chat.on(msg);
                if let Some(client) = self.client.clone() {
                    if audited || listed {
                        self.chat.reload(&client, &self.tasks);
                    }
                    if audited {
                        actions.push(Action::AuditChanged);
                    }
                }
            }
            Msg::Explorer(msg) => self.explorer.on(msg),
            Msg::Monitor(msg) => actions.extend(self.monitor.on(msg)),
            Msg::Sync(msg) => actions.extend(self.sync.on(msg)),
        }
        actions
    }

    fn act(&mut self, action: Action) {
        let Some(client) = self.client.clone() else { return };
        match action {
            Action::Ask(text) => {
                self.chat.prefill(text);
                self.panel = Panel::Chat;
            }
            Action::Run(request) => self.monitor.start(&client, &self.tasks, request),
            Action::AuditChanged => self.monitor.reload(&client, &self.tasks),
            Action::EstateChanged => {
                self.explorer.reload(&client, &self.tasks);
                self.sync.reload(&client, &self.tasks);
                self.monitor.reload(&client, &self.tasks);
            }
        }
    }

    /// Reads everything shown again (the sync status, profiles, conversations, estate, history).
    pub fn refresh(&mut self) {
        let Some(client) = self.client.clone() else { return };
        self.sync.reload(&client, &self.tasks);
        self.sync.load_profiles(&client, &self.tasks);
        self.chat.reload(&client, &self.tasks);
        self.explorer.reload(&client, &self.tasks);
        self.monitor.reload(&client, &self.tasks);
    }

    /// Prints the probed figure once reached and closes the window (see [`probe`]).
    fn check_probe(&mut self, ctx: &egui::Context) {
        let reached = match self.probe {
            None => return,
            Some(Probe::FirstFrame) => self.frames >= 2,
            Some(Probe::Explorer) => {
                if self.explorer.estate_len().is_some() {
                    self.estate_frames += 1;
                }
                self.estate_frames >= 2 || self.failed.is_some() || self.explorer.problem().is_some()
            }
        };
        if !reached {
            ctx.request_repaint();
            return;
        }
        let (peak, rss) = probe::memory_kib();
        match (self.probe, self.explorer.estate_len()) {
            (Some(Probe::Explorer), Some(n)) => {
                println!("probe explorer resources={n} vm_hwm_kib={peak} vm_rss_kib={rss}")
            }
            (Some(Probe::Explorer), None) => {
                let why = self.failed.as_ref().or(self.explorer.problem()).map(|p| p.text.clone()).unwrap_or_default();
                println!("probe explorer failed: {why}");
            }
            _ => println!("probe first-frame vm_hwm_kib={peak} vm_rss_kib={rss}"),
        }
        self.probe = None;
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }

    /// Whether there is no estate yet (the first-run guide shows instead of the panels).
    fn first_run(&self) -> bool {
        self.explorer.problem().is_some_and(|p| p.cause == Cause::EmptyStore) || self.explorer.estate_len() == Some(0)
    }

    fn keys(&mut self, ctx: &egui::Context) {
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::K)) {
            self.panel = Panel::Explorer;
            self.explorer.focus_search();
        }
    }

    fn tabs(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.heading("cloudops");
            ui.separator();
            for panel in Panel::ALL {
                let mut label = panel.title().to_owned();
                if panel == Panel::Executions && self.monitor.running() > 0 {
                    label = format!("{label} ({} running)", self.monitor.running());
                }
                if ui.selectable_label(self.panel == panel, label).clicked() {
                    self.panel = panel;
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if let Some(client) = &self.client {
                    ui.weak(format!("planner: {}", client.planner_name()));
                }
            });
        });
    }
}

impl eframe::App for DesktopApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let mut actions = Vec::new();
        for msg in self.tasks.drain() {
            actions.extend(self.on(msg));
        }
        for action in actions {
            self.act(action);
        }
        if let Some(client) = &self.client {
            self.notices.extend(client.take_notices().into_iter().map(|n| n.text));
        }
        self.keys(ctx);
        self.frames += 1;
        self.check_probe(ctx);
        // Live views (running executions, a sync) tick their elapsed times.
        if self.monitor.running() > 0 || self.sync.syncing() {
            ctx.request_repaint_after(std::time::Duration::from_millis(250));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let mut actions = Vec::new();
        egui::Panel::top("tabs").show(ui, |ui| self.tabs(ui));
        egui::Panel::bottom("sync-bar").show(ui, |ui| {
            if let Some(client) = &self.client {
                actions.extend(self.sync.ui(ui, client, &self.tasks));
            } else if let Some(problem) = &self.failed {
                crate::theme::problem(ui, problem);
            } else {
                ui.label("opening the local store…");
            }
        });
        egui::CentralPanel::default().show(ui, |ui| {
            for notice in &self.notices {
                ui.colored_label(crate::theme::WARNING, format!("Warning: {notice}"));
            }
            let Some(client) = self.client.clone() else {
                if let Some(problem) = &self.failed {
                    crate::theme::problem(ui, problem);
                } else {
                    ui.spinner();
                }
                return;
            };
            if self.first_run() {
                actions.extend(crate::first_run::ui(ui, &mut self.sync, &client, &self.tasks));
                return;
            }
            match self.panel {
                Panel::Chat => actions.extend(self.chat.ui(ui, &client, &self.tasks, &self.monitor)),
                Panel::Explorer => actions.extend(self.explorer.ui(ui, &client, &self.tasks)),
                Panel::Executions => self.monitor.ui(ui, &client, &self.tasks),
            }
        });
        for action in actions {
            self.act(action);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &Remembered { panel: self.panel });
    }

    fn on_exit(&mut self) {
        // Close the store (and its lock) before the process ends.
        if let Some(client) = self.client.clone() {
            self.tasks.at_exit(async move { client.release().await });
        }
    }
}
