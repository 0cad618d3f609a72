//! Sync progress on stderr: a bar on a terminal, nothing otherwise (stdout stays clean for
//! --json).

use std::io::IsTerminal as _;

use cloudops_ports::{SyncEvent, SyncSink};
use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn new() -> Self {
        if !std::io::stderr().is_terminal() {
            return Self { bar: None };
        }
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos}/{len} scopes · {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Self { bar: Some(bar) }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl SyncSink for Progress {
    fn event(&self, event: SyncEvent) {
        let Some(bar) = &self.bar else { return };
        match event {
            SyncEvent::Started { target } => {
                bar.inc_length(1);
                bar.set_message(target);
            }
            SyncEvent::Page { target, kind, resources } => bar.set_message(format!("{target} {kind}: {resources}")),
            SyncEvent::Finished { .. } => bar.inc(1),
            SyncEvent::Failed { target, error } => {
                bar.inc(1);
                bar.println(format!("failed: {target}: {error}"));
            }
        }
    }
}
