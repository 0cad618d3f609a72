//! Encrypted snapshots of the local store: `cloudops backup` / `restore`, the daily automatic
//! snapshot, local retention (7 days) and the push to an S3 [`BackupTarget`] (30 days, enforced
//! by a lifecycle rule).
//!
//! A backup file is `CLOUDOPS-BACKUP 1\n`, one JSON header line (name, creation time, key id
//! and version, nonce), then the AES-256-GCM ciphertext of the packed store directory, sealed
//! for the record `backup/<name>` with the store's current data key. The caller holds the
//! store open (its lock) while a snapshot is taken, so no write interleaves.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use chrono::{DateTime, NaiveDateTime, Utc};
use cloudops_crypto::{KeyRing, Sealed};
use cloudops_ports::BackupTarget;
use serde::{Deserialize, Serialize};

use crate::AppError;
use crate::archive::{self, io};

const MAGIC: &[u8] = b"CLOUDOPS-BACKUP 1\n";
const PREFIX: &str = "store-";
const EXT: &str = ".cobk";
const STAMP: &str = "%Y%m%dT%H%M%SZ";
/// Local snapshots older than this are deleted.
pub const LOCAL_KEEP_DAYS: i64 = 7;
/// Remote snapshots expire after this (lifecycle rule on the bucket).
pub const REMOTE_KEEP_DAYS: u32 = 30;

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    name: String,
    created: DateTime<Utc>,
    key_id: String,
    version: u32,
    nonce: String,
}

/// What a backup did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupReport {
    pub name: String,
    pub path: PathBuf,
    pub bytes: u64,
    pub pushed_to: Option<String>,
    pub pruned: Vec<String>,
}

/// The file name of a snapshot taken at `at`.
pub fn backup_name(at: DateTime<Utc>) -> String {
    format!("{PREFIX}{}{EXT}", at.format(STAMP))
}

fn taken_at(name: &str) -> Option<DateTime<Utc>> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(EXT)?;
    NaiveDateTime::parse_from_str(stamp, STAMP).ok().map(|t| t.and_utc())
}

fn invalid(detail: impl Into<String>) -> AppError {
    AppError::BackupInvalid(detail.into())
}

/// What a snapshot leaves out: the engine's write-ahead log (`wal/`, which qdrant-edge 0.7.2
/// never reads back: the segments hold every flushed write) and the stores' lock files.
fn not_backed_up(relative: &Path) -> bool {
    relative.file_name().is_some_and(|n| n == "cloudops.lock") || relative.components().any(|c| c.as_os_str() == "wal")
}

/// Seals the packed `store_dir` as a backup taken at `at`; returns its name and bytes. The
/// files are copied as they are on disk: snapshot a store that is closed, or that was opened
/// only to hold the lock, or flushed since its last write (`EdgeEstateStore::flush`).
pub fn seal_snapshot(store_dir: &Path, ring: &KeyRing, at: DateTime<Utc>) -> Result<(String, Vec<u8>), AppError> {
    let name = backup_name(at);
    let packed = zeroize::Zeroizing::new(archive::pack(store_dir, &not_backed_up)?);
    let sealed = ring.seal(&format!("backup/{name}"), &packed).map_err(|e| invalid(e.to_string()))?;
    let header = Header {
        name: name.clone(),
        created: at,
        key_id: sealed.key_id,
        version: sealed.version,
        nonce: B64.encode(sealed.nonce),
    };
    let mut out = MAGIC.to_vec();
    out.extend(serde_json::to_vec(&header).expect("a header always serialises"));
    out.push(b'\n');
    out.extend(sealed.ciphertext);
    Ok((name, out))
}

/// Opens a backup's bytes with the ring: the packed store directory.
pub fn open_snapshot(bytes: &[u8], ring: &KeyRing) -> Result<zeroize::Zeroizing<Vec<u8>>, AppError> {
    let rest = bytes.strip_prefix(MAGIC).ok_or_else(|| invalid("it is not a cloudops backup file"))?;
    let end = rest.iter().position(|b| *b == b'\n').ok_or_else(|| invalid("its header is truncated"))?;
    let header: Header =
        serde_json::from_slice(&rest[..end]).map_err(|e| invalid(format!("its header does not parse: {e}")))?;
    let nonce = B64.decode(&header.nonce).ok().and_then(|n| <[u8; 12]>::try_from(n).ok());
    let nonce = nonce.ok_or_else(|| invalid("its nonce is malformed"))?;
    let sealed = Sealed { key_id: header.key_id, version: header.version, nonce, ciphertext: rest[end + 1..].to_vec() };
    ring.open(&format!("backup/{}", header.name), &sealed)
        .map(zeroize::Zeroizing::new)
        .map_err(|e| invalid(format!("{e} (backups open only with the data key that sealed them)")))
}

/// Writes `bytes` as `dir/name` atomically (0600 where supported).
pub fn write_local(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, AppError> {
    let path = dir.join(name);
    write_atomic(&path, bytes)?;
    Ok(path)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory (created if
/// missing; 0600 where supported), flushed to disk, then renamed over `path`. A failure
/// leaves the old file, or none, never half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    use std::io::Write as _;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| io(dir, e))?;
    tmp.write_all(bytes).map_err(|e| io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| io(path, e))?;
    tmp.persist(path).map_err(|e| io(path, e.error))?;
    Ok(())
}

/// Local snapshots in `dir`, oldest first.
pub fn local_backups(dir: &Path) -> Result<Vec<(String, DateTime<Utc>)>, AppError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(dir, e)),
    };
    let mut out: Vec<(String, DateTime<Utc>)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter_map(|name| taken_at(&name).map(|at| (name, at)))
        .collect();
    out.sort_by_key(|(_, at)| *at);
    Ok(out)
}

/// Deletes local snapshots older than [`LOCAL_KEEP_DAYS`], always keeping the newest one.
pub fn prune_local(dir: &Path, now: DateTime<Utc>) -> Result<Vec<String>, AppError> {
    let mut backups = local_backups(dir)?;
    backups.pop(); // the newest stays, however old
    let mut pruned = Vec::new();
    for (name, at) in backups {
        if now - at > chrono::Duration::days(LOCAL_KEEP_DAYS) {
            std::fs::remove_file(dir.join(&name)).map_err(|e| io(&dir.join(&name), e))?;
            pruned.push(name);
        }
    }
    Ok(pruned)
}

/// Whether the daily automatic snapshot is due (none yet, or the newest is ≥ 24 h old).
pub fn is_due(dir: &Path, now: DateTime<Utc>) -> Result<bool, AppError> {
    Ok(local_backups(dir)?.last().is_none_or(|(_, at)| now - *at >= chrono::Duration::hours(24)))
}

/// Keeps a sealed snapshot (from [`seal_snapshot`]) in `backups_dir`, prunes old ones, and
/// pushes it to `target`.
pub async fn backup(
    backups_dir: &Path,
    (name, bytes): (String, Vec<u8>),
    now: DateTime<Utc>,
    target: Option<&dyn BackupTarget>,
) -> Result<BackupReport, AppError> {
    let path = write_local(backups_dir, &name, &bytes)?;
    let pruned = prune_local(backups_dir, now)?;
    let pushed_to = match target {
        Some(target) => {
            target.ensure_retention(REMOTE_KEEP_DAYS).await?;
            target.put(&name, bytes.clone()).await?;
            Some(format!("{}{name}", target.location()))
        }
        None => None,
    };
    Ok(BackupReport { name, path, bytes: bytes.len() as u64, pushed_to, pruned })
}

/// Replaces `store_dir` with the store in `bytes`. Unpacks beside it first, then swaps by
/// renames, so a failure leaves the current store as it was. The caller makes sure no process
/// has the store open.
pub fn restore(bytes: &[u8], ring: &KeyRing, store_dir: &Path) -> Result<usize, AppError> {
    let packed = open_snapshot(bytes, ring)?;
    let parent = store_dir.parent().ok_or_else(|| invalid("the store directory has no parent"))?;
    std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    let staging = tempfile::Builder::new().prefix(".restoring-").tempdir_in(parent).map_err(|e| io(parent, e))?;
    let files = archive::unpack(&packed, &staging.path().join("store"))?;
    let old = parent.join(format!(".replaced-{}", Utc::now().format(STAMP)));
    let had_store = store_dir.exists();
    if had_store {
        std::fs::rename(store_dir, &old).map_err(|e| io(store_dir, e))?;
    }
    if let Err(e) = std::fs::rename(staging.path().join("store"), store_dir) {
        if had_store {
            // Put the old store back; the restore failed as a whole.
            let _ = std::fs::rename(&old, store_dir);
        }
        return Err(io(store_dir, e));
    }
    if had_store {
        std::fs::remove_dir_all(&old).map_err(|e| io(&old, e))?;
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use cloudops_crypto::DataKey;

    fn ring(byte: u8) -> KeyRing {
        KeyRing::new(DataKey::from_bytes("store", 1, &[byte; 32]).unwrap(), Vec::new())
    }

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 3, 0, 0).single().unwrap()
    }

    #[test]
    fn names_carry_a_sortable_utc_time() {
        assert_eq!(backup_name(at(2)), "store-20261102T030000Z.cobk");
        assert_eq!(taken_at("store-20261102T030000Z.cobk"), Some(at(2)));
        assert_eq!(taken_at("other.txt"), None);
    }

    #[test]
    fn snapshots_round_trip_and_refuse_other_keys_and_tampering() {
        let store = tempfile::tempdir().unwrap();
        std::fs::write(store.path().join("segment"), b"pg-instance-main1 data").unwrap();
        let (_, bytes) = seal_snapshot(store.path(), &ring(1), at(2)).unwrap();
        assert!(!bytes.windows(17).any(|w| w == b"pg-instance-main1"), "the backup is encrypted");
        let target = tempfile::tempdir().unwrap();
        let restored = target.path().join("store");
        assert_eq!(restore(&bytes, &ring(1), &restored).unwrap(), 1);
        assert_eq!(std::fs::read(restored.join("segment")).unwrap(), b"pg-instance-main1 data");

        let err = restore(&bytes, &ring(2), &restored).unwrap_err().to_string();
        assert!(err.contains("integrity") && err.contains("data key"), "{err}");
        let mut tampered = bytes.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(restore(&tampered, &ring(1), &restored).is_err());
        assert_eq!(
            std::fs::read(restored.join("segment")).unwrap(),
            b"pg-instance-main1 data",
            "failed restores change nothing"
        );
        let err = restore(b"hello", &ring(1), &restored).unwrap_err().to_string();
        assert!(err.contains("not a cloudops backup"), "{err}");
    }

    #[test]
    fn local_retention_keeps_seven_days_and_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        for day in [1, 5, 9, 12] {
            write_local(dir.path(), &backup_name(at(day)), b"x").unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), b"not a backup").unwrap();
        let pruned = prune_local(dir.path(), at(13)).unwrap();
        assert_eq!(pruned, [backup_name(at(1)), backup_name(at(5))]);
        assert!(dir.path().join("notes.txt").exists());
        assert!(!is_due(dir.path(), at(12) + chrono::Duration::hours(23)).unwrap());
        assert!(is_due(dir.path(), at(13)).unwrap());
        // A long-idle machine keeps its only (old) backup.
        let pruned = prune_local(dir.path(), at(30)).unwrap();
        assert_eq!(pruned, [backup_name(at(9))]);
        assert_eq!(local_backups(dir.path()).unwrap().len(), 1);
    }
}
