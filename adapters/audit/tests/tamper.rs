//! The audit log file: appends chain and verify; any edit, removal, reordering or truncation
//! is found; nothing is in plaintext; re-sealing after a key rotation keeps it verifying.

use std::sync::{Arc, RwLock};

use chrono::{TimeZone, Utc};
use cloudops_audit::FileAuditLog;
use cloudops_crypto::{DataKey, KeyRing};
use cloudops_ports::{AuditEvent, AuditLog};

fn ring() -> Arc<RwLock<KeyRing>> {
    Arc::new(RwLock::new(KeyRing::new(DataKey::generate("k", 1), vec![])))
}

fn event(n: usize) -> AuditEvent {
    AuditEvent::Request { prompt: format!("stop secret-db-{n}"), identified: vec![], planner: "local".into() }
}

async fn filled(dir: &std::path::Path, ring: Arc<RwLock<KeyRing>>, n: usize) -> FileAuditLog {
    let log = FileAuditLog::new(dir, ring);
    for i in 0..n {
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, i as u32).unwrap();
        let entry = log.append(at, event(i)).await.unwrap();
        assert_eq!(entry.sequence, i as u64 + 1);
    }
    log
}

fn lines(log: &FileAuditLog) -> Vec<String> {
    std::fs::read_to_string(log.path()).unwrap().lines().map(|l| format!("{l}\n")).collect()
}

#[tokio::test]
async fn appends_chain_and_verify_and_nothing_is_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let log = filled(dir.path(), ring(), 5).await;
    let v = log.verify().await.unwrap();
    assert_eq!((v.entries, v.first_broken), (5, None));
    let entries = log.entries().await.unwrap();
    assert!(entries.windows(2).all(|w| w[1].previous_hash == w[0].hash));
    let raw = std::fs::read_to_string(log.path()).unwrap();
    assert!(!raw.contains("secret-db"), "entries are sealed");
}

#[tokio::test]
async fn every_kind_of_tampering_is_found() {
    type Tamper = fn(&mut Vec<String>);
    let cases: [(&str, Tamper, u64); 5] = [
        ("an edited byte", |l| l[2] = l[2].replacen('c', "d", 1), 3),
        ("a removed entry", |l| drop(l.remove(1)), 2),
        ("swapped entries", |l| l.swap(1, 3), 2),
        ("a duplicated entry", |l| l.insert(2, l[1].clone()), 3),
        ("a cut-off last line", |l| *l.last_mut().unwrap() = l.last().unwrap()[..20].to_owned(), 5),
    ];
    for (what, tamper, first_broken) in cases {
        let dir = tempfile::tempdir().unwrap();
        let log = filled(dir.path(), ring(), 5).await;
        let mut l = lines(&log);
        tamper(&mut l);
        std::fs::write(log.path(), l.concat()).unwrap();
        let v = log.verify().await.unwrap();
        assert_eq!(v.first_broken, Some(first_broken), "{what}: {v:?}");
        assert!(log.entries().await.is_err(), "{what}: a broken log is not listed as if fine");
        assert!(log.append(Utc::now(), event(9)).await.is_err(), "{what}: nothing is appended to a broken log");
    }
}

#[tokio::test]
async fn removing_the_last_entries_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let log = filled(dir.path(), ring(), 5).await;
    let l = lines(&log);
    std::fs::write(log.path(), l[..3].concat()).unwrap();
    let v = log.verify().await.unwrap();
    assert_eq!(v.first_broken, Some(4), "{v:?}");
    std::fs::remove_file(log.path()).unwrap();
    assert_eq!(log.verify().await.unwrap().first_broken, Some(1), "a deleted log is found too");
}

fn copy(key: &DataKey) -> DataKey {
    DataKey::from_bytes(&key.id, key.version, key.bytes()).unwrap()
}

#[tokio::test]
async fn another_key_cannot_read_it_and_resealing_keeps_it_verifying() {
    let dir = tempfile::tempdir().unwrap();
    let shared = ring();
    let log = filled(dir.path(), shared.clone(), 3).await;
    let stranger = FileAuditLog::new(dir.path(), ring());
    assert_eq!(stranger.verify().await.unwrap().first_broken, Some(1));
    shared.write().unwrap().rotate(DataKey::generate("k", 2));
    assert_eq!(log.reseal().await.unwrap(), 3);
    // Only the new key left: everything still opens and chains.
    let new_only = KeyRing::new(copy(shared.read().unwrap().current()), vec![]);
    *shared.write().unwrap() = new_only;
    let v = log.verify().await.unwrap();
    assert_eq!((v.entries, v.first_broken), (3, None), "re-sealed with the new key: {v:?}");
}
