use std::io::Write as _;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use cloudops_ports::{PortError, PortResult, SecretStore};

/// Secrets as hex in 0600 files of a 0700 directory (the opt-in fallback when no OS keychain
/// is reachable). Writes are atomic: a crash leaves the old secret or the new one.
#[derive(Debug, Clone)]
pub struct FileSecretStore {
    dir: PathBuf,
}

impl FileSecretStore {
    /// The warning the apps print whenever this store is in use.
    pub const WARNING: &'static str = "keys are kept in a 0600 file, not the OS keychain (key_storage = \"file\"): \
        anyone who can read your files can decrypt the local store";

    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str) -> PortResult<PathBuf> {
        let ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !ok || name.starts_with('.') {
            return Err(PortError::Invalid(format!(
                "secret name '{name}': use letters, digits, '-', '_' and '.', not starting with '.'"
            )));
        }
        Ok(self.dir.join(format!("{name}.secret")))
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> PortError {
    PortError::Unavailable {
        what: "the key file store".into(),
        detail: format!("{}: {e}", path.display()),
        hint: "check the permissions of the data directory".into(),
    }
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[async_trait]
impl SecretStore for FileSecretStore {
    async fn get(&self, name: &str) -> PortResult<Option<Vec<u8>>> {
        let path = self.path(name)?;
        match std::fs::read_to_string(&path) {
            Ok(text) => hex::decode(text.trim()).map(Some).map_err(|_| PortError::Corrupt {
                what: format!("the key file {}", path.display()),
                detail: "it is not hex".into(),
                hint: "restore it from a backup of your key, or delete it to start a new (empty) store".into(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(&path, &e)),
        }
    }

    async fn set(&self, name: &str, secret: &[u8]) -> PortResult<()> {
        let path = self.path(name)?;
        std::fs::create_dir_all(&self.dir).map_err(|e| io_error(&self.dir, &e))?;
        restrict(&self.dir, 0o700).map_err(|e| io_error(&self.dir, &e))?;
        // tempfile creates 0600 files; rename makes the write atomic.
        let mut file = tempfile::NamedTempFile::new_in(&self.dir).map_err(|e| io_error(&self.dir, &e))?;
        file.write_all(hex::encode(secret).as_bytes()).map_err(|e| io_error(&path, &e))?;
        file.as_file().sync_all().map_err(|e| io_error(&path, &e))?;
        file.persist(&path).map_err(|e| io_error(&path, &e.error))?;
        restrict(&path, 0o600).map_err(|e| io_error(&path, &e))
    }

    async fn delete(&self, name: &str) -> PortResult<()> {
        let path = self.path(name)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error(&path, &e)),
        }
    }
}
