//! Running cargo from xtask so that its builds are the very builds a developer's shell makes.
//!
//! `cargo xtask` runs under `cargo run`, which sets `CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, … in
//! our environment. Some build scripts (ring's, via rustls) declare `rerun-if-env-changed`
//! on exactly those names, so a nested cargo that inherits them re-runs those scripts and
//! rebuilds everything above them (TLS, every AWS SDK) — and the shell's next build rebuilds
//! them back. [`command`] strips them.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

use crate::emulator::root;

/// Where every build of ours goes: `CARGO_TARGET_DIR` when set, else the shared
/// `<cache>/target` the README and `.ci/run` use — so a `cargo xtask demo` in a shell that
/// forgot the variable reuses the build instead of compiling the world into `./target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => crate::models::cache_dir().map(|c| c.join("target")).unwrap_or_else(|_| root().join("target")),
    }
}

/// `cargo` (the one running us), in the workspace root, building into [`target_dir`], without
/// `cargo run`'s package variables.
pub fn command() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.env("CARGO_TARGET_DIR", target_dir());
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        let package_var = name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST_")
            || matches!(name, "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE" | "OUT_DIR");
        if package_var {
            cmd.env_remove(name);
        }
    }
    cmd.current_dir(root());
    cmd
}

/// Builds the workspace's test artifacts (a no-op after `cargo xtask test`) and returns the
/// path of binary `name` among them. Running binaries from there, rather than with
/// `cargo run -p …`, reuses the test build: a single-package build unifies features
/// differently and would compile the AWS SDKs and the vector engine a second time.
pub fn workspace_binary(name: &str) -> anyhow::Result<PathBuf> {
    let status = command()
        .args(["test", "--workspace", "--no-run", "--quiet"])
        .status()
        .context("cannot run cargo to build the workspace")?;
    if !status.success() {
        bail!("building the workspace failed ({status})");
    }
    let binary = target_dir().join("debug").join(name);
    if !binary.is_file() {
        bail!("{} was not built", binary.display());
    }
    Ok(binary)
}
