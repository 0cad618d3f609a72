//! The first-run guide, shown while the local store holds no estate: pick the AWS profiles,
//! sync them, then try a question.

use cloudops_app::Client;

use crate::app::Action;
use crate::sync_bar::SyncBar;
use crate::tasks::Tasks;

pub fn ui(ui: &mut egui::Ui, sync: &mut SyncBar, client: &Client, tasks: &Tasks) -> Vec<Action> {
    ui.heading("Welcome to cloudops");
    ui.label(
        "cloudops keeps a copy of your AWS estate on this machine (encrypted), so it can find the exact \
         resource you mean. Nothing is synced yet.",
    );
    ui.add_space(8.0);
    ui.strong("1. Pick the AWS profiles to sync");
    sync.profile_picker(ui);
    ui.add_space(8.0);
    ui.strong("2. Sync them");
    ui.label("Read-only calls, with your own credentials; they never leave this machine.");
    let picked = sync.profiles.iter().any(|(_, on)| *on);
    if ui.add_enabled(picked && !sync.syncing(), egui::Button::new("Sync the picked profiles")).clicked() {
        sync.sync_now(client, tasks);
    }
    if let Some(progress) = &sync.progress {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(progress.summary());
        });
    }
    if let Some(Err(p)) = &sync.last {
        crate::theme::problem(ui, p);
    }
    ui.add_space(8.0);
    ui.strong("3. Try a question");
    ui.label("“which buckets are public?”, “stop pg-instance-main1”, “databases without backups in production”");
    Vec::new()
}
