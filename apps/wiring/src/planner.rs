//! The in-process planner (no server configured), built on first use: the embedder, the
//! playbook index and the LLM load only when a plan is asked for.

use std::sync::Arc;

use async_trait::async_trait;
use cloudops_app::plan::{LocalPlanner, Planner};
use cloudops_app::playbooks::PlaybookLibrary;
use cloudops_domain::{PlanRequest, PlanResponse};
use cloudops_ports::{Embedder, PlannerClient, PlaybookSource, PortError, PortResult, SystemClock};
use cloudops_qdrant::EdgePlaybookStore;

pub struct LazyLocalPlanner {
    source: Arc<dyn PlaybookSource>,
    planner: tokio::sync::OnceCell<LocalPlanner>,
}

impl LazyLocalPlanner {
    pub fn new(source: Arc<dyn PlaybookSource>) -> Self {
        Self { source, planner: tokio::sync::OnceCell::new() }
    }

    async fn build(&self) -> PortResult<LocalPlanner> {
        let embedder: Arc<dyn Embedder> =
            Arc::new(cloudops_embeddings::MiniLmEmbedder::discover().map_err(|e| PortError::Unavailable {
                what: "the in-process planner".into(),
                detail: e.to_string(),
                hint: "run `cargo xtask setup`, or plan on a server (`cloudops server set --url …`)".into(),
            })?);
        let store = Arc::new(EdgePlaybookStore::new(embedder.dimension()));
        let mut library = PlaybookLibrary::new(self.source.clone(), store.clone(), embedder.clone());
        if let Some(cache) = cloudops_embeddings::cache_root() {
            library = library.with_vector_file(cache.join("playbook-vectors.json"));
        }
        library.refresh().await?;
        Ok(LocalPlanner(Planner {
            embedder,
            playbooks: store,
            classifier: Some(Arc::new(cloudops_llm::LazySmolLm::default())),
            clock: Arc::new(SystemClock),
        }))
    }
}

#[async_trait]
impl PlannerClient for LazyLocalPlanner {
    async fn plan(&self, request: &PlanRequest) -> PortResult<PlanResponse> {
        self.planner.get_or_try_init(|| self.build()).await?.plan(request).await
    }
}
