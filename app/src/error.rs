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
    #[error(transparent)]
    Port(#[from] cloudops_ports::PortError),
}
