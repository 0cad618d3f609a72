use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::PortResult;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum AuditEvent {
    Request { prompt: String },
    Plan { playbook: Option<String>, version: Option<String>, digest: String },
    Approval { digest: String, approved_by: String },
    Call { step: String, operation: String, ok: bool, detail: String },
    Refusal { reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub sequence: u64,
    pub at: DateTime<Utc>,
    pub event: AuditEvent,
    /// SHA-256 of the previous entry (hex), chaining the log.
    pub previous_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerification {
    pub entries: u64,
    /// The first entry whose hash or chain link is wrong, if any.
    pub first_broken: Option<u64>,
}

/// Append-only, hash-chained audit trail on the client.
///
/// Contract: `append` never rewrites earlier entries; each entry's hash covers its content and
/// the previous hash; `verify` finds any edited, removed or reordered entry.
#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn append(&self, at: DateTime<Utc>, event: AuditEvent) -> PortResult<AuditEntry>;
    async fn entries(&self) -> PortResult<Vec<AuditEntry>>;
    async fn verify(&self) -> PortResult<AuditVerification>;
}
