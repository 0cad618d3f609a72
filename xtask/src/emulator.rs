//! `cargo xtask emulator …`: a thin front for `localstack/emulator.sh`, which owns the venvs,
//! the state files and the processes (so CI, tests and people share one implementation).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    Moto,
    Localstack,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Moto => "moto",
            Kind::Localstack => "localstack",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Create the emulator's Python venv and install its pinned packages.
    Setup {
        #[arg(long, value_enum, default_value = "moto")]
        kind: Kind,
    },
    /// Start the emulator on a free 127.0.0.1 port and print its URL.
    Up {
        #[arg(long, value_enum, default_value = "moto")]
        kind: Kind,
    },
    /// Stop the running emulator.
    Down,
    /// Show whether an emulator runs, and where.
    Status,
    /// Empty all emulator state (moto).
    Reset,
    /// Seed the running emulator with a deterministic estate.
    Seed {
        #[arg(long, default_value = "small", value_parser = ["small", "seed"])]
        size: String,
        /// Write the manifest of seeded resources here (JSON).
        #[arg(long)]
        manifest: Option<PathBuf>,
    },
}

pub fn root() -> PathBuf {
    // At run time first: `cargo run` says where this checkout is, even when the binary was
    // built from another checkout sharing the target dir.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into());
    PathBuf::from(manifest).parent().expect("xtask/ has a parent").to_path_buf()
}

/// Runs `emulator.sh ARGS`, returning its stdout (stderr passes through).
pub fn script(args: &[&str]) -> anyhow::Result<String> {
    script_in(None, args)
}

/// Like [`script`], for the emulator whose state files are in `state_dir` (a private one)
/// instead of the shared one.
fn script_in(state_dir: Option<&Path>, args: &[&str]) -> anyhow::Result<String> {
    let path = root().join("localstack/emulator.sh");
    let mut cmd = Command::new("bash");
    if let Some(dir) = state_dir {
        cmd.env("CLOUDOPS_EMULATOR_STATE_DIR", dir);
    }
    let out = cmd
        .arg(&path)
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run {}", path.display()))?;
    if !out.status.success() {
        bail!("`localstack/emulator.sh {}` failed ({})", args.join(" "), out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

pub fn setup(kind: &str) -> anyhow::Result<()> {
    let venv = script(&["setup", kind])?;
    println!("{kind} installed in {venv}");
    Ok(())
}

/// The URL of a running emulator, if one runs.
pub fn running_url() -> Option<String> {
    script(&["url"]).ok().filter(|u| !u.is_empty())
}

/// Seeds the emulator at `url`; prints the seeder's summary.
pub fn seed(url: &str, size: &str, manifest: Option<&Path>) -> anyhow::Result<()> {
    let python = PathBuf::from(script(&["venv", "moto"])?).join("bin/python");
    let mut cmd = Command::new(python);
    cmd.arg(root().join("fixtures/seed_estate.py")).args(["--endpoint", url, "--size", size]);
    if let Some(m) = manifest {
        cmd.arg("--manifest").arg(m);
    }
    let status = cmd.status().context("cannot run the seeder")?;
    if !status.success() {
        bail!("seeding the emulator failed: reset it (`cargo xtask emulator reset`) and try again");
    }
    Ok(())
}

pub fn run(action: Action) -> anyhow::Result<()> {
    match action {
        Action::Setup { kind } => setup(kind.name()),
        Action::Up { kind } => {
            println!("{}", script(&["up", kind.name()])?);
            Ok(())
        }
        Action::Down => script(&["down"]).map(|_| ()),
        Action::Status => {
            match script(&["status"]) {
                Ok(status) => println!("{status}"),
                Err(_) => println!("stopped"),
            }
            Ok(())
        }
        Action::Reset => script(&["reset"]).map(|_| ()),
        Action::Seed { size, manifest } => {
            let url = running_url().context("no emulator is running: start one with `cargo xtask emulator up`")?;
            seed(&url, &size, manifest.as_deref())
        }
    }
}

/// An emulator for the duration of a task, stopped at the end (also on Ctrl-C, see
/// [`Session::stop_on_ctrl_c`]) if the task started it.
pub struct Session {
    pub url: String,
    started: bool,
    state_dir: Option<PathBuf>,
}

impl Session {
    /// Reuses the shared emulator when one runs, else starts it.
    pub fn shared() -> anyhow::Result<Self> {
        if let Some(url) = running_url() {
            eprintln!("xtask: using the running emulator at {url}");
            return Ok(Self { url, started: false, state_dir: None });
        }
        let url = script(&["up", "moto"])?;
        eprintln!("xtask: started moto at {url}");
        Ok(Self { url, started: true, state_dir: None })
    }

    /// Starts an emulator of its own (state files in `state_dir`), whatever else runs.
    pub fn private(state_dir: &Path) -> anyhow::Result<Self> {
        let url = script_in(Some(state_dir), &["up", "moto"])?;
        eprintln!("xtask: started moto at {url}");
        Ok(Self { url, started: true, state_dir: Some(state_dir.to_owned()) })
    }

    fn stop(started: bool, state_dir: Option<&Path>) {
        if started {
            let _ = script_in(state_dir, &["down"]);
        }
    }

    /// Stops the emulator this session started when the user presses Ctrl-C.
    pub fn stop_on_ctrl_c(&self) -> anyhow::Result<()> {
        let (started, state_dir) = (self.started, self.state_dir.clone());
        ctrlc::set_handler(move || {
            Self::stop(started, state_dir.as_deref());
            std::process::exit(130);
        })
        .context("cannot install the Ctrl-C handler")
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        Self::stop(self.started, self.state_dir.as_deref());
    }
}
