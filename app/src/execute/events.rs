//! What an execution reports while it runs, and how it ended.

use serde::{Deserialize, Serialize};

/// Streamed while an execution runs, in order per step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum ExecutionEvent {
    StepStarted {
        step: String,
        description: String,
        cli: String,
        rollback: bool,
    },
    /// The call's response (or, for a dry run, AWS's verdict).
    StepOutput {
        step: String,
        output: serde_json::Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dry_run: Option<String>,
    },
    Waiting {
        step: String,
        state: String,
        timeout_seconds: u32,
    },
    StepFinished {
        step: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reached_state: Option<String>,
    },
    StepFailed {
        step: String,
        error: String,
    },
    StepSkipped {
        step: String,
        reason: String,
    },
    RollbackStarted {
        reason: String,
    },
    Finished {
        status: ExecutionStatus,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionStatus {
    Succeeded,
    /// A step failed; there was no rollback to run (or it was not wanted).
    Failed,
    /// A step failed and the rollback steps ran successfully.
    RolledBack,
    RollbackFailed,
    Cancelled,
}

impl ExecutionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::RolledBack => "rolled_back",
            Self::RollbackFailed => "rollback_failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// One step's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    pub step: String,
    pub rollback: bool,
    /// The call was made and succeeded (even if its wait then failed): something changed.
    pub called: bool,
    /// The call succeeded and its wait, if any, reached the state.
    pub ok: bool,
    pub output: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reached_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// How an execution ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionReport {
    pub execution_id: String,
    pub status: ExecutionStatus,
    pub dry_run: bool,
    pub steps: Vec<StepReport>,
}
