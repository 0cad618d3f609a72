//! Syncing through the client: what to sync from the user's selection and the config, the
//! sync itself into the held-open store, the status merge, the lookup refresh and the daily
//! backup; and the on-demand backup.

use cloudops_domain::{Region, ResourceKind};
use cloudops_ports::{Profile, SyncSink};
use serde::Serialize;

use super::{Client, ClientError, read_keys};
use crate::backup::{self, BackupReport};
use crate::status;
use crate::sync::{OrganizationSource, SyncPorts, SyncReport, SyncRequest, sync};

/// What the user asked to sync: profiles and regions (empty: from the config, else every
/// profile and each one's own region), and whether to rewrite everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncSelection {
    pub profiles: Vec<String>,
    pub regions: Vec<Region>,
    pub full: bool,
}

/// A sync's report and the automatic daily backup taken after it, if one was due.
/// Serialised as `cloudops sync --json` prints it (a public interface).
#[derive(Debug, Clone, Serialize)]
pub struct SyncOutcome {
    #[serde(flatten)]
    pub report: SyncReport,
    pub backup: Option<String>,
}

impl Client {
    /// The sync request for `selection`. Profiles: the selection's, else the config's
    /// `[aws] profiles` (and organization), else every profile of the AWS config. Regions:
    /// the selection's, else the config's, else each profile's own.
    pub async fn sync_request(&self, selection: SyncSelection) -> Result<SyncRequest, ClientError> {
        let config = self.config();
        // --profile names exactly what to sync; without it, the config's profiles and organization.
        let organization = match &config.aws.organization {
            Some(org) if selection.profiles.is_empty() => {
                Some(OrganizationSource { profile: Profile(org.profile.clone()), role: org.role.clone() })
            }
            _ => None,
        };
        let profiles: Vec<Profile> = if !selection.profiles.is_empty() {
            selection.profiles.into_iter().map(Profile).collect()
        } else if !config.aws.profiles.is_empty() {
            config.aws.profiles.iter().cloned().map(Profile).collect()
        } else if organization.is_some() {
            Vec::new()
        } else {
            self.parts().accounts.profiles().await?
        };
        if profiles.is_empty() && organization.is_none() {
            return Err(ClientError::NoProfiles);
        }
        let regions = if selection.regions.is_empty() { config.aws.regions.clone() } else { selection.regions };
        Ok(SyncRequest {
            profiles,
            regions,
            kinds: ResourceKind::ALL.to_vec(),
            concurrency: config.sync.concurrency.get(),
            full: selection.full,
            organization,
        })
    }

    /// Syncs `request` into the local store (progress to `sink`), merges the statuses, and
    /// takes the daily backup when one is due (`[backup] daily`).
    pub async fn sync(&self, request: &SyncRequest, sink: &dyn SyncSink) -> Result<SyncOutcome, ClientError> {
        let report = self.sync_and_record(request, sink).await?;
        let now = self.parts().clock.now();
        let ring = self.ring().await?;
        let snapshot = {
            let keys = read_keys(&ring)?;
            if self.config().backup.daily && backup::is_due(&self.paths().backups_dir(), now)? {
                Some(backup::seal_snapshot(&self.store_dir(), &keys, now)?)
            } else {
                None
            }
        };
        let backup = match snapshot {
            Some(snapshot) => {
                let target = self.parts().backup_target.as_deref();
                let report = backup::backup(&self.paths().backups_dir(), snapshot, now, target)
                    .await
                    .map_err(ClientError::Backup)?;
                Some(report.name)
            }
            None => None,
        };
        Ok(SyncOutcome { report, backup })
    }

    /// Runs `request` into the store, merges its statuses into the status file, and refreshes
    /// the lookup index.
    pub(super) async fn sync_and_record(
        &self,
        request: &SyncRequest,
        sink: &dyn SyncSink,
    ) -> Result<SyncReport, ClientError> {
        let embedder = self.parts().embedder.clone().map_err(ClientError::NoEmbedder)?;
        let open = self.opened().await?;
        let parts = self.parts();
        let ports = SyncPorts {
            accounts: parts.accounts.as_ref(),
            source: parts.source.as_ref(),
            oracle: parts.oracle.as_ref(),
            store: open.estate.as_ref(),
            embedder: embedder.as_ref(),
            clock: parts.clock.as_ref(),
            sink,
        };
        let report = sync(ports, request).await?;
        {
            let ring = self.ring().await?;
            let keys = read_keys(&ring)?;
            let previous = status::load(&self.paths().data_dir, &keys)?;
            status::save(&self.paths().data_dir, &keys, &status::merge(previous, &report.statuses))?;
        }
        self.refresh_lookup().await?;
        Ok(report)
    }

    /// A sealed snapshot of the store now, kept locally and pushed to the configured S3
    /// target unless `push` is false.
    pub async fn backup(&self, push: bool) -> Result<BackupReport, ClientError> {
        // Holding the store open keeps other processes out while its files are read.
        let open = self.opened().await?;
        open.estate.maintain().await?;
        let now = self.parts().clock.now();
        let ring = self.ring().await?;
        let snapshot = {
            let keys = read_keys(&ring)?;
            backup::seal_snapshot(&self.store_dir(), &keys, now)?
        };
        let target = if push { self.parts().backup_target.as_deref() } else { None };
        Ok(backup::backup(&self.paths().backups_dir(), snapshot, now, target).await?)
    }
}
