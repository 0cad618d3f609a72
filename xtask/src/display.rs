//! An X display for the desktop app: the user's own (`DISPLAY`), else a private Xvfb (from
//! Debian's `xvfb`; `mesa-vulkan-drivers` renders into it on the CPU), stopped on drop.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};

pub struct Display {
    pub name: String,
    xvfb: Option<Child>,
}

impl Display {
    /// `DISPLAY` when set; otherwise starts Xvfb on the first free display number.
    pub fn ensure() -> anyhow::Result<Self> {
        if let Some(name) = std::env::var("DISPLAY").ok().filter(|d| !d.is_empty()) {
            return Ok(Self { name, xvfb: None });
        }
        Self::private()
    }

    /// A private Xvfb, whatever `DISPLAY` says, on the display number it picks itself
    /// (`-displayfd`: it writes the number once it accepts connections).
    pub fn private() -> anyhow::Result<Self> {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start Xvfb: install it (apt-get install xvfb mesa-vulkan-drivers) or set DISPLAY")?;
        let stdout = child.stdout.take().context("Xvfb's stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut display = Self { name: String::new(), xvfb: Some(child) };
        let line = rx.recv_timeout(Duration::from_secs(10)).unwrap_or_default();
        let Ok(n) = line.trim().parse::<u32>() else {
            bail!("Xvfb did not start within 10 s (it said {:?})", line.trim());
        };
        display.name = format!(":{n}");
        Ok(display)
    }

    /// Whether an X server can be had here (a display is set, or Xvfb is installed).
    pub fn available() -> bool {
        std::env::var("DISPLAY").is_ok_and(|d| !d.is_empty())
            || Command::new("Xvfb").arg("-help").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        if let Some(child) = &mut self.xvfb {
            // SIGTERM first: Xvfb then removes its socket and lock file.
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            for _ in 0..40 {
                if child.try_wait().ok().flatten().is_some() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
