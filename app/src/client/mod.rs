//! [`Client`]: THE client API. One long-lived object per process, built from its parts (the
//! ports, paths, config) by one wiring function, cheap to clone, every method callable from
//! any thread. Every front end — the CLI, `cloudops chat`, the desktop app, agent tools — runs
//! the same pipelines through it:
//!
//! ```text
//! search / suggest                       the lookup on the local store
//! plan(prompt, conversation) → Planned    lookup → request (only identified facts) → planner
//! review(Planned) → Review                audit request + plan → guard → verdict
//! approve(&Review) → Approval | reject    bound to the digest, single use, expiring; audited
//! run(Review, approval, options) → RunHandle   events, cancel, finish() → re-sync, states after
//! open_saved / save_plan                  sealed plan files (typed errors)
//! sync(request, sink) → SyncOutcome       sync + status merge + daily backup
//! insights(scope) → Insights              estate questions from the local store (also via plan)
//! statuses / history / verify_audit / conversations / messages
//! ```
//!
//! Nothing here prints or reads stdin: a question to the user (approve? which resource?) is a
//! value ([`review::Verdict`], [`PlanResponse::clarification`]) the front end answers with the
//! next call. What the user should be told once (a key was just created in a file) is a
//! [`Notice`] the front end takes with [`Client::take_notices`].

mod conversation;
mod error;
mod insights;
mod open;
mod review;
mod run;
mod saved;
mod sync;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use cloudops_crypto::SharedKeyRing;
use cloudops_ports::{
    AccountDirectory, AuditLog, BackupTarget, ChatStore, Clock, Embedder, EstateSource, EstateStore, Executor,
    PermissionOracle, PlannerClient, PlaybookSource, SecretStore,
};

pub use conversation::FollowUp;
pub use error::ClientError;
pub use insights::{Insights, LOCAL_INSIGHTS};
pub use review::{Outcome, Planned, ResourceAfter, Review, RunRecord, Verdict};
pub use run::{Finished, RunHandle};
pub use sync::{SyncOutcome, SyncSelection};

use crate::{AppPaths, Config};

/// The local stores as the client needs them: the estate and chat stores on one directory
/// (held open, and the directory locked, while the returned values live) and the audit log.
#[async_trait]
pub trait LocalStores: Send + Sync {
    /// Whether the store directory already holds an estate (then a missing key is an error).
    fn has_data(&self) -> bool;
    /// Opens the estate and chat stores sealed with `ring`. A store another process holds is
    /// [`ClientError::StoreBusy`] naming that process (after a bounded wait), never a hang.
    async fn open(&self, ring: SharedKeyRing) -> Result<(Arc<dyn EstateStore>, Arc<dyn ChatStore>), ClientError>;
    /// Whether an audit log exists (reading "nothing yet" needs no key).
    fn audit_exists(&self) -> bool;
    fn audit(&self, ring: SharedKeyRing) -> Arc<dyn AuditLog>;
}

/// Everything a client is made of. The wiring (`cloudops-wiring`) fills it with the real
/// adapters; tests fill it with fakes or with the real ones.
pub struct ClientParts {
    pub paths: AppPaths,
    pub config: Config,
    /// Who approves plans on this machine (recorded in every approval).
    pub user: String,
    pub secrets: Arc<dyn SecretStore>,
    pub stores: Arc<dyn LocalStores>,
    /// The embedder, or why there is none (lookups then match names and filters only; a sync
    /// needs it).
    pub embedder: Result<Arc<dyn Embedder>, String>,
    pub planner: Arc<dyn PlannerClient>,
    /// `local` or the server's URL.
    pub planner_name: String,
    /// The client's own copy of the playbooks, which the plan guard enforces.
    pub playbooks: Arc<dyn PlaybookSource>,
    pub accounts: Arc<dyn AccountDirectory>,
    pub source: Arc<dyn EstateSource>,
    pub oracle: Arc<dyn PermissionOracle>,
    pub executor: Arc<dyn Executor>,
    /// Where daily backups are pushed, when configured.
    pub backup_target: Option<Arc<dyn BackupTarget>>,
    pub clock: Arc<dyn Clock>,
    /// Said once when this process creates the store's data key (e.g. that it is kept in a file).
    pub key_created_notice: Option<String>,
}

impl std::fmt::Debug for ClientParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientParts")
            .field("paths", &self.paths)
            .field("planner", &self.planner_name)
            .finish_non_exhaustive()
    }
}

/// Something the user should be told once, not on every call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Notice {
    pub text: String,
}

/// The client. Clones share everything (stores, key ring, execution engine).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    parts: ClientParts,
    ring: tokio::sync::OnceCell<SharedKeyRing>,
    open: tokio::sync::Mutex<Option<Arc<open::Open>>>,
    engine: tokio::sync::OnceCell<Arc<crate::execute::Engine>>,
    notices: Mutex<Vec<Notice>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("data_dir", &self.inner.parts.paths.data_dir)
            .field("planner", &self.inner.parts.planner_name)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client over `parts`. Opens nothing yet: the key, the store and the engine are
    /// opened on first use and kept (the store until [`Client::release`]).
    pub fn new(parts: ClientParts) -> Self {
        Self {
            inner: Arc::new(Inner {
                parts,
                ring: tokio::sync::OnceCell::new(),
                open: tokio::sync::Mutex::default(),
                engine: tokio::sync::OnceCell::new(),
                notices: Mutex::default(),
            }),
        }
    }

    fn parts(&self) -> &ClientParts {
        &self.inner.parts
    }

    pub fn paths(&self) -> &AppPaths {
        &self.parts().paths
    }

    pub fn config(&self) -> &Config {
        &self.parts().config
    }

    /// `local` or the planning server's URL.
    pub fn planner_name(&self) -> &str {
        &self.parts().planner_name
    }

    /// What to tell the user since the last call (each notice once per process).
    pub fn take_notices(&self) -> Vec<Notice> {
        self.inner.notices.lock().map(|mut n| std::mem::take(&mut *n)).unwrap_or_default()
    }

    fn notice(&self, text: String) {
        if let Ok(mut notices) = self.inner.notices.lock() {
            notices.push(Notice { text });
        }
    }

    /// The store's key ring: loaded (or, for a store without data, created) once.
    async fn ring(&self) -> Result<SharedKeyRing, ClientError> {
        self.inner
            .ring
            .get_or_try_init(|| async {
                let has_data = self.parts().stores.has_data();
                let (ring, created) =
                    crate::keys::load_or_create_noting(self.parts().secrets.as_ref(), has_data).await?;
                if created && let Some(text) = &self.parts().key_created_notice {
                    self.notice(text.clone());
                }
                Ok::<_, ClientError>(Arc::new(std::sync::RwLock::new(ring)))
            })
            .await
            .cloned()
    }

    fn audit(&self, ring: SharedKeyRing) -> Arc<dyn AuditLog> {
        self.parts().stores.audit(ring)
    }

    async fn engine(&self) -> Result<Arc<crate::execute::Engine>, ClientError> {
        let ring = self.ring().await?;
        Ok(self
            .inner
            .engine
            .get_or_init(|| async {
                Arc::new(crate::execute::Engine::new(
                    self.parts().executor.clone(),
                    self.audit(ring),
                    self.parts().clock.clone(),
                ))
            })
            .await
            .clone())
    }

    /// The data dir's store directory (where a backup snapshot is read from).
    fn store_dir(&self) -> PathBuf {
        self.paths().store_dir()
    }
}

/// Reads the keys of a shared ring (the lock is only poisoned by a panic elsewhere).
fn read_keys(ring: &SharedKeyRing) -> Result<std::sync::RwLockReadGuard<'_, cloudops_crypto::KeyRing>, ClientError> {
    ring.read().map_err(|_| ClientError::Internal("the key ring lock was poisoned by an earlier failure".into()))
}

/// Every method can be called from any thread and its future spawned on any runtime thread
/// (a desktop app runs them off its UI thread): checked at compile time.
#[allow(dead_code)]
fn callable_from_any_thread(client: Client, review: Review, conversation: cloudops_ports::ConversationId) {
    fn send<T: Send + Sync + 'static>(_: &T) {}
    fn spawnable<F: std::future::Future + Send + 'static>(_: F) {}
    send(&client);
    let c = client.clone();
    let conv = conversation.clone();
    spawnable(async move { c.plan("stop pg-main", &conv).await });
    let c = client.clone();
    spawnable(async move {
        let run = c.run(review, None, crate::execute::RunOptions::default()).await?;
        run.finish().await
    });
    let c = client.clone();
    spawnable(async move {
        c.sync(
            &crate::sync::SyncRequest {
                profiles: vec![],
                regions: vec![],
                kinds: vec![],
                concurrency: 1,
                full: false,
                organization: None,
            },
            &cloudops_ports::NoProgress,
        )
        .await
    });
    let c = client.clone();
    spawnable(async move {
        let planned = c.open_saved(std::path::Path::new("plan.json")).await?;
        let review = c.review(planned).await?;
        c.approve(&review, cloudops_domain::approval::ApprovalMode::Interactive, false).await?;
        c.reject(&review, "no").await?;
        c.answer(&review.planned, "arn", &cloudops_ports::ConversationId("c".into())).await?;
        c.history(10).await?;
        c.verify_audit().await?;
        c.conversations().await?;
        c.backup(false).await
    });
    spawnable(async move { client.search("pg", 5).await });
}
