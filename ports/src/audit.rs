use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudops_domain::AwsCall;
use cloudops_domain::approval::ApprovalMode;
use serde::{Deserialize, Serialize};

use crate::PortResult;

/// One thing that happened on the client, in the order it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum AuditEvent {
    /// A prompt and the resources it was resolved to (ARNs), as sent to the planner.
    Request {
        prompt: String,
        identified: Vec<String>,
        planner: String,
    },
    /// The plan received, with the playbook that made it and every call it would make.
    Plan {
        playbook: Option<String>,
        version: Option<String>,
        digest: String,
        risk: String,
        calls: Vec<AwsCall>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        rollback: Vec<AwsCall>,
    },
    /// The plan guard or the approval check refused the plan; nothing ran.
    Refusal {
        digest: Option<String>,
        reason: String,
    },
    Approval {
        approval_id: String,
        digest: String,
        approved_by: String,
        mode: ApprovalMode,
        expires_at: DateTime<Utc>,
    },
    ExecutionStarted {
        execution_id: String,
        approval_id: String,
        digest: String,
        dry_run: bool,
    },
    /// One executed call and its result.
    Call {
        execution_id: String,
        step: String,
        call: AwsCall,
        ok: bool,
        /// The response (or the error) in short.
        detail: String,
        #[serde(default)]
        rollback: bool,
        #[serde(default)]
        dry_run: bool,
    },
    ExecutionFinished {
        execution_id: String,
        status: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub sequence: u64,
    pub at: DateTime<Utc>,
    pub event: AuditEvent,
    /// The previous entry's hash (hex; 64 zeros for the first), chaining the log.
    pub previous_hash: String,
    /// SHA-256 (hex) over `sequence`, `at`, `event` and `previous_hash`.
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerification {
    pub entries: u64,
    /// The first entry whose hash, chain link, sequence or seal is wrong, if any.
    pub first_broken: Option<u64>,
    /// What is wrong with it, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl AuditVerification {
    pub fn intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// Append-only, hash-chained audit trail on the client.
///
/// Contract: `append` never rewrites earlier entries; each entry's hash covers its content and
/// the previous hash; `verify` finds any edited, removed, inserted or reordered entry (and
/// `entries` refuses to return a log that does not verify).
#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn append(&self, at: DateTime<Utc>, event: AuditEvent) -> PortResult<AuditEntry>;
    async fn entries(&self) -> PortResult<Vec<AuditEntry>>;
    async fn verify(&self) -> PortResult<AuditVerification>;
}
