use std::path::PathBuf;

use thiserror::Error;

/// Errors of the use cases; each message says what to do.
#[derive(Debug, Error)]
pub enum AppError {
    #[error("cannot find a home directory for the default {what}: pass --{flag} or set {env}")]
    NoDefaultDir { what: &'static str, flag: &'static str, env: &'static str },
    #[error("cannot read the config file {path}: {source}. Fix its permissions or pass --config with another file")]
    ConfigRead { path: PathBuf, source: std::io::Error },
    #[error("the config file {path} is invalid: {message}. See README.md#configuration for the format")]
    ConfigInvalid { path: PathBuf, message: String },
    #[error("cannot read or write {path}: {source}. Check the permissions and free space of that directory")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the sync status file {path} cannot be read ({detail}); delete it, the next `cloudops sync` rewrites it")]
    StatusCorrupt { path: PathBuf, detail: String },
    #[error("the backup cannot be used: {0}")]
    BackupInvalid(String),
    #[error(transparent)]
    PlanFile(#[from] crate::plan_file::PlanFileError),
    #[error(transparent)]
    Port(#[from] cloudops_ports::PortError),
}
