//! `cloudops backup`, `restore`, `key rotate`: wiring around `cloudops_app::{backup, keys}`.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use anyhow::{Context as _, bail};
use cloudops_app::{AppPaths, Config, backup, keys};
use cloudops_aws::{AwsConfigFiles, S3BackupTarget, sdk_config};
use cloudops_ports::{BackupTarget, SecretStore};
use serde::Serialize;

use crate::stores;

/// The configured S3 target, if any.
pub async fn s3_target(config: &Config) -> Option<S3BackupTarget> {
    let bucket = config.backup.s3_bucket.as_deref()?;
    let profile = config
        .backup
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".into());
    let sdk = sdk_config(&AwsConfigFiles::default(), &profile, None).await;
    Some(S3BackupTarget::new(&sdk, &profile, bucket, &config.backup.s3_prefix))
}

pub async fn backup(
    paths: &AppPaths,
    config: &Config,
    secrets: &dyn SecretStore,
    no_push: bool,
) -> anyhow::Result<backup::BackupReport> {
    // Holding the stores open keeps other processes out while the files are read.
    let (_stores, ring) = stores::open(paths, secrets).await?;
    let target = if no_push { None } else { s3_target(config).await };
    let now = chrono::Utc::now();
    let snapshot = {
        let ring = stores::read_keys(&ring)?;
        backup::seal_snapshot(&paths.store_dir(), &ring, now)?
    };
    let target = target.as_ref().map(|t| t as &dyn BackupTarget);
    Ok(backup::backup(&paths.backups_dir(), snapshot, now, target).await?)
}

#[derive(Debug, Serialize)]
pub struct RestoreReport {
    pub restored_from: String,
    pub files: usize,
}

pub async fn restore(
    paths: &AppPaths,
    config: &Config,
    secrets: &dyn SecretStore,
    file: Option<PathBuf>,
    from_s3: Option<String>,
) -> anyhow::Result<RestoreReport> {
    let ring = Arc::new(RwLock::new(keys::load(secrets).await?));
    let (source, bytes) = match (file, from_s3) {
        (Some(file), _) => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read the backup {}", file.display()))?;
            (file.display().to_string(), bytes)
        }
        (None, Some(name)) => {
            let Some(target) = s3_target(config).await else {
                bail!("--from-s3 needs [backup] s3_bucket in the config file {}", paths.config_file.display());
            };
            let name = if name == "latest" {
                target.list().await?.pop().with_context(|| format!("no backup in {}", target.location()))?
            } else {
                name
            };
            let bytes = target.get(&name).await?;
            (format!("{}{name}", target.location()), bytes)
        }
        (None, None) => {
            let newest = backup::local_backups(&paths.backups_dir())?.pop().with_context(|| {
                format!("no local backup in {}: pass a FILE or --from-s3 NAME|latest", paths.backups_dir().display())
            })?;
            let path = paths.backups_dir().join(newest.0);
            let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            (path.display().to_string(), bytes)
        }
    };
    if stores::store_has_data(paths) {
        // Refuse while another process has the store open (opening takes its lock).
        drop(stores::open_with(paths, ring.clone())?);
    }
    let ring = stores::read_keys(&ring)?;
    let files = backup::restore(&bytes, &ring, &paths.store_dir())?;
    Ok(RestoreReport { restored_from: source, files })
}

#[derive(Debug, Serialize)]
pub struct RotateReport {
    pub key_version: u32,
    pub resealed_resources: u64,
    pub resealed_messages: u64,
    pub resealed_audit_entries: usize,
}

pub async fn rotate(paths: &AppPaths, secrets: &dyn SecretStore) -> anyhow::Result<RotateReport> {
    // Take the store's lock first, so a store in use fails before any key changes.
    let (stores, ring) = stores::open(paths, secrets).await?;
    let rotating = keys::begin_rotation(secrets).await?;
    let key_version = rotating.current().version;
    *ring.write().map_err(|_| anyhow::anyhow!("the key ring lock was poisoned"))? = rotating;
    let resealed_resources = stores.estate.reseal_stale().await?;
    let resealed_messages = stores.chat.reseal_stale().await?;
    let resealed_audit_entries =
        cloudops_audit::FileAuditLog::new(paths.data_dir.clone(), ring.clone()).reseal().await?;
    let current = {
        let ring = stores::read_keys(&ring)?;
        let key = ring.current();
        cloudops_crypto::DataKey::from_bytes(&key.id, key.version, key.bytes())?
    };
    keys::finish_rotation(secrets, &current).await?;
    Ok(RotateReport { key_version, resealed_resources, resealed_messages, resealed_audit_entries })
}
