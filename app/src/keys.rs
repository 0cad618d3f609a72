//! The store's data keys in the SecretStore (OS keychain): created on first use, loaded as a
//! [`KeyRing`], rotated in two recorded steps so a crash mid-rotation never strands a record.
//!
//! The secret `store-data-keys` holds JSON `{"keys": [{"id", "version", "key": hex}…]}`, the
//! current key first. Rotation: (1) save the ring with a new current key and the old ones
//! still listed, (2) re-seal every record (the stores' `reseal_stale`), (3) save the ring with
//! only the current key. A crash between 1 and 3 leaves a ring that opens every record.

use cloudops_crypto::{DataKey, KeyRing};
use cloudops_ports::{PortError, SecretStore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::AppError;

/// The keychain entry that holds the store's keys.
pub const KEYS_SECRET: &str = "store-data-keys";
/// The id every store key carries (versions tell them apart).
pub const KEY_ID: &str = "store";

#[derive(Serialize, Deserialize)]
struct StoredKeys {
    keys: Vec<StoredKey>,
}

#[derive(Serialize, Deserialize)]
struct StoredKey {
    id: String,
    version: u32,
    key: String,
}

fn corrupt(detail: &str) -> AppError {
    AppError::Port(PortError::Corrupt {
        what: format!("the keychain entry `{KEYS_SECRET}`"),
        detail: detail.to_owned(),
        hint: "restore the entry from your keychain backup; without it the local store cannot be read \
               (move the data dir away and run `cloudops sync` to start over)"
            .into(),
    })
}

fn decode(bytes: &[u8]) -> Result<Vec<DataKey>, AppError> {
    let stored: StoredKeys =
        serde_json::from_slice(bytes).map_err(|e| corrupt(&format!("not the expected JSON: {e}")))?;
    let keys = stored
        .keys
        .iter()
        .map(|k| {
            let bytes = Zeroizing::new(hex::decode(&k.key).map_err(|_| corrupt("a key is not hex"))?);
            DataKey::from_bytes(&k.id, k.version, &bytes).map_err(|e| corrupt(&e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err(corrupt("it lists no key"));
    }
    Ok(keys)
}

fn encode(keys: &[&DataKey]) -> Zeroizing<Vec<u8>> {
    let stored = StoredKeys {
        keys: keys
            .iter()
            .map(|k| StoredKey { id: k.id.clone(), version: k.version, key: hex::encode(k.bytes()) })
            .collect(),
    };
    Zeroizing::new(serde_json::to_vec(&stored).expect("key JSON always serialises"))
}

fn ring_of(mut keys: Vec<DataKey>) -> KeyRing {
    let current = keys.remove(0);
    KeyRing::new(current, keys)
}

/// The keys saved in the SecretStore, current first; `None` when there are none.
async fn saved_keys(secrets: &dyn SecretStore) -> Result<Option<Vec<DataKey>>, AppError> {
    match secrets.get(KEYS_SECRET).await? {
        Some(bytes) => decode(&Zeroizing::new(bytes)).map(Some),
        None => Ok(None),
    }
}

/// The key ring of the store. When the keychain has none: a new key if the store holds no
/// data yet (`store_has_data` false), else an error — a new key could not read the old data.
pub async fn load_or_create(secrets: &dyn SecretStore, store_has_data: bool) -> Result<KeyRing, AppError> {
    Ok(load_or_create_noting(secrets, store_has_data).await?.0)
}

/// [`load_or_create`], also saying whether the key was created just now.
pub async fn load_or_create_noting(
    secrets: &dyn SecretStore,
    store_has_data: bool,
) -> Result<(KeyRing, bool), AppError> {
    if let Some(keys) = saved_keys(secrets).await? {
        return Ok((ring_of(keys), false));
    }
    if store_has_data {
        return Err(AppError::Port(PortError::NotFound(format!(
            "the data key of the existing local store (keychain entry `{KEYS_SECRET}`); restore it to the \
             keychain, restore the data dir with `cloudops restore`, or move the data dir away to start over. It"
        ))));
    }
    let key = DataKey::generate(KEY_ID, 1);
    secrets.set(KEYS_SECRET, &encode(&[&key])).await?;
    Ok((KeyRing::new(key, Vec::new()), true))
}

/// The key ring, which must exist (restoring a backup needs the key that sealed it).
pub async fn load(secrets: &dyn SecretStore) -> Result<KeyRing, AppError> {
    let keys = saved_keys(secrets).await?.ok_or_else(|| {
        AppError::Port(PortError::NotFound(format!(
            "the store's data key (keychain entry `{KEYS_SECRET}`); a backup opens only with the key that \
             sealed it: restore that entry to the keychain first. It"
        )))
    })?;
    Ok(ring_of(keys))
}

/// Step 1 of a rotation: a new current key (next version), older keys kept. Returns the ring.
pub async fn begin_rotation(secrets: &dyn SecretStore) -> Result<KeyRing, AppError> {
    let keys = saved_keys(secrets).await?.ok_or_else(|| {
        AppError::Port(PortError::NotFound(format!("a data key to rotate (keychain entry `{KEYS_SECRET}`)")))
    })?;
    let next = DataKey::generate(KEY_ID, keys.iter().map(|k| k.version).max().unwrap_or(0) + 1);
    let mut all: Vec<&DataKey> = vec![&next];
    all.extend(keys.iter());
    secrets.set(KEYS_SECRET, &encode(&all)).await?;
    let mut ring_keys = vec![next];
    ring_keys.extend(keys);
    Ok(ring_of(ring_keys))
}

/// Step 3 of a rotation, once every record is re-sealed: keep only `current` (the ring's
/// current key).
pub async fn finish_rotation(secrets: &dyn SecretStore, current: &DataKey) -> Result<(), AppError> {
    secrets.set(KEYS_SECRET, &encode(&[current])).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudops_fakes::MemorySecretStore;

    #[tokio::test]
    async fn a_key_is_created_once_and_then_loaded() {
        let secrets = MemorySecretStore::default();
        let a = load_or_create(&secrets, false).await.unwrap();
        let b = load_or_create(&secrets, true).await.unwrap();
        assert_eq!(a.current().bytes(), b.current().bytes());
        assert_eq!(b.current().version, 1);
    }

    #[tokio::test]
    async fn a_store_with_data_but_no_key_is_an_error_not_a_new_key() {
        let secrets = MemorySecretStore::default();
        let err = load_or_create(&secrets, true).await.unwrap_err().to_string();
        assert!(err.contains("restore"), "{err}");
        assert_eq!(secrets.get(KEYS_SECRET).await.unwrap(), None, "no key was invented");
    }

    #[tokio::test]
    async fn rotation_keeps_old_keys_until_finished() {
        let secrets = MemorySecretStore::default();
        let first = load_or_create(&secrets, false).await.unwrap();
        let sealed = first.seal("r1", b"secret").unwrap();
        let rotating = begin_rotation(&secrets).await.unwrap();
        assert_eq!(rotating.current().version, 2);
        // A crash now: the saved ring still opens old records.
        let reloaded = load_or_create(&secrets, true).await.unwrap();
        assert_eq!(reloaded.open("r1", &sealed).unwrap(), b"secret");
        assert!(reloaded.is_stale(&sealed));
        finish_rotation(&secrets, rotating.current()).await.unwrap();
        let done = load_or_create(&secrets, true).await.unwrap();
        assert_eq!(done.current().version, 2);
        assert!(done.open("r1", &sealed).is_err(), "the old key is gone after the rotation");
    }

    #[tokio::test]
    async fn a_damaged_entry_is_a_clear_error() {
        let secrets = MemorySecretStore::default();
        secrets.set(KEYS_SECRET, b"{\"keys\":[{\"id\":\"store\",\"version\":1,\"key\":\"abcd\"}]}").await.unwrap();
        let err = load_or_create(&secrets, true).await.unwrap_err().to_string();
        assert!(err.contains("32 bytes") && err.contains(KEYS_SECRET), "{err}");
    }
}
