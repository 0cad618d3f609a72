//! Sealed payload fields: AES-256-GCM records (see `cloudops-crypto`) as JSON in a payload.

use std::sync::{Arc, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use cloudops_crypto::{CryptoError, KeyRing, Sealed};
use cloudops_ports::{PortError, PortResult};
use serde_json::{Value, json};

/// The key ring shared by the stores of one data directory.
pub type SharedKeyRing = Arc<RwLock<KeyRing>>;

pub(crate) fn seal(ring: &SharedKeyRing, record: &str, plaintext: &[u8]) -> PortResult<Value> {
    let ring = ring.read().map_err(|_| poisoned())?;
    let sealed = ring.seal(record, plaintext).map_err(|e| crypto_error(record, e))?;
    Ok(json!({
        "k": sealed.key_id,
        "v": sealed.version,
        "n": B64.encode(sealed.nonce),
        "c": B64.encode(&sealed.ciphertext),
    }))
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
    let value = value.ok_or_else(|| bad("missing"))?;
    let key_id = value.get("k").and_then(Value::as_str).ok_or_else(|| bad("key id"))?.to_owned();
    let version = value.get("v").and_then(Value::as_u64).and_then(|v| u32::try_from(v).ok());
    let version = version.ok_or_else(|| bad("key version"))?;
    let nonce = value.get("n").and_then(Value::as_str).and_then(|n| B64.decode(n).ok());
    let nonce: [u8; 12] = nonce.and_then(|n| n.try_into().ok()).ok_or_else(|| bad("nonce"))?;
    let ciphertext = value.get("c").and_then(Value::as_str).and_then(|c| B64.decode(c).ok());
    let ciphertext = ciphertext.ok_or_else(|| bad("ciphertext"))?;
    Ok(Sealed { key_id, version, nonce, ciphertext })
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
