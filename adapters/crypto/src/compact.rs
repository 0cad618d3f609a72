//! The JSON form of a sealed record every store uses: `{"k": key id, "v": version,
//! "n": nonce, "c": ciphertext}` (base64 without padding), and the key ring shared by the
//! stores of one data directory.

use std::sync::{Arc, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use serde_json::{Value, json};

use crate::{KeyRing, Sealed};

/// The key ring shared by the stores of one data directory.
pub type SharedKeyRing = Arc<RwLock<KeyRing>>;

impl Sealed {
    pub fn to_json(&self) -> Value {
        json!({"k": self.key_id, "v": self.version, "n": B64.encode(self.nonce), "c": B64.encode(&self.ciphertext)})
    }

    /// Parses [`Sealed::to_json`]'s form; the error names the malformed part.
    pub fn from_json(value: &Value) -> Result<Self, &'static str> {
        let key_id = value.get("k").and_then(Value::as_str).ok_or("key id")?.to_owned();
        let version =
            value.get("v").and_then(Value::as_u64).and_then(|v| u32::try_from(v).ok()).ok_or("key version")?;
        let nonce = value.get("n").and_then(Value::as_str).and_then(|n| B64.decode(n).ok());
        let nonce: [u8; 12] = nonce.and_then(|n| n.try_into().ok()).ok_or("nonce")?;
        let ciphertext = value.get("c").and_then(Value::as_str).and_then(|c| B64.decode(c).ok()).ok_or("ciphertext")?;
        Ok(Self { key_id, version, nonce, ciphertext })
    }
}
