//! `cloudops-desktop`. The egui/eframe UI (chat, resource explorer, execution monitor) is the
//! desktop issue's work; every use case it will call already lives in `cloudops-app`, shared
//! with the CLI. Until the UI lands this binary refuses clearly instead of pretending.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!(
        "cloudops-desktop: the desktop UI is not built yet. Use the `cloudops` command-line app, \
         which runs the same use cases (try `cloudops --help`)."
    );
    ExitCode::from(2)
}
