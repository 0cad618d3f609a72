//! The store held open by the client: the estate and chat stores and the in-memory lookup
//! index over the estate (rebuilt after every sync), and the search and suggest calls on it.

use std::sync::{Arc, RwLock};

use cloudops_domain::Resource;
use cloudops_domain::lookup::Suggestion;
use cloudops_ports::{ChatStore, Embedder, EstateStore};

use super::{Client, ClientError};
use crate::lookup::{Lookup, LookupResult};

pub(super) struct Open {
    pub estate: Arc<dyn EstateStore>,
    pub chat: Arc<dyn ChatStore>,
    lookup: RwLock<Indexed>,
}

/// The lookup index and whether the store's vectors are this embedder's.
#[derive(Clone)]
struct Indexed {
    lookup: Arc<Lookup>,
    vectors_current: bool,
}

impl Open {
    pub fn lookup(&self) -> Arc<Lookup> {
        self.indexed().lookup
    }

    fn indexed(&self) -> Indexed {
        self.lookup.read().map(|l| l.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }
}

impl Client {
    /// The store, opened (and locked) on first use and kept open until [`Client::release`].
    pub(super) async fn opened(&self) -> Result<Arc<Open>, ClientError> {
        let mut slot = self.inner.open.lock().await;
        if let Some(open) = slot.as_ref() {
            return Ok(open.clone());
        }
        let ring = self.ring().await?;
        let (estate, chat) = self.parts().stores.open(ring).await?;
        let indexed = self.index(estate.as_ref()).await?;
        let open = Arc::new(Open { estate, chat, lookup: RwLock::new(indexed) });
        *slot = Some(open.clone());
        Ok(open)
    }

    /// The store, which must hold an estate (an empty one is an error that says to sync).
    pub(super) async fn opened_with_data(&self) -> Result<Arc<Open>, ClientError> {
        if self.inner.open.lock().await.is_none() && !self.parts().stores.has_data() {
            return Err(ClientError::EmptyStore(self.store_dir()));
        }
        self.opened().await
    }

    /// Closes the store (and releases its lock for other processes) once the calls in
    /// flight are done with it; the next call opens it again. A scheduled sync releases it
    /// between rounds, a desktop app when it goes idle.
    pub async fn release(&self) {
        self.inner.open.lock().await.take();
    }

    /// Re-reads the lookup index from the store (after a sync changed it).
    pub(super) async fn refresh_lookup(&self) -> Result<(), ClientError> {
        let Some(open) = self.inner.open.lock().await.clone() else { return Ok(()) };
        let fresh = self.index(open.estate.as_ref()).await?;
        if let Ok(mut lookup) = open.lookup.write() {
            *lookup = fresh;
        }
        Ok(())
    }

    async fn index(&self, estate: &dyn EstateStore) -> Result<Indexed, ClientError> {
        let lookup = Lookup::open(estate).await?;
        let vectors_current = match &self.parts().embedder {
            Ok(e) => lookup.embedded_by(estate, e.model_id()).await?,
            Err(_) => false,
        };
        Ok(Indexed { lookup: Arc::new(lookup), vectors_current })
    }

    /// The embedder, or a notice (once) that lookups match names and filters only: there is
    /// none, or the store's vectors are another model's (until a sync re-embeds them).
    fn embedder_for_lookup(&self, vectors_current: bool) -> Option<Arc<dyn Embedder>> {
        static SAID: std::sync::Once = std::sync::Once::new();
        match &self.parts().embedder {
            Ok(e) if vectors_current => Some(e.clone()),
            Ok(e) => {
                SAID.call_once(|| {
                    self.notice(format!(
                        "matching by names and filters only until the next `cloudops sync`: the estate's \
                         vectors were made by another embedding model than {} (or an older cloudops), and \
                         that sync re-embeds them",
                        e.model_id()
                    ))
                });
                None
            }
            Err(why) => {
                SAID.call_once(|| self.notice(format!("matching by names and filters only ({why})")));
                None
            }
        }
    }

    /// The resources `text` may mean, best first, with the verdict (see [`Lookup::search`]).
    pub async fn search(&self, text: &str, limit: usize) -> Result<LookupResult, ClientError> {
        if text.trim().is_empty() {
            return Err(ClientError::EmptySearch);
        }
        let open = self.opened_with_data().await?;
        self.search_in(&open, text, limit).await
    }

    pub(super) async fn search_in(&self, open: &Open, text: &str, limit: usize) -> Result<LookupResult, ClientError> {
        let Indexed { lookup, vectors_current } = open.indexed();
        let embedder = self.embedder_for_lookup(vectors_current);
        Ok(lookup.search(open.estate.as_ref(), embedder.as_deref(), text, limit).await?)
    }

    /// Autocomplete: resources whose name or identifier starts with `prefix` (then names
    /// with a word starting with it).
    pub async fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<(Suggestion, Resource)>, ClientError> {
        let open = self.opened_with_data().await?;
        let lookup = open.lookup();
        Ok(lookup.suggest(prefix, limit).into_iter().map(|(s, r)| (s, r.clone())).collect())
    }

    /// Every synced resource, as the lookup holds it in memory (shared, not copied): what a
    /// resource explorer lists and filters. Rebuilt after every sync; call again to see it.
    pub async fn estate(&self) -> Result<Arc<Lookup>, ClientError> {
        Ok(self.opened_with_data().await?.lookup())
    }

    /// The profiles of the AWS config files (what a sync may be asked to reach).
    pub async fn profiles(&self) -> Result<Vec<cloudops_ports::Profile>, ClientError> {
        Ok(self.parts().accounts.profiles().await?)
    }

    /// The stored resource with this point id, if synced.
    pub async fn resource(&self, id: cloudops_domain::PointId) -> Result<Option<Resource>, ClientError> {
        let open = self.opened_with_data().await?;
        Ok(open.estate.get(id).await?.map(|s| s.resource))
    }
}
