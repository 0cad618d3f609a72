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
    /// The client's own embedder (one model per process), or why there is none.
    embedder: Result<Arc<dyn Embedder>, String>,
    planner: tokio::sync::OnceCell<LocalPlanner>,
}

impl LazyLocalPlanner {
    pub fn new(source: Arc<dyn PlaybookSource>, embedder: Result<Arc<dyn Embedder>, String>) -> Self {
        Self { source, embedder, planner: tokio::sync::OnceCell::new() }
    }

    async fn build(&self) -> PortResult<LocalPlanner> {
        let embedder = self.embedder.clone().map_err(|detail| PortError::Unavailable {
            what: "the in-process planner".into(),
            detail,
            hint: "run `cargo xtask setup`, or plan on a server (`cloudops server set --url …`)".into(),
        })?;
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
