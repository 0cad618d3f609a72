//! The cloudops desktop app (egui/eframe): a chat whose answers are plan cards, a resource
//! explorer over the local estate, and an execution monitor with the audit history. It calls
//! the one `cloudops_app::Client` that `cloudops_wiring::open` builds — the same use cases as
//! the CLI — and never blocks its UI thread on IO ([`tasks`]).

mod app;
mod chat;
mod explorer;
mod first_run;
mod monitor;
mod probe;
mod problem;
mod sync_bar;
mod tasks;
mod theme;

pub use app::{DesktopApp, Panel};
pub use monitor::{RunState, StepState};
pub use problem::{Cause, Problem};

/// The window's options: its title, size and the app id the window state is saved under.
pub fn native_options() -> eframe::NativeOptions {
    eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("cloudops")
            .with_app_id("cloudops")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([720.0, 480.0]),
        persist_window: true,
        ..Default::default()
    }
}

/// Opens the window and runs until it is closed.
pub fn run(options: cloudops_wiring::Options) -> anyhow::Result<()> {
    eframe::run_native(
        "cloudops",
        native_options(),
        Box::new(move |cc| Ok(Box::new(DesktopApp::new(cc, options)?) as Box<dyn eframe::App>)),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e} (is there a display? DISPLAY / WAYLAND_DISPLAY)"))
}
