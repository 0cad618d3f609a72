//! Sealing of sensitive records at rest with AES-256-GCM.
//!
//! - every record gets a fresh random 96-bit nonce;
//! - the record's id is bound as associated data, so a ciphertext moved to another record
//!   fails to open (it cannot be swapped unnoticed);
//! - every sealed record names the key (`key_id`, `version`) that sealed it, so keys can be
//!   rotated: a [`KeyRing`] opens records of its current and previous keys and seals with
//!   the current one;
//! - a tampered record, or one sealed with a key the ring does not hold, is an error that
//!   names the record — never garbage, never a panic.

mod compact;

pub use compact::SharedKeyRing;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use zeroize::Zeroizing;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error(
        "record '{record}' was sealed with key {key_id} v{version}, which this key ring does not hold: \
         restore that key to the keychain, or re-sync to rebuild the record"
    )]
    UnknownKey { record: String, key_id: String, version: u32 },
    #[error(
        "record '{record}' failed its integrity check (tampered, truncated, or sealed for another record): \
         re-sync to rebuild it, or restore the store from a backup"
    )]
    Tampered { record: String },
    #[error(
        "a data key must be exactly 32 bytes, got {0}: the keychain entry is damaged; restore it or create a new key"
    )]
    KeyLength(usize),
    #[error("record '{0}' is too large to seal with AES-GCM (the limit is 64 GiB)")]
    TooLarge(String),
}

/// One AES-256 data key with its identity. The key bytes are wiped when dropped.
pub struct DataKey {
    pub id: String,
    pub version: u32,
    key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        write!(f, "DataKey({} v{})", self.id, self.version)
    }
}

impl DataKey {
    /// A new random key.
    pub fn generate(id: &str, version: u32) -> Self {
        let key = Aes256Gcm::generate_key(OsRng);
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(&key);
        Self { id: id.to_owned(), version, key: bytes }
    }

    /// A key from its 32 bytes (as kept in the OS keychain).
    pub fn from_bytes(id: &str, version: u32, bytes: &[u8]) -> Result<Self, CryptoError> {
        let array: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::KeyLength(bytes.len()))?;
        Ok(Self { id: id.to_owned(), version, key: Zeroizing::new(array) })
    }

    /// A short public name of this key (16 hex digits of a domain-separated SHA-256 of it):
    /// tells "sealed by another key" from "tampered" without revealing anything usable.
    pub fn fingerprint(&self) -> String {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        h.update(b"cloudops key fingerprint\0");
        h.update(self.key.as_slice());
        hex::encode(&h.finalize()[..8])
    }

    /// The key bytes, to store in the OS keychain.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.key
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(self.key.as_slice()))
    }
}

/// A sealed record: which key, the nonce, the ciphertext with its tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub key_id: String,
    pub version: u32,
    pub nonce: [u8; 12],
    pub ciphertext: Vec<u8>,
}

/// The current key and the older ones still needed to open records not yet re-sealed.
#[derive(Debug)]
pub struct KeyRing {
    current: DataKey,
    previous: Vec<DataKey>,
}

impl KeyRing {
    pub fn new(current: DataKey, previous: Vec<DataKey>) -> Self {
        Self { current, previous }
    }

    pub fn current(&self) -> &DataKey {
        &self.current
    }

    /// Makes `next` the current key; the old current key stays able to open.
    pub fn rotate(&mut self, next: DataKey) {
        let old = std::mem::replace(&mut self.current, next);
        self.previous.push(old);
    }

    /// Seals `plaintext` for the record `record_id` with the current key and a fresh nonce.
    pub fn seal(&self, record_id: &str, plaintext: &[u8]) -> Result<Sealed, CryptoError> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self
            .current
            .cipher()
            .encrypt(&nonce, Payload { msg: plaintext, aad: record_id.as_bytes() })
            .map_err(|_| CryptoError::TooLarge(record_id.to_owned()))?;
        Ok(Sealed { key_id: self.current.id.clone(), version: self.current.version, nonce: nonce.into(), ciphertext })
    }

    /// Opens a record sealed for `record_id` by any key of the ring.
    pub fn open(&self, record_id: &str, sealed: &Sealed) -> Result<Vec<u8>, CryptoError> {
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == sealed.key_id && k.version == sealed.version)
            .ok_or_else(|| CryptoError::UnknownKey {
                record: record_id.to_owned(),
                key_id: sealed.key_id.clone(),
                version: sealed.version,
            })?;
        key.cipher()
            .decrypt(Nonce::from_slice(&sealed.nonce), Payload { msg: &sealed.ciphertext, aad: record_id.as_bytes() })
            .map_err(|_| CryptoError::Tampered { record: record_id.to_owned() })
    }

    /// Whether a key of this ring has `fingerprint` ([`DataKey::fingerprint`]).
    pub fn holds(&self, fingerprint: &str) -> bool {
        std::iter::once(&self.current).chain(&self.previous).any(|k| k.fingerprint() == fingerprint)
    }

    /// Whether `sealed` needs re-sealing with the current key (after a rotation).
    pub fn is_stale(&self, sealed: &Sealed) -> bool {
        sealed.key_id != self.current.id || sealed.version != self.current.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> KeyRing {
        KeyRing::new(DataKey::generate("estate", 1), Vec::new())
    }

    #[test]
    fn seal_and_open_round_trip_with_fresh_nonces() {
        let ring = ring();
        let a = ring.seal("rec-1", b"pg-instance-main1").unwrap();
        let b = ring.seal("rec-1", b"pg-instance-main1").unwrap();
        assert_ne!(a.nonce, b.nonce, "every record gets a fresh nonce");
        assert_ne!(a.ciphertext, b.ciphertext);
        assert!(!a.ciphertext.windows(5).any(|w| w == b"pg-in"), "no plaintext in the ciphertext");
        assert_eq!(ring.open("rec-1", &a).unwrap(), b"pg-instance-main1");
        assert_eq!((a.key_id.as_str(), a.version), ("estate", 1));
    }

    #[test]
    fn tampering_moving_and_wrong_keys_are_named_errors() {
        let ring = ring();
        let sealed = ring.seal("rec-1", b"secret name").unwrap();

        let mut flipped = sealed.clone();
        flipped.ciphertext[0] ^= 1;
        assert_eq!(ring.open("rec-1", &flipped), Err(CryptoError::Tampered { record: "rec-1".into() }));

        let mut truncated = sealed.clone();
        truncated.ciphertext.truncate(3);
        assert!(matches!(ring.open("rec-1", &truncated), Err(CryptoError::Tampered { .. })));

        let err = ring.open("rec-2", &sealed).unwrap_err();
        assert_eq!(err, CryptoError::Tampered { record: "rec-2".into() }, "bound to its record");
        assert!(err.to_string().contains("'rec-2'"));

        let other = KeyRing::new(DataKey::generate("estate", 1), Vec::new());
        assert!(matches!(other.open("rec-1", &sealed), Err(CryptoError::Tampered { .. })), "same id, different key");

        let mut unknown = sealed.clone();
        unknown.version = 9;
        let err = ring.open("rec-1", &unknown).unwrap_err();
        assert!(matches!(err, CryptoError::UnknownKey { version: 9, .. }));
        assert!(err.to_string().contains("estate v9"), "{err}");
    }

    #[test]
    fn rotation_keeps_old_records_readable_and_seals_with_the_new_key() {
        let mut ring = ring();
        let old = ring.seal("rec-1", b"before").unwrap();
        ring.rotate(DataKey::generate("estate", 2));
        assert!(ring.is_stale(&old));
        assert_eq!(ring.open("rec-1", &old).unwrap(), b"before");
        let new = ring.seal("rec-1", b"after").unwrap();
        assert_eq!(new.version, 2);
        assert!(!ring.is_stale(&new));
        // Re-sealing then dropping the old key: the old record alone would no longer open.
        let resealed = ring.seal("rec-1", &ring.open("rec-1", &old).unwrap()).unwrap();
        let only_new = KeyRing::new(DataKey::from_bytes("estate", 2, ring.current().bytes()).unwrap(), Vec::new());
        assert_eq!(only_new.open("rec-1", &resealed).unwrap(), b"before");
        assert!(matches!(only_new.open("rec-1", &old), Err(CryptoError::UnknownKey { version: 1, .. })));
    }

    #[test]
    fn keys_of_the_wrong_length_are_refused_and_never_printed() {
        assert_eq!(DataKey::from_bytes("k", 1, &[0u8; 16]).unwrap_err(), CryptoError::KeyLength(16));
        let key = DataKey::from_bytes("k", 1, &[7u8; 32]).unwrap();
        assert_eq!(format!("{key:?}"), "DataKey(k v1)");
    }

    #[test]
    fn sealed_records_serialize() {
        let ring = ring();
        let sealed = ring.seal("r", b"x").unwrap();
        let json = serde_json::to_string(&sealed).unwrap();
        assert_eq!(serde_json::from_str::<Sealed>(&json).unwrap(), sealed);
    }
}
