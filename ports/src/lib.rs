//! Ports: the traits the use cases (`cloudops-app`) need from the world, and the contract each
//! adapter must keep. Every port is an object-safe async trait, `Send + Sync`, so the apps wire
//! adapters as `Arc<dyn Port>` and tests substitute fakes.
//!
//! Contracts are part of the type: an adapter that breaks one is wrong even if it compiles.
//! Shared contract tests live with the adapters (one suite per port, run against every adapter).

mod accounts;
mod audit;
mod backup;
mod chat;
mod classifier;
mod clock;
mod counters;
mod embedder;
mod error;
mod estate_source;
mod estate_store;
mod executor;
mod permissions;
mod planner;
mod playbooks;
mod secrets;

pub use accounts::{AccountDirectory, CallerIdentity, ORGANIZATION_ACCOUNT_ACCESS_ROLE, Profile};
pub use audit::{AuditEntry, AuditEvent, AuditLog, AuditVerification};
pub use backup::BackupTarget;
pub use chat::{ChatMessage, ChatStore, ConversationId, ConversationSummary, summarize};
pub use classifier::{Classification, IntentClassifier};
pub use clock::{Clock, SystemClock};
pub use counters::CounterStore;
pub use embedder::Embedder;
pub use error::PortError;
pub use estate_source::{EstateSource, NoProgress, ScanTarget, ScanWarning, Scanned, SyncEvent, SyncSink};
pub use estate_store::{EstateFilter, EstateStore, ScoredResource, StoredResource};
pub use executor::{CallOutcome, Executor};
pub use permissions::PermissionOracle;
pub use planner::PlannerClient;
pub use playbooks::{PlaybookSource, PlaybookStore, PlaybookText};
pub use secrets::SecretStore;

/// Result of a port call.
pub type PortResult<T> = Result<T, PortError>;
