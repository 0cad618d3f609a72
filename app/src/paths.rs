//! Where cloudops keeps its data and reads its config.

use std::path::PathBuf;

use crate::AppError;

/// The data dir (estate store, audit log, chat) and the config file in effect. Flags win over
/// the environment (`CLOUDOPS_DATA_DIR`, `CLOUDOPS_CONFIG`, handled by the apps' argument
/// parsers), which wins over the XDG defaults (`~/.local/share/cloudops`,
/// `~/.config/cloudops/config.toml` on Linux).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPaths {
    pub data_dir: PathBuf,
    pub config_file: PathBuf,
}

impl AppPaths {
    /// The embedded store (one directory, two shards).
    pub fn store_dir(&self) -> PathBuf {
        self.data_dir.join("store")
    }
    /// Local encrypted snapshots of the store.
    pub fn backups_dir(&self) -> PathBuf {
        self.data_dir.join("backups")
    }
    /// The opt-in key files (`key_storage = "file"`).
    pub fn keys_dir(&self) -> PathBuf {
        self.data_dir.join("keys")
    }

    pub fn resolve(data_dir: Option<PathBuf>, config_file: Option<PathBuf>) -> Result<Self, AppError> {
        let data_dir = match data_dir {
            Some(dir) => dir,
            None => dirs::data_dir().map(|d| d.join("cloudops")).ok_or(AppError::NoDefaultDir {
                what: "data dir",
                flag: "data-dir",
                env: "CLOUDOPS_DATA_DIR",
            })?,
        };
        let config_file = match config_file {
            Some(file) => file,
            None => dirs::config_dir()
                .map(|d| d.join("cloudops").join("config.toml"))
                .ok_or(AppError::NoDefaultDir { what: "config file", flag: "config", env: "CLOUDOPS_CONFIG" })?,
        };
        Ok(Self { data_dir, config_file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_paths_win() {
        let p = AppPaths::resolve(Some("/d".into()), Some("/c.toml".into())).unwrap();
        assert_eq!(p, AppPaths { data_dir: "/d".into(), config_file: "/c.toml".into() });
    }

    #[test]
    fn defaults_are_per_user_xdg_dirs() {
        let p = AppPaths::resolve(None, None).unwrap();
        assert!(p.data_dir.ends_with("cloudops"), "{p:?}");
        assert!(p.config_file.ends_with("cloudops/config.toml"), "{p:?}");
    }
}
