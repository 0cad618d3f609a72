//! `cargo xtask bench …`: benchmarks that print figures (never timed assertions in tests).
//! They build in the same dev profile as the tests, so nothing is built twice.

use std::process::Command;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::emulator::{Session, root};

#[derive(Debug, Subcommand)]
pub enum Suite {
    /// Full sync and unchanged re-sync of a seeded estate: resources/s, wall times, peak RSS.
    Sync {
        /// Estate size: `seed` (3,268 resources in 3 accounts x 3 regions) or `small`.
        #[arg(long, default_value = "seed", value_parser = ["seed", "small"])]
        size: String,
    },
    /// The embedded estate store at 10k and 100k resources: upsert points/s, filtered search
    /// p50/p99, on-disk size, reopen time, peak RSS.
    Store {
        /// Store sizes to measure.
        #[arg(default_values_t = [10_000usize, 100_000])]
        sizes: Vec<usize>,
    },
}

/// Builds the workspace's test artifacts (a no-op after `cargo xtask test`) and returns the
/// path of the bench binary `name` among them. Running it from there, rather than with
/// `cargo run -p cloudops-e2e`, reuses the test build: a single-package build unifies features
/// differently and would compile the AWS SDKs and the vector engine a second time.
fn bench_binary(name: &str) -> anyhow::Result<std::path::PathBuf> {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["test", "--workspace", "--no-run", "--quiet"])
        .current_dir(root())
        .status()
        .context("cannot build the benchmarks")?;
    if !status.success() {
        bail!("building the benchmarks failed ({status})");
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(std::path::PathBuf::from).unwrap_or_else(|| root().join("target"));
    let binary = target.join("debug").join(name);
    if !binary.is_file() {
        bail!("{} was not built", binary.display());
    }
    Ok(binary)
}

pub fn run(suite: Suite) -> anyhow::Result<()> {
    match suite {
        Suite::Sync { size } => {
            crate::emulator::setup("moto")?;
            let work = tempfile::Builder::new().prefix("cloudops-bench-").tempdir()?;
            // A private emulator: the figures must not depend on what else is in a shared one.
            let emulator = Session::private(&work.path().join("emulator"))?;
            emulator.stop_on_ctrl_c()?;
            let status = Command::new(bench_binary("bench-sync")?)
                .arg(&size)
                .env("CLOUDOPS_EMULATOR_URL", &emulator.url)
                .current_dir(root())
                .status()
                .context("cannot run the sync benchmark")?;
            if !status.success() {
                bail!("the sync benchmark failed ({status})");
            }
            Ok(())
        }
        Suite::Store { sizes } => {
            let sizes: Vec<String> = sizes.iter().map(ToString::to_string).collect();
            let status = Command::new(bench_binary("bench-store")?)
                .args(&sizes)
                .current_dir(root())
                .status()
                .context("cannot run the store benchmark")?;
            if !status.success() {
                bail!("the store benchmark failed ({status})");
            }
            Ok(())
        }
    }
}
