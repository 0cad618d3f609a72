//! Opening the local stores: the secret store chosen by config/flag, the data keys, the two
//! qdrant-edge shards.

use std::sync::{Arc, RwLock};

use anyhow::Context as _;
use cloudops_app::config::KeyStorage;
use cloudops_app::{AppPaths, Config, keys};
use cloudops_keychain::{FileSecretStore, KeychainSecretStore};
use cloudops_ports::SecretStore;
use cloudops_qdrant::{ESTATE_DIMENSIONS, EdgeChatStore, EdgeEstateStore, SharedKeyRing};

/// The secret store in effect; warns on stderr when it is the key file.
pub fn secret_store(paths: &AppPaths, config: &Config, flag: Option<KeyStorage>) -> Box<dyn SecretStore> {
    match flag.unwrap_or(config.store.key_storage) {
        KeyStorage::Keychain => Box::new(KeychainSecretStore::default()),
        KeyStorage::File => {
            eprintln!("warning: {}", FileSecretStore::WARNING);
            Box::new(FileSecretStore::new(paths.keys_dir()))
        }
    }
}

/// The AWS config files as the AWS CLI finds them, plus the profiles cloudops discovered
/// through an AWS Organization (kept in the data dir).
pub fn aws_files(paths: &AppPaths) -> cloudops_aws::AwsConfigFiles {
    cloudops_aws::AwsConfigFiles {
        discovered: Some(paths.data_dir.join("aws-organization-profiles")),
        ..Default::default()
    }
}

/// The keys of `ring`, for reading.
pub fn read_keys(ring: &SharedKeyRing) -> anyhow::Result<std::sync::RwLockReadGuard<'_, cloudops_crypto::KeyRing>> {
    ring.read().map_err(|_| anyhow::anyhow!("the key ring lock was poisoned"))
}

/// Whether the store directory already holds data (then a missing key is an error).
pub fn store_has_data(paths: &AppPaths) -> bool {
    paths.store_dir().join(EdgeEstateStore::SHARD).exists()
}

#[derive(Debug)]
pub struct Stores {
    pub estate: EdgeEstateStore,
    pub chat: EdgeChatStore,
}

/// Opens both shards with `ring` (holding the store's lock until dropped).
pub fn open_with(paths: &AppPaths, ring: SharedKeyRing) -> anyhow::Result<Stores> {
    let dir = paths.store_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create the store directory {}", dir.display()))?;
    let estate = EdgeEstateStore::open(&dir, ESTATE_DIMENSIONS, ring.clone())?;
    let chat = EdgeChatStore::open(&dir, ring)?;
    Ok(Stores { estate, chat })
}

/// Loads (or, for a store without data, creates) the data key.
pub async fn ring(paths: &AppPaths, secrets: &dyn SecretStore) -> anyhow::Result<SharedKeyRing> {
    let ring = keys::load_or_create(secrets, store_has_data(paths)).await?;
    Ok(Arc::new(RwLock::new(ring)))
}

/// Loads (or creates) the data key, then opens both shards.
pub async fn open(paths: &AppPaths, secrets: &dyn SecretStore) -> anyhow::Result<(Stores, SharedKeyRing)> {
    let ring = ring(paths, secrets).await?;
    Ok((open_with(paths, ring.clone())?, ring))
}
