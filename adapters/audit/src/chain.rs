//! The hash chain: what an entry's hash covers.

use chrono::{DateTime, SecondsFormat, Utc};
use cloudops_ports::AuditEvent;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

/// The `previous_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Serialize)]
struct Hashed<'a> {
    sequence: u64,
    at: String,
    event: &'a AuditEvent,
    previous_hash: &'a str,
}

/// SHA-256 (hex) over the entry's sequence, time (RFC 3339, nanoseconds), event and the
/// previous entry's hash, as JSON.
pub fn entry_hash(sequence: u64, at: DateTime<Utc>, event: &AuditEvent, previous_hash: &str) -> String {
    let hashed = Hashed { sequence, at: at.to_rfc3339_opts(SecondsFormat::Nanos, true), event, previous_hash };
    let bytes = serde_json::to_vec(&hashed).unwrap_or_default();
    hex::encode(Sha256::digest(bytes))
}
