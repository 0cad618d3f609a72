use thiserror::Error;

/// What went wrong behind a port, in terms the user can act on. Adapters map their own errors
/// into these; `hint` is the next step for the user ("run `cargo xtask setup`", "check the
/// profile's role_arn").
#[derive(Debug, Clone, Error)]
pub enum PortError {
    /// The service behind the port could not be reached or is not set up.
    #[error("{what} is unavailable: {detail}. {hint}")]
    Unavailable { what: String, detail: String, hint: String },
    /// The credentials were refused or lack a permission.
    #[error("access denied by {what}: {detail}. {hint}")]
    Denied { what: String, detail: String, hint: String },
    /// The thing asked for does not exist.
    #[error("{0} was not found")]
    NotFound(String),
    /// The input was rejected; the message says what was wrong.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// Stored data failed an integrity check (tampered, wrong key, truncated).
    #[error("{what} failed its integrity check: {detail}. {hint}")]
    Corrupt { what: String, detail: String, hint: String },
    /// Anything else, with the adapter's own words.
    #[error("{0}")]
    Other(String),
}
