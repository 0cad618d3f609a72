//! The audit trail on the client: `audit.jsonl` in the data dir, one line per entry,
//! append-only. Each line is `{"seq": N, "sealed": …}`: the entry as JSON, sealed with the
//! store's key (AES-256-GCM, record id `audit/N` as associated data, so a line moved, edited
//! or swapped fails to open). Each entry carries the previous entry's hash and its own, so a
//! removed or reordered entry breaks the chain; `audit.head` (sealed too) records the last
//! sequence and hash, so removing entries from the end is detected as well.

mod chain;
mod file;

pub use chain::{GENESIS, entry_hash};
pub use file::FileAuditLog;
