//! `cargo xtask bench …`: benchmarks that print figures (never timed assertions in tests).
//! They build in the same dev profile as the tests, so nothing is built twice.

use std::process::Command;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::emulator::{Session, root};

#[derive(Debug, Subcommand)]
pub enum Suite {
    /// Full sync and unchanged re-sync of a seeded estate: resources/s, wall times, cloudops's
    /// CPU per resource, peak RSS.
    Sync {
        /// Estate size: `seed` (3,268 resources in 3 accounts x 3 regions) or `small`.
        #[arg(long, default_value = "seed", value_parser = ["seed", "small"])]
        size: String,
        /// Record the sync, then replay the recording (from a process of its own, no emulator)
        /// as copies of the seeded accounts holding at least this many resources.
        #[arg(long, value_name = "RESOURCES")]
        replay: Option<usize>,
    },
    /// The embedded estate store at 10k and 100k resources: upsert points/s, filtered search
    /// p50/p99, on-disk size, reopen time, peak RSS.
    Store {
        /// Store sizes to measure.
        #[arg(default_values_t = [10_000usize, 100_000])]
        sizes: Vec<usize>,
        /// Store and query uniformly random vectors instead of embedder-like ones (the worst
        /// case for a graph search: no vector is near another).
        #[arg(long)]
        random_vectors: bool,
    },
    /// The lookup engine: MiniLM sentences/s (batch 32), name-index build time, query
    /// latency p50/p99 including the query embedding at 10k and 100k resources, peak RSS.
    Lookup {
        /// Estate sizes to measure.
        #[arg(default_values_t = [10_000usize, 100_000])]
        sizes: Vec<usize>,
    },
    /// Sync through the fault-injecting proxy (throttling, 500s, resets, slow and truncated
    /// answers) at several rates: faults injected, retries, scopes failed, resources lost (0).
    Reliability {
        /// Estate size: `small` (2 accounts x 2 regions) or `seed`.
        #[arg(long, default_value = "small", value_parser = ["seed", "small"])]
        size: String,
    },
    /// The planning server over HTTP: /v1/plan p50/p99 on the router path and the LLM path,
    /// requests/s with 32 concurrent clients.
    Plan,
    /// The desktop app: cold start to the first frame, RSS with 10k and 100k resources in the
    /// explorer (no model loaded yet), p99 UI-thread CPU per frame while scrolling it. Runs in
    /// a private Xvfb when DISPLAY is not set.
    Desktop {
        /// Estate sizes to load.
        #[arg(default_values_t = [10_000usize, 100_000])]
        sizes: Vec<usize>,
    },
}

pub fn run(suite: Suite) -> anyhow::Result<()> {
    match suite {
        Suite::Sync { size, replay } => {
            let mut args = vec![size];
            if let Some(n) = replay {
                args.extend(["--replay".to_owned(), n.to_string()]);
            }
            against_private_emulator("bench-sync", &args)
        }
        Suite::Reliability { size } => against_private_emulator("bench-reliability", &[size]),
        Suite::Store { sizes, random_vectors } => {
            let flags: &[&str] = if random_vectors { &["--random-vectors"] } else { &[] };
            run_sized("bench-store", &sizes, flags)
        }
        Suite::Lookup { sizes } => {
            crate::models::setup()?;
            run_sized("bench-lookup", &sizes, &[])
        }
        Suite::Plan => {
            crate::models::setup()?;
            run_sized("bench-plan", &[], &[])
        }
        Suite::Desktop { sizes } => {
            crate::models::setup()?;
            let display = crate::display::Display::ensure()?;
            let binary = crate::cargo::workspace_binary("bench-desktop")?;
            let status = Command::new(binary)
                .args(sizes.iter().map(ToString::to_string))
                .env("DISPLAY", &display.name)
                .current_dir(root())
                .status()
                .context("cannot run bench-desktop")?;
            if !status.success() {
                bail!("bench-desktop failed ({status})");
            }
            Ok(())
        }
    }
}

/// Runs bench binary `name` with `args` against an emulator of its own: the figures must not
/// depend on what else is in a shared one.
fn against_private_emulator(name: &str, args: &[String]) -> anyhow::Result<()> {
    crate::emulator::setup("moto")?;
    let work = tempfile::Builder::new().prefix("cloudops-bench-").tempdir()?;
    let emulator = Session::private(&work.path().join("emulator"))?;
    emulator.stop_on_ctrl_c()?;
    let status = Command::new(crate::cargo::workspace_binary(name)?)
        .args(args)
        .env("CLOUDOPS_EMULATOR_URL", &emulator.url)
        .current_dir(root())
        .status()
        .with_context(|| format!("cannot run {name}"))?;
    if !status.success() {
        bail!("{name} failed ({status})");
    }
    Ok(())
}

/// Runs bench binary `name` with estate sizes and `flags` as its arguments.
pub(crate) fn run_sized(name: &str, sizes: &[usize], flags: &[&str]) -> anyhow::Result<()> {
    let sizes: Vec<String> = sizes.iter().map(ToString::to_string).collect();
    let status = Command::new(crate::cargo::workspace_binary(name)?)
        .args(&sizes)
        .args(flags)
        .current_dir(root())
        .status()
        .with_context(|| format!("cannot run {name}"))?;
    if !status.success() {
        bail!("{name} failed ({status})");
    }
    Ok(())
}
