//! The local stores on embedded Qdrant ([qdrant-edge](https://crates.io/crates/qdrant-edge),
//! pinned to 0.7.2: the newest release that builds on stable rustc 1.95).
//!
//! One store directory holds two shards: `aws_estate` ([`EdgeEstateStore`]) and
//! `chat_history` ([`EdgeChatStore`]). Fields that filters need (kind, account, alias, region,
//! state, tags without `Name`) are plain and indexed; everything that names a resource (name,
//! identifier, ARN, IAM, constraints, config, dependencies) and chat text is sealed with
//! AES-256-GCM under the keys of a [`SharedKeyRing`]. A record that fails to open — tampered,
//! wrong key, plain fields edited — is a `PortError::Corrupt` naming the record.
//!
//! [`RemoteEstateStore`] keeps the same layout in a Qdrant server (`[store] qdrant_url`).
//!
//! Writes are visible when the call returns; chat messages are flushed before it returns, the
//! estate within a second and by `maintain` (see `shard::Durability`). A second process opening
//! the same store gets an error (each shard holds an exclusive lock file, [`LOCK_FILE`], which backups skip).

mod chat;
mod estate;
mod estate_record;
mod filter;
mod playbooks;
mod remote;
mod sealed;
mod shard;

pub use chat::EdgeChatStore;
pub use estate::EdgeEstateStore;
pub use filter::estate_filter_json;
pub use playbooks::EdgePlaybookStore;
pub use remote::RemoteEstateStore;
pub use sealed::SharedKeyRing;
pub use shard::{LOCK_FILE, holder_of};

/// Dimensions of the estate vectors (all-MiniLM-L6-v2).
pub const ESTATE_DIMENSIONS: usize = 384;
