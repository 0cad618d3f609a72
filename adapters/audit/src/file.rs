//! `FileAuditLog`: the log file, its head file, and the lock that serializes writers (also
//! across processes: an exclusive lock on the log file while appending or re-sealing).

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudops_crypto::{Sealed, SharedKeyRing};
use cloudops_ports::{AuditEntry, AuditEvent, AuditLog, AuditVerification, PortError, PortResult};
use serde_json::{Value, json};

use crate::chain::{GENESIS, entry_hash};

const LOG: &str = "audit.jsonl";
const HEAD: &str = "audit.head";
const HEAD_RECORD: &str = "audit/head";

/// The audit log in one directory (the data dir), sealed with the store's key ring.
#[derive(Debug, Clone)]
pub struct FileAuditLog {
    dir: PathBuf,
    ring: SharedKeyRing,
}

/// The log as read: the entries that open and chain, and the first problem after them.
struct Read {
    entries: Vec<AuditEntry>,
    broken: Option<(u64, String)>,
}

fn io(what: &str, path: &Path, e: std::io::Error) -> PortError {
    PortError::Unavailable {
        what: "the audit log".into(),
        detail: format!("cannot {what} {}: {e}", path.display()),
        hint: "Check that the data dir is writable and the disk is not full".into(),
    }
}

/// Replaces `path` with `bytes` atomically: written beside it as `<name>.tmp`, flushed to
/// disk, then renamed over it.
fn replace(path: &Path, bytes: &[u8]) -> PortResult<()> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    let tmp = path.with_file_name(name);
    let mut file = File::create(&tmp).map_err(|e| io("write", &tmp, e))?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(|e| io("write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io("replace", path, e))
}

fn poisoned() -> PortError {
    PortError::Other("the key ring lock was poisoned by an earlier failure: restart cloudops".into())
}

fn blocking_error(e: tokio::task::JoinError) -> PortError {
    PortError::Other(format!("the audit log task failed: {e}"))
}

impl FileAuditLog {
    /// The log in `dir` (created on the first append).
    pub fn new(dir: impl Into<PathBuf>, ring: SharedKeyRing) -> Self {
        Self { dir: dir.into(), ring }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(LOG)
    }

    /// Whether `dir` holds an audit log (or what is left of one).
    pub fn exists_in(dir: &Path) -> bool {
        dir.join(LOG).exists() || dir.join(HEAD).exists()
    }

    fn seal(&self, record: &str, value: &impl serde::Serialize) -> PortResult<Value> {
        let bytes = serde_json::to_vec(value).map_err(|e| PortError::Other(e.to_string()))?;
        let ring = self.ring.read().map_err(|_| poisoned())?;
        let sealed = ring.seal(record, &bytes).map_err(|e| PortError::Other(e.to_string()))?;
        Ok(sealed.to_json())
    }

    fn open<T: serde::de::DeserializeOwned>(&self, record: &str, value: Option<&Value>) -> Result<T, String> {
        let sealed = Sealed::from_json(value.ok_or("no sealed field")?).map_err(|what| format!("malformed {what}"))?;
        let ring = self.ring.read().map_err(|_| "the key ring lock was poisoned".to_owned())?;
        let bytes = ring.open(record, &sealed).map_err(|e| e.to_string())?;
        serde_json::from_slice(&bytes).map_err(|e| format!("not an audit entry: {e}"))
    }

    fn lock(&self) -> PortResult<File> {
        std::fs::create_dir_all(&self.dir).map_err(|e| io("create", &self.dir, e))?;
        let path = self.path();
        let file =
            OpenOptions::new().create(true).append(true).read(true).open(&path).map_err(|e| io("open", &path, e))?;
        file.lock().map_err(|e| io("lock", &path, e))?;
        Ok(file)
    }

    /// Reads and checks every line: each must open, carry the next sequence, link to the
    /// previous hash and hash to its own; the last must match the head file.
    fn read(&self, mut file: &File) -> PortResult<Read> {
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(|e| io("read", &self.path(), e))?;
        self.check(&text)
    }

    fn check(&self, text: &str) -> PortResult<Read> {
        let mut entries: Vec<AuditEntry> = Vec::new();
        let mut previous = GENESIS.to_owned();
        for (i, line) in text.split_inclusive('\n').enumerate() {
            let sequence = i as u64 + 1;
            let problem = match self.check_line(line, sequence, &previous) {
                Ok(entry) => {
                    previous = entry.hash.clone();
                    entries.push(entry);
                    continue;
                }
                Err(problem) => problem,
            };
            return Ok(Read { entries, broken: Some((sequence, problem)) });
        }
        let head: Option<(u64, String)> = match std::fs::read_to_string(self.dir.join(HEAD)) {
            Ok(head) => {
                let value: Option<Value> = serde_json::from_str(&head).ok();
                match self.open::<(u64, String)>(HEAD_RECORD, value.as_ref()) {
                    Ok(head) => Some(head),
                    Err(e) => {
                        let next = entries.len() as u64 + 1;
                        return Ok(Read { entries, broken: Some((next, format!("the head file is damaged: {e}"))) });
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io("read", &self.dir.join(HEAD), e)),
        };
        let last = entries.last().map(|e| (e.sequence, e.hash.clone()));
        let broken = match (head, last) {
            (None, None) => None,
            (Some(head), last) if Some(&head) == last.as_ref() => None,
            (Some((seq, _)), last) if seq > last.as_ref().map_or(0, |l| l.0) => Some((
                last.map_or(1, |l| l.0 + 1),
                format!("entries up to {seq} were written, but the log ends before them: entries were removed"),
            )),
            (_, last) => {
                Some((last.map_or(1, |l| l.0), "the last entry is not the one the head file recorded".to_owned()))
            }
        };
        Ok(Read { entries, broken })
    }

    fn check_line(&self, line: &str, sequence: u64, previous: &str) -> Result<AuditEntry, String> {
        let line = line.strip_suffix('\n').ok_or("the entry is cut off (partial write)")?;
        let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
        if value.get("seq").and_then(Value::as_u64) != Some(sequence) {
            return Err(format!("expected entry {sequence} here: entries were removed, inserted or reordered"));
        }
        let record = format!("audit/{sequence}");
        let entry: AuditEntry =
            self.open(&record, value.get("sealed")).map_err(|e| format!("cannot be opened ({e}): it was edited"))?;
        if entry.sequence != sequence {
            return Err("its sealed sequence differs from its position".into());
        }
        if entry.previous_hash != previous {
            return Err("it does not link to the entry before it: an entry was removed or replaced".into());
        }
        if entry_hash(entry.sequence, entry.at, &entry.event, &entry.previous_hash) != entry.hash {
            return Err("its hash does not match its content".into());
        }
        Ok(entry)
    }

    fn append_locked(&self, at: DateTime<Utc>, event: AuditEvent) -> PortResult<AuditEntry> {
        let mut file = self.lock()?;
        let read = self.read(&file)?;
        if let Some((sequence, problem)) = read.broken {
            return Err(PortError::Corrupt {
                what: format!("the audit log {}", self.path().display()),
                detail: format!("entry {sequence}: {problem}"),
                hint: "nothing was appended; keep the file as evidence, then move it aside to start a new log".into(),
            });
        }
        let sequence = read.entries.len() as u64 + 1;
        let previous_hash = read.entries.last().map_or_else(|| GENESIS.to_owned(), |e| e.hash.clone());
        let hash = entry_hash(sequence, at, &event, &previous_hash);
        let entry = AuditEntry { sequence, at, event, previous_hash, hash };
        let sealed = self.seal(&format!("audit/{sequence}"), &entry)?;
        let mut line = serde_json::to_string(&json!({"seq": sequence, "sealed": sealed}))
            .map_err(|e| PortError::Other(e.to_string()))?;
        line.push('\n');
        file.write_all(line.as_bytes()).map_err(|e| io("append to", &self.path(), e))?;
        file.sync_data().map_err(|e| io("flush", &self.path(), e))?;
        self.write_head(sequence, &entry.hash)?;
        Ok(entry)
    }

    /// Replaces the head file atomically (write a temporary file, then rename).
    fn write_head(&self, sequence: u64, hash: &str) -> PortResult<()> {
        let sealed = self.seal(HEAD_RECORD, &(sequence, hash))?;
        replace(&self.dir.join(HEAD), sealed.to_string().as_bytes())
    }

    /// Re-seals every entry with the ring's current key (after a key rotation): the entries,
    /// and so their hashes, are unchanged. The file is replaced atomically. Answers how many
    /// entries were re-sealed; refuses a log that does not verify.
    pub async fn reseal(&self) -> PortResult<usize> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let file = this.lock()?;
            let read = this.read(&file)?;
            if let Some((sequence, problem)) = read.broken {
                return Err(PortError::Corrupt {
                    what: "the audit log".into(),
                    detail: format!("entry {sequence}: {problem}"),
                    hint: "it was not re-sealed; keep it as evidence and move it aside".into(),
                });
            }
            let mut text = String::new();
            for entry in &read.entries {
                let sealed = this.seal(&format!("audit/{}", entry.sequence), entry)?;
                text.push_str(&json!({"seq": entry.sequence, "sealed": sealed}).to_string());
                text.push('\n');
            }
            replace(&this.path(), text.as_bytes())?;
            if let Some(last) = read.entries.last() {
                this.write_head(last.sequence, &last.hash)?;
            }
            drop(file);
            Ok(read.entries.len())
        })
        .await
        .map_err(blocking_error)?
    }

    fn read_now(&self) -> PortResult<Read> {
        match File::open(self.path()) {
            Ok(file) => self.read(&file),
            // No log: fine, unless a head file says there was one.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.check(""),
            Err(e) => Err(io("open", &self.path(), e)),
        }
    }
}

#[async_trait]
impl AuditLog for FileAuditLog {
    async fn append(&self, at: DateTime<Utc>, event: AuditEvent) -> PortResult<AuditEntry> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.append_locked(at, event)).await.map_err(blocking_error)?
    }

    async fn entries(&self) -> PortResult<Vec<AuditEntry>> {
        let this = self.clone();
        let read = tokio::task::spawn_blocking(move || this.read_now()).await.map_err(blocking_error)??;
        match read.broken {
            None => Ok(read.entries),
            Some((sequence, problem)) => Err(PortError::Corrupt {
                what: "the audit log".into(),
                detail: format!("entry {sequence}: {problem}"),
                hint: "run `cloudops audit verify` for details".into(),
            }),
        }
    }

    async fn verify(&self) -> PortResult<AuditVerification> {
        let this = self.clone();
        let read = tokio::task::spawn_blocking(move || this.read_now()).await.map_err(blocking_error)??;
        Ok(AuditVerification {
            entries: read.entries.len() as u64,
            first_broken: read.broken.as_ref().map(|b| b.0),
            problem: read.broken.map(|b| b.1),
        })
    }
}
