//! A throw-away Secret Service for the tests on a headless Linux machine (CI, containers):
//! a private D-Bus session bus with an unlocked gnome-keyring on a temporary keyring file.
//! On a desktop (DBUS_SESSION_BUS_ADDRESS set) or without the tools, nothing is started and
//! the keychain test uses the user's keychain or prints why it skips.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, Command, Stdio};

use anyhow::{Context as _, bail};

#[derive(Debug)]
pub struct KeyringSession {
    bus: Child,
    pub address: String,
    _dir: tempfile::TempDir,
}

fn have(tool: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success())
}

impl KeyringSession {
    /// Starts one when this is Linux without a session bus and the tools are installed.
    pub fn start_if_needed() -> anyhow::Result<Option<Self>> {
        let headless = cfg!(target_os = "linux") && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none();
        if !headless || !have("dbus-daemon") || !have("gnome-keyring-daemon") {
            return Ok(None);
        }
        let dir = tempfile::tempdir().context("temp dir for the test keyring")?;
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start dbus-daemon")?;
        let mut address = String::new();
        BufReader::new(bus.stdout.take().context("dbus-daemon stdout")?).read_line(&mut address)?;
        let address = address.trim().to_owned();
        if address.is_empty() {
            let _ = bus.kill();
            bail!("dbus-daemon printed no address");
        }
        let session = Self { bus, address, _dir: dir };
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &session.address)
            .env("XDG_DATA_HOME", session._dir.path())
            .env("XDG_RUNTIME_DIR", session._dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start gnome-keyring-daemon")?;
        // The (throw-away) password of the test keyring, on stdin as the daemon expects.
        keyring.stdin.take().context("keyring stdin")?.write_all(b"cloudops-test")?;
        let status = keyring.wait()?;
        if !status.success() {
            bail!("gnome-keyring-daemon --unlock failed ({status})");
        }
        eprintln!("xtask: a throw-away Secret Service (gnome-keyring) serves the tests at {}", session.address);
        Ok(Some(session))
    }
}

impl Drop for KeyringSession {
    fn drop(&mut self) {
        // gnome-keyring-daemon exits when its bus goes away.
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}
