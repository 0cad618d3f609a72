//! The sync bar: the last sync per account/region/service with its errors, the profiles of
//! the AWS config to sync, "Sync now" with live progress per scope.

use std::collections::BTreeMap;
use std::time::Instant;

use cloudops_app::Client;
use cloudops_app::client::{SyncOutcome, SyncSelection};
use cloudops_app::sync::SyncStatus;
use cloudops_domain::ResourceKind;
use cloudops_ports::{Profile, SyncEvent, SyncSink};

use crate::app::{Action, Msg as AppMsg};
use crate::problem::Problem;
use crate::tasks::{Sink, Tasks};
use crate::theme;

#[derive(Debug)]
pub enum Msg {
    Statuses(Result<Vec<SyncStatus>, Problem>),
    /// The AWS config's profiles, and those that synced before (read together: which are
    /// picked must not depend on which answer arrives first).
    Profiles(Result<(Vec<Profile>, Vec<String>), Problem>),
    Progress(SyncEvent),
    Done(Result<SyncOutcome, Problem>),
}

/// One scope of a running sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeProgress {
    /// Resources found so far, per kind.
    pub found: BTreeMap<ResourceKind, usize>,
    pub done: bool,
    pub error: Option<String>,
}

impl ScopeProgress {
    pub fn resources(&self) -> usize {
        self.found.values().sum()
    }
}

/// A running sync: every scope started so far.
#[derive(Debug, Clone)]
pub struct Progress {
    pub scopes: BTreeMap<String, ScopeProgress>,
    pub started: Instant,
}

impl Progress {
    fn new() -> Self {
        Self { scopes: BTreeMap::new(), started: Instant::now() }
    }

    pub fn apply(&mut self, event: SyncEvent) {
        match event {
            SyncEvent::Started { target } => {
                self.scopes.entry(target).or_default();
            }
            SyncEvent::Page { target, kind, resources } => {
                self.scopes.entry(target).or_default().found.insert(kind, resources);
            }
            SyncEvent::Finished { target, .. } => self.scopes.entry(target).or_default().done = true,
            SyncEvent::Failed { target, error } => {
                let scope = self.scopes.entry(target).or_default();
                scope.done = true;
                scope.error = Some(error);
            }
        }
    }

    /// "4/9 scopes · 1,234 resources"
    pub fn summary(&self) -> String {
        let done = self.scopes.values().filter(|s| s.done).count();
        let resources: usize = self.scopes.values().map(ScopeProgress::resources).sum();
        format!("{done}/{} scopes · {resources} resources so far", self.scopes.len())
    }
}

/// Sync events as messages to the UI.
struct ToUi(Sink);

impl SyncSink for ToUi {
    fn event(&self, event: SyncEvent) {
        self.0.send(AppMsg::Sync(Msg::Progress(event)));
    }
}

#[derive(Debug, Default)]
pub struct SyncBar {
    pub statuses: Vec<SyncStatus>,
    problem: Option<Problem>,
    /// The AWS config's profiles and whether each is picked for "Sync now".
    pub profiles: Vec<(String, bool)>,
    profiles_problem: Option<Problem>,
    pub progress: Option<Progress>,
    /// The last sync's outcome, in a line.
    pub last: Option<Result<String, Problem>>,
    details: bool,
}

impl SyncBar {
    pub fn reload(&mut self, client: &Client, tasks: &Tasks) {
        let client = client.clone();
        tasks.spawn(async move { AppMsg::Sync(Msg::Statuses(client.statuses().await.map_err(Problem::from))) });
    }

    pub fn load_profiles(&mut self, client: &Client, tasks: &Tasks) {
        let client = client.clone();
        tasks.spawn(async move {
            let found = async {
                let synced = client.statuses().await?.into_iter().map(|s| s.profile).collect();
                Ok::<_, cloudops_app::ClientError>((client.profiles().await?, synced))
            };
            AppMsg::Sync(Msg::Profiles(found.await.map_err(Problem::from)))
        });
    }

    pub fn syncing(&self) -> bool {
        self.progress.is_some()
    }

    pub fn on(&mut self, msg: Msg) -> Vec<Action> {
        match msg {
            Msg::Statuses(Ok(statuses)) => {
                self.statuses = statuses;
                self.problem = None;
            }
            Msg::Statuses(Err(p)) => self.problem = Some(p),
            Msg::Profiles(Ok((profiles, synced))) => {
                // The profiles that synced before are picked; with none, all of them.
                let any = profiles.iter().any(|p| synced.contains(&p.0));
                self.profiles = profiles.into_iter().map(|p| (p.0.clone(), !any || synced.contains(&p.0))).collect();
            }
            Msg::Profiles(Err(p)) => self.profiles_problem = Some(p),
            Msg::Progress(event) => {
                if let Some(progress) = &mut self.progress {
                    progress.apply(event);
                }
            }
            Msg::Done(result) => {
                self.progress = None;
                self.last = Some(result.map(|o| {
                    let r = &o.report;
                    let mut line = format!(
                        "synced {} resources ({} changed, {} unchanged, {} removed)",
                        r.resources, r.upserted, r.unchanged, r.deleted
                    );
                    if r.failed > 0 {
                        line.push_str(&format!(", {} scopes failed", r.failed));
                    }
                    line
                }));
                return vec![Action::EstateChanged];
            }
        }
        Vec::new()
    }

    /// Starts a sync of the picked profiles (all of them when none is picked).
    pub fn sync_now(&mut self, client: &Client, tasks: &Tasks) {
        if self.progress.is_some() {
            return;
        }
        self.progress = Some(Progress::new());
        let profiles: Vec<String> = self.profiles.iter().filter(|(_, on)| *on).map(|(p, _)| p.clone()).collect();
        let client = client.clone();
        tasks.stream(move |sink| async move {
            let sink = ToUi(sink);
            let selection = SyncSelection { profiles, ..SyncSelection::default() };
            let result = match client.sync_request(selection).await {
                Ok(request) => client.sync(&request, &sink).await,
                Err(e) => Err(e),
            };
            AppMsg::Sync(Msg::Done(result.map_err(Problem::from)))
        });
    }

    /// The profile checkboxes.
    pub fn profile_picker(&mut self, ui: &mut egui::Ui) {
        if let Some(p) = &self.profiles_problem {
            theme::problem(ui, p);
        }
        if self.profiles.is_empty() && self.profiles_problem.is_none() {
            ui.label("No profile in the AWS config files (~/.aws/config): add one with `aws configure`.");
        }
        ui.horizontal_wrapped(|ui| {
            for (name, on) in &mut self.profiles {
                ui.checkbox(on, name.as_str());
            }
        });
    }

    /// The bar at the bottom of the window.
    pub fn ui(&mut self, ui: &mut egui::Ui, client: &Client, tasks: &Tasks) -> Vec<Action> {
        ui.horizontal(|ui| {
            let button = ui.add_enabled(self.progress.is_none(), egui::Button::new("Sync now"));
            if button.clicked() {
                self.sync_now(client, tasks);
            }
            if let Some(progress) = &self.progress {
                ui.spinner();
                ui.label(format!("syncing: {} · {} s", progress.summary(), progress.started.elapsed().as_secs()));
            } else {
                ui.label(self.summary());
            }
            match &self.last {
                Some(Ok(line)) if self.progress.is_none() => {
                    ui.weak(line);
                }
                Some(Err(p)) => theme::problem(ui, p),
                _ => {}
            }
            if let Some(p) = &self.problem {
                theme::problem(ui, p);
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.toggle_value(&mut self.details, "Sync details");
            });
        });
        if self.details {
            self.details_ui(ui);
        }
        Vec::new()
    }

    /// "Last sync 3 min ago · 12 scopes · 2 with errors"
    pub fn summary(&self) -> String {
        let Some(last) = self.statuses.iter().filter_map(|s| s.last_success).max() else {
            return "never synced".into();
        };
        let errors = self.statuses.iter().filter(|s| s.last_error.is_some()).count();
        let mut line = format!("last sync {} · {} scopes", theme::ago(last, chrono::Utc::now()), self.statuses.len());
        if errors > 0 {
            line.push_str(&format!(" · {errors} with errors"));
        }
        line
    }

    fn details_ui(&mut self, ui: &mut egui::Ui) {
        ui.separator();
        ui.label("Profiles to sync:");
        self.profile_picker(ui);
        egui::ScrollArea::vertical().id_salt("sync-details").max_height(220.0).show(ui, |ui| {
            if let Some(progress) = &self.progress {
                for (scope, p) in &progress.scopes {
                    let state = match (&p.error, p.done) {
                        (Some(e), _) => format!("failed: {e}"),
                        (None, true) => "done".into(),
                        (None, false) => "scanning".into(),
                    };
                    ui.label(format!("{scope}: {} resources · {state}", p.resources()));
                }
                ui.separator();
            }
            let now = chrono::Utc::now();
            egui::Grid::new("sync-statuses").striped(true).show(ui, |ui| {
                for header in ["account", "region", "service", "last success", "resources", "error"] {
                    ui.strong(header);
                }
                ui.end_row();
                for s in &self.statuses {
                    let account = match (&s.account_alias, &s.account_id) {
                        (Some(alias), Some(id)) => format!("{alias} ({id})"),
                        (None, Some(id)) => id.to_string(),
                        _ => format!("profile {}", s.profile),
                    };
                    ui.label(account);
                    ui.label(&s.region);
                    ui.label(&s.service);
                    ui.label(s.last_success.map(|t| theme::ago(t, now)).unwrap_or_else(|| "never".into()));
                    ui.label(s.resources.to_string());
                    match &s.last_error {
                        Some(e) => ui.colored_label(theme::ERROR, e),
                        None => ui.label(""),
                    };
                    ui.end_row();
                }
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_counts_each_kind_once_and_marks_failures() {
        let mut p = Progress::new();
        let target = "staging/us-east-1/ec2".to_owned();
        p.apply(SyncEvent::Started { target: target.clone() });
        p.apply(SyncEvent::Page { target: target.clone(), kind: ResourceKind::Ec2Instance, resources: 3 });
        p.apply(SyncEvent::Page { target: target.clone(), kind: ResourceKind::Ec2Instance, resources: 5 });
        p.apply(SyncEvent::Page { target: target.clone(), kind: ResourceKind::EbsVolume, resources: 2 });
        p.apply(SyncEvent::Started { target: "prod/us-east-1/rds".into() });
        p.apply(SyncEvent::Failed { target: "prod/us-east-1/rds".into(), error: "AccessDenied".into() });
        assert_eq!(p.scopes[&target].resources(), 7, "a kind's count is replaced, not added");
        assert_eq!(p.summary(), "1/2 scopes · 7 resources so far");
        assert_eq!(p.scopes["prod/us-east-1/rds"].error.as_deref(), Some("AccessDenied"));
    }
}
