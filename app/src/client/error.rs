use std::path::PathBuf;

use thiserror::Error;

use crate::AppError;
use crate::execute::StartError;
use crate::plan_file::PlanFileError;

/// Why a client call failed, typed so a front end can branch on the cause; every message
/// says what to do.
#[derive(Debug, Error)]
pub enum ClientError {
    #[error("the request is empty: say what to do, e.g. `cloudops plan stop pg-main`")]
    EmptyPrompt,
    #[error("nothing to search for: give a name, id, ARN or description, e.g. `cloudops search pg-main`")]
    EmptySearch,
    #[error("the local store at {0} is empty: run `cloudops sync` first")]
    EmptyStore(PathBuf),
    #[error(
        "the local store at {dir} is in use by {holder}: one process at a time opens it; wait for that one to \
         finish or close it (the desktop app has Sync now), then retry"
    )]
    StoreBusy { dir: PathBuf, holder: String },
    /// A conversation cannot take that name (empty, too long, or another conversation's).
    #[error("cannot name the conversation “{name}”: {why}")]
    ConversationName { name: String, why: String },
    /// The plan file cannot run (expired, tampered, sealed by another key, …). Audited.
    #[error(transparent)]
    PlanFile(#[from] PlanFileError),
    /// The approval could not be granted (e.g. pre-approving a high-risk plan). Audited.
    #[error("{0}")]
    ApprovalRefused(String),
    /// The engine refused to start (approval used or expired, no profile for an account, …).
    /// Audited; nothing ran.
    #[error(transparent)]
    Start(#[from] StartError),
    /// `run` was called with a review that has nothing to run (a question, a refusal, …).
    #[error("this plan cannot run: {0}")]
    NotRunnable(String),
    #[error("no AWS profile to sync: configure one with `aws configure`, pass --profile, or set AWS_CONFIG_FILE")]
    NoProfiles,
    #[error("{0}")]
    NoEmbedder(String),
    #[error("cannot load the client's playbooks (the plan guard needs them): {0}")]
    Playbooks(cloudops_ports::PortError),
    #[error("the change was made, but the re-sync failed: {0}")]
    Resync(Box<ClientError>),
    #[error("the sync succeeded, but the daily backup failed: {0}")]
    Backup(AppError),
    #[error("the execution task failed: {0}")]
    Execution(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error(transparent)]
    App(AppError),
    #[error(transparent)]
    Port(#[from] cloudops_ports::PortError),
}

impl From<AppError> for ClientError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::PlanFile(p) => Self::PlanFile(p),
            AppError::Port(p) => Self::Port(p),
            other => Self::App(other),
        }
    }
}
