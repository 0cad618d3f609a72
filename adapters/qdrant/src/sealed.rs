//! Sealed payload fields: AES-256-GCM records (see `cloudops-crypto`) as JSON in a payload.

use cloudops_crypto::{CryptoError, Sealed};
use cloudops_ports::{PortError, PortResult};
use serde_json::Value;

pub use cloudops_crypto::SharedKeyRing;

pub(crate) fn seal(ring: &SharedKeyRing, record: &str, plaintext: &[u8]) -> PortResult<Value> {
    let ring = ring.read().map_err(|_| poisoned())?;
    let sealed = ring.seal(record, plaintext).map_err(|e| crypto_error(record, e))?;
    Ok(sealed.to_json())
}

pub(crate) fn open(ring: &SharedKeyRing, record: &str, value: Option<&Value>) -> PortResult<Vec<u8>> {
    let sealed = parse(record, value)?;
    let ring = ring.read().map_err(|_| poisoned())?;
    ring.open(record, &sealed).map_err(|e| crypto_error(record, e))
}

/// Whether the record was sealed by an older key (needs re-sealing after a rotation).
pub(crate) fn is_stale(ring: &SharedKeyRing, record: &str, value: Option<&Value>) -> PortResult<bool> {
    let sealed = parse(record, value)?;
    Ok(ring.read().map_err(|_| poisoned())?.is_stale(&sealed))
}

fn parse(record: &str, value: Option<&Value>) -> PortResult<Sealed> {
    let bad = |what: &str| corrupt(record, &format!("its sealed field is malformed ({what})"));
    Sealed::from_json(value.ok_or_else(|| bad("missing"))?).map_err(bad)
}

pub(crate) fn corrupt(record: &str, detail: &str) -> PortError {
    PortError::Corrupt {
        what: format!("stored record {record}"),
        detail: detail.to_owned(),
        hint: "run `cloudops sync --full` to rebuild it, or `cloudops restore` from a backup".into(),
    }
}

fn crypto_error(record: &str, e: CryptoError) -> PortError {
    match e {
        CryptoError::UnknownKey { .. } | CryptoError::Tampered { .. } => PortError::Corrupt {
            what: format!("stored record {record}"),
            detail: e.to_string(),
            hint: "the data key in the keychain may have been replaced; restore it, or rebuild with `cloudops sync --full`"
                .into(),
        },
        other => PortError::Other(other.to_string()),
    }
}

fn poisoned() -> PortError {
    PortError::Other("the key ring lock was poisoned by an earlier panic".into())
}
