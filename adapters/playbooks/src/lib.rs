//! The playbook repository on disk: one `<id>.yaml` per playbook in a directory inside a Git
//! work tree. [`DirPlaybookSource`] parses and validates every file (one bad file fails the
//! load with its name and field: a partial catalog would silently drop a playbook) and
//! versions the catalog by the repository's commit id.

mod git;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cloudops_domain::{Catalog, Playbook};
use cloudops_ports::{PlaybookSource, PortError, PortResult};
use sha2::{Digest, Sha256};

/// Playbooks from a directory (not recursive; other files are ignored).
#[derive(Debug, Clone)]
pub struct DirPlaybookSource {
    dir: PathBuf,
}

impl DirPlaybookSource {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn files(&self) -> PortResult<Vec<PathBuf>> {
        let entries = std::fs::read_dir(&self.dir).map_err(|e| PortError::Unavailable {
            what: format!("the playbook directory {}", self.dir.display()),
            detail: e.to_string(),
            hint: "pass the playbook repository with --playbooks DIR (or CLOUDOPS_PLAYBOOKS)".into(),
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml") && p.is_file())
            .collect();
        files.sort();
        Ok(files)
    }
}

fn invalid(path: &Path, problem: impl std::fmt::Display) -> PortError {
    PortError::Invalid(format!("playbook {}: {problem}; fix the file and it is reloaded", path.display()))
}

/// Parses and validates one playbook file.
pub fn parse_playbook(path: &Path, text: &str) -> PortResult<Playbook> {
    let playbook: Playbook = serde_norway::from_str(text).map_err(|e| invalid(path, e))?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    playbook.validate(stem).map_err(|e| invalid(path, e))?;
    Ok(playbook)
}

impl PlaybookSource for DirPlaybookSource {
    fn fingerprint(&self) -> PortResult<String> {
        let mut hash = Sha256::new();
        for file in self.files()? {
            let meta = std::fs::metadata(&file).map_err(|e| invalid(&file, e))?;
            let modified = meta.modified().ok().and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok());
            hash.update(format!("{}|{}|{:?}\n", file.display(), meta.len(), modified).as_bytes());
        }
        hash.update(git::head(&self.dir).unwrap_or_default().as_bytes());
        Ok(hex::encode(hash.finalize()))
    }

    fn load(&self) -> PortResult<Catalog> {
        let mut playbooks = BTreeMap::new();
        let mut content = Sha256::new();
        for file in self.files()? {
            let text = std::fs::read_to_string(&file).map_err(|e| invalid(&file, e))?;
            content.update(file.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default());
            content.update(text.as_bytes());
            let playbook = parse_playbook(&file, &text)?;
            if playbooks.contains_key(&playbook.id) {
                return Err(invalid(&file, format!("a second playbook with id '{}'", playbook.id)));
            }
            playbooks.insert(playbook.id.clone(), Arc::new(playbook));
        }
        if playbooks.is_empty() {
            return Err(PortError::Invalid(format!(
                "{} holds no playbooks (*.yaml): point --playbooks at the playbook repository",
                self.dir.display()
            )));
        }
        let content = hex::encode(&content.finalize()[..6]);
        let version = git::version(&self.dir, &content);
        Ok(Catalog { version, playbooks })
    }
}

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
}

/// The playbooks this binary was built with (the repository's `playbooks/`), for planning
/// in-process when no playbook directory is configured. Versioned `builtin-<content hash>`.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinPlaybookSource;

impl PlaybookSource for BuiltinPlaybookSource {
    fn fingerprint(&self) -> PortResult<String> {
        Ok("builtin".into())
    }

    fn load(&self) -> PortResult<Catalog> {
        let mut playbooks = BTreeMap::new();
        let mut content = Sha256::new();
        for (name, text) in builtin::BUILTIN {
            content.update(name.as_bytes());
            content.update(text.as_bytes());
            let playbook = parse_playbook(Path::new(name), text)?;
            playbooks.insert(playbook.id.clone(), Arc::new(playbook));
        }
        if playbooks.is_empty() {
            return Err(PortError::Invalid(
                "this binary was built without playbooks: pass a playbook directory".into(),
            ));
        }
        Ok(Catalog { version: format!("builtin-{}", hex::encode(&content.finalize()[..6])), playbooks })
    }
}
