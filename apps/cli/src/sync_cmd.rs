//! `cloudops sync` and `cloudops status`: the sync use case wired to the real adapters (AWS,
//! the embedded store, MiniLM), with a progress bar on a terminal.

use std::io::IsTerminal as _;

use anyhow::Context as _;
use cloudops_app::sync::{OrganizationSource, SyncPorts, SyncReport, SyncRequest, SyncStatus, sync};
use cloudops_app::{AppPaths, Config, backup, status};
use cloudops_aws::{AutoOracle, AwsAccounts, AwsEstateSource, ScanLimits};
use cloudops_domain::{Region, ResourceKind};
use cloudops_embeddings::MiniLmEmbedder;
use cloudops_ports::{AccountDirectory, Profile, SecretStore, SyncEvent, SyncSink, SystemClock};
use indicatif::{ProgressBar, ProgressStyle};

use crate::stores;

/// Progress on stderr: a bar on a terminal, nothing otherwise (stdout stays clean for --json).
struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    fn new() -> Self {
        if !std::io::stderr().is_terminal() {
            return Self { bar: None };
        }
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos}/{len} scopes · {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Self { bar: Some(bar) }
    }
}

impl SyncSink for Progress {
    fn event(&self, event: SyncEvent) {
        let Some(bar) = &self.bar else { return };
        match event {
            SyncEvent::Started { target } => {
                bar.inc_length(1);
                bar.set_message(target);
            }
            SyncEvent::Page { target, kind, resources } => bar.set_message(format!("{target} {kind}: {resources}")),
            SyncEvent::Finished { .. } => bar.inc(1),
            SyncEvent::Failed { target, error } => {
                bar.inc(1);
                bar.println(format!("failed: {target}: {error}"));
            }
        }
    }
}

/// Profiles: the flags, else the config's `[aws] profiles`, else every profile of the AWS
/// config. Regions: the flags, else the config's, else each profile's own.
async fn request(
    config: &Config,
    accounts: &AwsAccounts,
    profiles: Vec<String>,
    regions: Vec<Region>,
    full: bool,
) -> anyhow::Result<SyncRequest> {
    // --profile names exactly what to sync; without it, the config's profiles and organization.
    let organization = match &config.aws.organization {
        Some(org) if profiles.is_empty() => {
            Some(OrganizationSource { profile: Profile(org.profile.clone()), role: org.role.clone() })
        }
        _ => None,
    };
    let profiles: Vec<Profile> = if !profiles.is_empty() {
        profiles.into_iter().map(Profile).collect()
    } else if !config.aws.profiles.is_empty() {
        config.aws.profiles.iter().cloned().map(Profile).collect()
    } else if organization.is_some() {
        Vec::new()
    } else {
        accounts.profiles().await?
    };
    anyhow::ensure!(
        !profiles.is_empty() || organization.is_some(),
        "no AWS profile to sync: configure one with `aws configure`, pass --profile, or set AWS_CONFIG_FILE"
    );
    let regions = if regions.is_empty() { config.aws.regions.clone() } else { regions };
    Ok(SyncRequest {
        profiles,
        regions,
        kinds: ResourceKind::ALL.to_vec(),
        concurrency: config.sync.concurrency.get(),
        full,
        organization,
    })
}

#[derive(Debug, serde::Serialize)]
pub struct SyncOutput {
    #[serde(flatten)]
    pub report: SyncReport,
    /// The automatic daily snapshot taken after this sync, if one was due.
    pub backup: Option<String>,
}

pub async fn run(
    paths: &AppPaths,
    config: &Config,
    secrets: &dyn SecretStore,
    profiles: Vec<String>,
    regions: Vec<Region>,
    full: bool,
) -> anyhow::Result<SyncOutput> {
    let files = stores::aws_files(paths);
    let accounts = AwsAccounts::new(files.clone());
    let request = request(config, &accounts, profiles, regions, full).await?;
    let ring = stores::ring(paths, secrets).await?;
    let report = sync_and_record(paths, ring.clone(), &request).await?;
    let now = chrono::Utc::now();
    let snapshot = {
        let ring = stores::read_keys(&ring)?;
        if config.backup.daily && backup::is_due(&paths.backups_dir(), now)? {
            Some(backup::seal_snapshot(&paths.store_dir(), &ring, now)?)
        } else {
            None
        }
    };
    let backup = match snapshot {
        Some(snapshot) => {
            let target = crate::store_cmds::s3_target(config).await;
            let target = target.as_ref().map(|t| t as &dyn cloudops_ports::BackupTarget);
            let report = backup::backup(&paths.backups_dir(), snapshot, now, target)
                .await
                .context("the sync succeeded, but the daily backup failed")?;
            Some(report.name)
        }
        None => None,
    };
    Ok(SyncOutput { report, backup })
}

/// Runs `request` into the local store and merges its statuses into the status file.
pub async fn sync_and_record(
    paths: &AppPaths,
    ring: cloudops_qdrant::SharedKeyRing,
    request: &SyncRequest,
) -> anyhow::Result<SyncReport> {
    let files = stores::aws_files(paths);
    let accounts = AwsAccounts::new(files.clone());
    let embedder = MiniLmEmbedder::discover()?;
    let stores = stores::open_with(paths, ring.clone())?;
    let limits = Config::load(&paths.config_file)?.sync;
    let source = AwsEstateSource::new(files.clone()).with_limits(ScanLimits {
        calls_per_account_service: limits.calls_per_service.get(),
        scope_timeout: std::time::Duration::from_secs(limits.scope_timeout_secs.get()),
    });
    let oracle = AutoOracle::new(files);
    let progress = Progress::new();
    let ports = SyncPorts {
        accounts: &accounts,
        source: &source,
        oracle: &oracle,
        store: &stores.estate,
        embedder: &embedder,
        clock: &SystemClock,
        sink: &progress,
    };
    let report = sync(ports, request).await?;
    if let Some(bar) = &progress.bar {
        bar.finish_and_clear();
    }
    {
        let ring = stores::read_keys(&ring)?;
        let previous = status::load(&paths.data_dir, &ring)?;
        status::save(&paths.data_dir, &ring, &status::merge(previous, &report.statuses))?;
    }
    Ok(report)
}

pub async fn statuses(paths: &AppPaths, secrets: &dyn SecretStore) -> anyhow::Result<Vec<SyncStatus>> {
    if !paths.data_dir.join(status::STATUS_FILE).exists() {
        return Ok(Vec::new());
    }
    statuses_with(paths, &cloudops_app::keys::load(secrets).await?)
}

/// The sync statuses, read with a key ring already loaded.
pub fn statuses_with(paths: &AppPaths, ring: &cloudops_crypto::KeyRing) -> anyhow::Result<Vec<SyncStatus>> {
    if !paths.data_dir.join(status::STATUS_FILE).exists() {
        return Ok(Vec::new());
    }
    Ok(status::load(&paths.data_dir, ring)?)
}
