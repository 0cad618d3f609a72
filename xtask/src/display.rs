//! An X display for the desktop app: the user's own (`DISPLAY`), else a private Xvfb (from
//! Debian's `xvfb`; `mesa-vulkan-drivers` renders into it on the CPU), stopped on drop.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

    /// A private Xvfb, whatever `DISPLAY` says.
    pub fn private() -> anyhow::Result<Self> {
        let Some(n) = (90..140).find(|n| !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()) else {
            bail!("no free X display number in :90..:139");
        };
        let name = format!(":{n}");
        let child = Command::new("Xvfb")
            .args([name.as_str(), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start Xvfb: install it (apt-get install xvfb mesa-vulkan-drivers) or set DISPLAY")?;
        let display = Self { name, xvfb: Some(child) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
            if Instant::now() > deadline {
                bail!("Xvfb {} did not start within 10 s", display.name);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
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
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
