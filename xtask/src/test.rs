//! `cargo xtask test`: what CI runs.

use anyhow::{Context, bail};

use crate::emulator::Session;

fn cargo(args: &[&str], envs: &[(&str, &str)]) -> anyhow::Result<()> {
    eprintln!("xtask: cargo {}", args.join(" "));
    let status = crate::cargo::command().args(args).envs(envs.iter().copied()).status().context("cannot run cargo")?;
    if !status.success() {
        bail!("`cargo {}` failed", args.join(" "));
    }
    Ok(())
}

pub fn run(no_lint: bool, extra: &[String]) -> anyhow::Result<()> {
    if !no_lint {
        cargo(&["fmt", "--all", "--check"], &[])?;
        cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], &[])?;
    }
    let emulator = Session::shared()?;
    emulator.stop_on_ctrl_c()?;
    let keyring = crate::keychain::KeyringSession::start_if_needed()?;
    // The emulator's venv pins the AWS CLI: `aws_cli` steps are tested with it when no other
    // `aws` is installed (one on PATH comes first).
    let venv_bin = std::path::PathBuf::from(crate::emulator::script(&["venv", "moto"])?).join("bin");
    let path = std::env::join_paths(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).chain(std::iter::once(venv_bin)),
    )?;
    let path = path.to_string_lossy().into_owned();
    let mut envs = vec![("CLOUDOPS_EMULATOR_URL", emulator.url.as_str()), ("PATH", path.as_str())];
    if let Some(session) = &keyring {
        envs.push(("DBUS_SESSION_BUS_ADDRESS", session.address.as_str()));
    }
    let mut args = vec!["test", "--workspace"];
    args.extend(extra.iter().map(String::as_str));
    cargo(&args, &envs)?;
    if !extra.is_empty() {
        return Ok(()); // a chosen subset of the tests: no eval
    }
    // The planner's paraphrase suite: fails on a plan its prompt's words contradict.
    eprintln!("xtask: eval plan");
    crate::eval::run(crate::eval::Suite::Plan { verbose: false })
}
