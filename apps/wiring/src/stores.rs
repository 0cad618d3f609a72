//! [`EdgeLocalStores`]: the estate and chat stores on the data dir's qdrant-edge directory,
//! and the file audit log.
//!
//! Two processes and one store: one process at a time opens it (each shard holds an
//! exclusive lock file naming its holder). A second process waits up to `[store]
//! lock_wait_secs` for the first to finish (a cron `sync` while a CLI command runs), then
//! fails with one line naming the holder ([`ClientError::StoreBusy`]); it never hangs and
//! never writes to a store it does not hold. Reading the sync status and the audit log needs
//! no store lock, so `status` and `history` work while another process holds the store.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cloudops_app::client::LocalStores;
use cloudops_app::{AppPaths, ClientError};
use cloudops_audit::FileAuditLog;
use cloudops_crypto::SharedKeyRing;
use cloudops_ports::{AuditLog, ChatStore, EstateStore, PortError};
use cloudops_qdrant::{ESTATE_DIMENSIONS, EdgeChatStore, EdgeEstateStore, holder_of};

/// How often a waiting process tries the lock again.
const RETRY_EVERY: Duration = Duration::from_millis(250);

#[derive(Debug, Clone)]
pub struct EdgeLocalStores {
    paths: AppPaths,
    wait: Duration,
}

impl EdgeLocalStores {
    pub fn new(paths: AppPaths) -> Self {
        Self { paths, wait: Duration::from_secs(10) }
    }

    /// How long to wait for another process to release the store.
    pub fn with_wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    fn dir(&self) -> PathBuf {
        self.paths.store_dir()
    }

    /// Opens both shards, waiting up to the configured time for another process to release
    /// them (see the module docs).
    pub async fn open_edge(&self, ring: SharedKeyRing) -> Result<(EdgeEstateStore, EdgeChatStore), ClientError> {
        let deadline = Instant::now() + self.wait;
        loop {
            match self.open_once(ring.clone()).await {
                Ok(opened) => return Ok(opened),
                Err(e) => match holder_of(&e) {
                    Some(_) if Instant::now() < deadline => tokio::time::sleep(RETRY_EVERY).await,
                    Some(holder) => return Err(ClientError::StoreBusy { dir: self.dir(), holder: holder.to_owned() }),
                    None => return Err(e.into()),
                },
            }
        }
    }

    /// Opens both shards, on the blocking pool (opening reads every segment).
    async fn open_once(&self, ring: SharedKeyRing) -> Result<(EdgeEstateStore, EdgeChatStore), PortError> {
        let dir = self.dir();
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir).map_err(|e| PortError::Unavailable {
                what: "the local store".into(),
                detail: format!("cannot create {}: {e}", dir.display()),
                hint: "check that the data directory is writable (--data-dir / CLOUDOPS_DATA_DIR)".into(),
            })?;
            let estate = EdgeEstateStore::open(&dir, ESTATE_DIMENSIONS, ring.clone())?;
            let chat = EdgeChatStore::open(&dir, ring)?;
            Ok((estate, chat))
        })
        .await
        .map_err(|e| PortError::Other(format!("opening the store failed: {e}")))?
    }
}

#[async_trait]
impl LocalStores for EdgeLocalStores {
    fn has_data(&self) -> bool {
        self.dir().join(EdgeEstateStore::SHARD).exists()
    }

    async fn open(&self, ring: SharedKeyRing) -> Result<(Arc<dyn EstateStore>, Arc<dyn ChatStore>), ClientError> {
        let (estate, chat) = self.open_edge(ring).await?;
        Ok((Arc::new(estate), Arc::new(chat)))
    }

    fn audit_exists(&self) -> bool {
        FileAuditLog::exists_in(&self.paths.data_dir)
    }

    fn audit(&self, ring: SharedKeyRing) -> Arc<dyn AuditLog> {
        Arc::new(FileAuditLog::new(self.paths.data_dir.clone(), ring))
    }
}
