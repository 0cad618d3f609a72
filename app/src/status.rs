//! The per-(account, region, service) sync status that `cloudops status` shows, kept between
//! runs in `DATA_DIR/sync-status.sealed` (sealed like everything else in the data dir: error
//! messages can name resources).

use std::path::Path;

use cloudops_crypto::{KeyRing, Sealed};

use crate::AppError;
use crate::sync::SyncStatus;

/// The status file's name in the data dir.
pub const STATUS_FILE: &str = "sync-status.sealed";
const RECORD: &str = "sync-status";

fn key(s: &SyncStatus) -> (&str, &str, &str) {
    (&s.profile, &s.region, &s.service)
}

/// The statuses after a sync: this run's rows replace the previous ones of the same (profile,
/// region, service), keeping the previous `last_success` when this run failed; rows this run
/// did not touch (another region, a profile not synced this time) stay as they were.
pub fn merge(previous: Vec<SyncStatus>, latest: &[SyncStatus]) -> Vec<SyncStatus> {
    let mut out: Vec<SyncStatus> =
        previous.iter().filter(|p| !latest.iter().any(|l| key(l) == key(p))).cloned().collect();
    for status in latest {
        let mut status = status.clone();
        if status.last_success.is_none() {
            status.last_success = previous.iter().find(|p| key(p) == key(&status)).and_then(|p| p.last_success);
        }
        out.push(status);
    }
    out.sort_by(|a, b| key(a).cmp(&key(b)));
    out
}

/// The saved statuses; none yet is an empty list.
pub fn load(data_dir: &Path, ring: &KeyRing) -> Result<Vec<SyncStatus>, AppError> {
    let path = data_dir.join(STATUS_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(AppError::Io { path, source }),
    };
    let corrupt = |detail: String| AppError::StatusCorrupt { path: path.clone(), detail };
    let sealed: Sealed = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    let plain = ring.open(RECORD, &sealed).map_err(|e| corrupt(e.to_string()))?;
    serde_json::from_slice(&plain).map_err(|e| corrupt(e.to_string()))
}

/// Saves `statuses` atomically.
pub fn save(data_dir: &Path, ring: &KeyRing, statuses: &[SyncStatus]) -> Result<(), AppError> {
    let plain = serde_json::to_vec(statuses).expect("statuses always serialise");
    let sealed = ring.seal(RECORD, &plain).map_err(|e| AppError::BackupInvalid(e.to_string()))?;
    let bytes = serde_json::to_vec(&sealed).expect("a sealed record always serialises");
    crate::backup::write_local(data_dir, STATUS_FILE, &bytes)?;
    Ok(())
}

/// The profile to act in each account with: the one whose sync of that account succeeded
/// most recently (the profile the user's estate for that account came from).
pub fn profiles_by_account(
    statuses: &[SyncStatus],
) -> std::collections::BTreeMap<cloudops_domain::AccountId, cloudops_ports::Profile> {
    let mut best: std::collections::BTreeMap<cloudops_domain::AccountId, (chrono::DateTime<chrono::Utc>, String)> =
        std::collections::BTreeMap::new();
    for s in statuses {
        let (Some(account), Some(success)) = (&s.account_id, s.last_success) else { continue };
        let newer = best.get(account).is_none_or(|(at, _)| success > *at);
        if newer {
            best.insert(account.clone(), (success, s.profile.clone()));
        }
    }
    best.into_iter().map(|(account, (_, profile))| (account, cloudops_ports::Profile(profile))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use cloudops_crypto::DataKey;

    fn status(region: &str, ok: bool, day: u32) -> SyncStatus {
        let at = Utc.with_ymd_and_hms(2026, 11, day, 0, 0, 0).single().unwrap();
        SyncStatus {
            profile: "prod".into(),
            account_id: Some("111111111111".parse().unwrap()),
            account_alias: None,
            region: region.into(),
            service: "rds".into(),
            last_attempt: at,
            last_success: ok.then_some(at),
            last_error: (!ok).then(|| "throttled".into()),
            resources: 3,
            duration_ms: 10,
            warnings: 0,
            warning_details: Vec::new(),
            retries: 0,
            throttles: 0,
        }
    }

    #[test]
    fn a_failed_run_keeps_the_last_success_and_untouched_rows_stay() {
        let merged =
            merge(vec![status("us-east-1", true, 1), status("eu-west-1", true, 1)], &[status("us-east-1", false, 2)]);
        assert_eq!(merged.len(), 2);
        let east = merged.iter().find(|s| s.region == "us-east-1").unwrap();
        assert_eq!(east.last_error.as_deref(), Some("throttled"));
        assert_eq!(east.last_success, status("us-east-1", true, 1).last_success, "last success survives a failure");
        assert_eq!(east.last_attempt, status("x", true, 2).last_attempt);
        assert!(merged.iter().any(|s| s.region == "eu-west-1"), "rows not synced this time stay");
    }

    #[test]
    fn statuses_round_trip_sealed_and_a_wrong_key_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let ring = KeyRing::new(DataKey::from_bytes("store", 1, &[3; 32]).unwrap(), Vec::new());
        assert!(load(dir.path(), &ring).unwrap().is_empty());
        let rows = vec![status("us-east-1", false, 2)];
        save(dir.path(), &ring, &rows).unwrap();
        assert_eq!(load(dir.path(), &ring).unwrap(), rows);
        let raw = std::fs::read_to_string(dir.path().join(STATUS_FILE)).unwrap();
        assert!(!raw.contains("throttled"), "the file is sealed");
        let other = KeyRing::new(DataKey::from_bytes("store", 1, &[4; 32]).unwrap(), Vec::new());
        let err = load(dir.path(), &other).unwrap_err().to_string();
        assert!(err.contains(STATUS_FILE), "{err}");
    }
}
