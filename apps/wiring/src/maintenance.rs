//! The store operations that act on the adapters' files directly, with no client holding the
//! store: restoring a backup over the store directory and rotating the data key (re-sealing
//! every record of both shards and the audit log).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use cloudops_app::{AppError, AppPaths, ClientError, Config, backup, keys};
use cloudops_audit::FileAuditLog;
use cloudops_crypto::SharedKeyRing;
use cloudops_ports::SecretStore;
use cloudops_qdrant::{EdgeChatStore, EdgeEstateStore};
use serde::Serialize;

use crate::{EdgeLocalStores, Options, paths, s3_target, secret_store};

fn read(ring: &SharedKeyRing) -> Result<std::sync::RwLockReadGuard<'_, cloudops_crypto::KeyRing>, ClientError> {
    ring.read().map_err(|_| ClientError::Internal("the key ring lock was poisoned".into()))
}

/// The store's shards, opened as the client opens them (a held store: a bounded wait, then
/// one line naming the holder).
async fn open_both(
    paths: &AppPaths,
    config: &Config,
    ring: &SharedKeyRing,
) -> Result<(EdgeEstateStore, EdgeChatStore), ClientError> {
    let wait = std::time::Duration::from_secs(config.store.lock_wait_secs);
    EdgeLocalStores::new(paths.clone()).with_wait(wait).open_edge(ring.clone()).await
}

/// The paths, config and secret store `options` select, read once.
fn setup(options: &Options) -> Result<(AppPaths, Config, Arc<dyn SecretStore>), ClientError> {
    let paths = paths(options)?;
    let config = Config::load(&paths.config_file)?;
    let secrets = secret_store(&paths, &config, options.key_storage).0;
    Ok((paths, config, secrets))
}

#[derive(Debug, Serialize)]
pub struct RestoreReport {
    pub restored_from: String,
    pub files: usize,
}

/// Restores `file`, else the S3 backup `from_s3` (a name or `latest`), else the newest local
/// backup, over the store directory. Refused while another process has the store open.
pub async fn restore(
    options: &Options,
    file: Option<PathBuf>,
    from_s3: Option<String>,
) -> Result<RestoreReport, ClientError> {
    let (paths, config, secrets) = setup(options)?;
    let ring: SharedKeyRing = Arc::new(RwLock::new(keys::load(secrets.as_ref()).await?));
    let io = |path: &std::path::Path| {
        let path = path.to_owned();
        move |source| ClientError::from(AppError::Io { path, source })
    };
    let (source, bytes) = match (file, from_s3) {
        (Some(file), _) => {
            let bytes = std::fs::read(&file).map_err(io(&file))?;
            (file.display().to_string(), bytes)
        }
        (None, Some(name)) => {
            let Some(target) = s3_target(&config).await else {
                return Err(ClientError::App(AppError::BackupInvalid(format!(
                    "--from-s3 needs [backup] s3_bucket in the config file {}",
                    paths.config_file.display()
                ))));
            };
            let name = if name == "latest" {
                target.list().await?.pop().ok_or_else(|| {
                    ClientError::App(AppError::BackupInvalid(format!("no backup in {}", target.location())))
                })?
            } else {
                name
            };
            let bytes = target.get(&name).await?;
            (format!("{}{name}", target.location()), bytes)
        }
        (None, None) => {
            let newest = backup::local_backups(&paths.backups_dir())?.pop().ok_or_else(|| {
                ClientError::App(AppError::BackupInvalid(format!(
                    "no local backup in {}: pass a FILE or --from-s3 NAME|latest",
                    paths.backups_dir().display()
                )))
            })?;
            let path = paths.backups_dir().join(newest.0);
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            (path.display().to_string(), bytes)
        }
    };
    let dir = paths.store_dir();
    if dir.join(EdgeEstateStore::SHARD).exists() {
        // Refuse while another process has the store open (opening takes its lock).
        drop(open_both(&paths, &config, &ring).await?);
    }
    let files = backup::restore(&bytes, &*read(&ring)?, &dir)?;
    Ok(RestoreReport { restored_from: source, files })
}

#[derive(Debug, Serialize)]
pub struct RotateReport {
    pub key_version: u32,
    pub resealed_resources: u64,
    pub resealed_messages: u64,
    pub resealed_audit_entries: usize,
}

/// Rotates the store's data key: a new current key, every record re-sealed with it, then the
/// old key dropped (two recorded steps: a crash in between leaves a ring that opens all).
pub async fn rotate(options: &Options) -> Result<RotateReport, ClientError> {
    let (paths, config, secrets) = setup(options)?;
    let dir = paths.store_dir();
    let has_data = dir.join(EdgeEstateStore::SHARD).exists();
    let ring: SharedKeyRing = Arc::new(RwLock::new(keys::load_or_create(secrets.as_ref(), has_data).await?));
    // Take the store's lock first, so a store in use fails before any key changes.
    let (estate, chat) = open_both(&paths, &config, &ring).await?;
    let rotating = keys::begin_rotation(secrets.as_ref()).await?;
    let key_version = rotating.current().version;
    *ring.write().map_err(|_| ClientError::Internal("the key ring lock was poisoned".into()))? = rotating;
    let resealed_resources = estate.reseal_stale().await?;
    let resealed_messages = chat.reseal_stale().await?;
    let resealed_audit_entries = FileAuditLog::new(paths.data_dir.clone(), ring.clone()).reseal().await?;
    let current = {
        let ring = read(&ring)?;
        let key = ring.current();
        cloudops_crypto::DataKey::from_bytes(&key.id, key.version, key.bytes())
            .map_err(|e| ClientError::Internal(e.to_string()))?
    };
    keys::finish_rotation(secrets.as_ref(), &current).await?;
    Ok(RotateReport { key_version, resealed_resources, resealed_messages, resealed_audit_entries })
}
