//! Keeping the playbook index in step with the repository: load, embed only texts not seen
//! before, swap the index; on a bad edit keep serving the last good catalog.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloudops_ports::{Embedder, PlaybookSource, PlaybookStore, PlaybookText, PortError, PortResult};

/// Embedding batch size for playbook texts.
const BATCH: usize = 32;

pub struct PlaybookLibrary {
    pub source: Arc<dyn PlaybookSource>,
    pub store: Arc<dyn PlaybookStore>,
    pub embedder: Arc<dyn Embedder>,
    /// Text → vector, so a reload embeds only what changed.
    vectors: Mutex<HashMap<String, Vec<f32>>>,
    loaded: Mutex<Option<String>>,
    /// Where the vectors are kept between processes (see [`Self::with_vector_file`]).
    vector_file: Option<PathBuf>,
}

/// The vectors of playbook texts on disk, for one model.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct VectorFile {
    model: String,
    vectors: HashMap<String, Vec<f32>>,
}

impl std::fmt::Debug for PlaybookLibrary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaybookLibrary").field("loaded", &self.loaded).finish_non_exhaustive()
    }
}

fn poisoned() -> PortError {
    PortError::Other("the playbook library lock was poisoned by an earlier panic".into())
}

impl PlaybookLibrary {
    pub fn new(source: Arc<dyn PlaybookSource>, store: Arc<dyn PlaybookStore>, embedder: Arc<dyn Embedder>) -> Self {
        Self { source, store, embedder, vectors: Mutex::default(), loaded: Mutex::default(), vector_file: None }
    }

    /// Keeps the playbook texts' vectors in `path` (a cache: playbook text only, never estate
    /// data), so a process that starts often — the CLI planning in-process — embeds only
    /// texts it has not seen. An unreadable file or one from another model is ignored.
    pub fn with_vector_file(mut self, path: PathBuf) -> Self {
        let cached = std::fs::read(&path).ok().and_then(|b| serde_json::from_slice::<VectorFile>(&b).ok());
        if let Some(file) = cached.filter(|f| f.model == self.embedder.model_id()) {
            self.vectors = Mutex::new(file.vectors);
        }
        self.vector_file = Some(path);
        self
    }

    fn save_vectors(&self) {
        let Some(path) = &self.vector_file else { return };
        let Ok(vectors) = self.vectors.lock() else { return };
        let file = VectorFile { model: self.embedder.model_id().to_owned(), vectors: vectors.clone() };
        let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else { return };
        let written = serde_json::to_vec(&file)
            .map_err(|e| e.to_string())
            .and_then(|bytes| crate::backup::write_local(dir, name, &bytes).map(|_| ()).map_err(|e| e.to_string()));
        if let Err(e) = written {
            tracing::warn!(error = %e, "cannot cache the playbook vectors; they are embedded again next time");
        }
    }

    /// Reloads when the repository changed since the last load. `Ok(true)` when a new catalog
    /// is being served.
    pub async fn refresh(&self) -> PortResult<bool> {
        let fingerprint = self.source.fingerprint()?;
        if self.loaded.lock().map_err(|_| poisoned())?.as_deref() == Some(fingerprint.as_str()) {
            return Ok(false);
        }
        let catalog = Arc::new(self.source.load()?);
        let texts = catalog.texts();
        let missing: Vec<String> = {
            let known = self.vectors.lock().map_err(|_| poisoned())?;
            let mut m: Vec<String> = texts.iter().map(|(_, t)| t.clone()).filter(|t| !known.contains_key(t)).collect();
            m.sort();
            m.dedup();
            m
        };
        for chunk in missing.chunks(BATCH) {
            let vectors = self.embedder.embed(chunk).await?;
            let mut known = self.vectors.lock().map_err(|_| poisoned())?;
            known.extend(chunk.iter().cloned().zip(vectors));
        }
        if !missing.is_empty() {
            self.save_vectors();
        }
        let indexed = {
            let known = self.vectors.lock().map_err(|_| poisoned())?;
            texts
                .into_iter()
                .filter_map(|(id, text)| {
                    known.get(&text).map(|v| PlaybookText { playbook_id: id, vector: v.clone(), text })
                })
                .collect()
        };
        self.store.replace(catalog.clone(), indexed).await?;
        *self.loaded.lock().map_err(|_| poisoned())? = Some(fingerprint);
        tracing::info!(version = %catalog.version, playbooks = catalog.playbooks.len(), "playbooks loaded");
        Ok(true)
    }

    /// Refreshes every `every` until the task is dropped. Errors are logged and the last good
    /// catalog stays in service.
    pub async fn watch(self: Arc<Self>, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.refresh().await {
                tracing::error!(error = %e, "playbook reload failed; still serving the previous version");
            }
        }
    }
}
