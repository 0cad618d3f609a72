//! `cloudops-server`: the planning server. Thin wiring: config → adapters → `app::plan::Planner`
//! → `routes::router`.

mod config;
mod errors;
mod metrics;
mod routes;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use cloudops_app::counters::MemoryCounters;
use cloudops_app::plan::Planner;
use cloudops_app::playbooks::PlaybookLibrary;
use cloudops_embeddings::MiniLmEmbedder;
use cloudops_playbooks::DirPlaybookSource;
use cloudops_ports::{Clock, CounterStore, Embedder, IntentClassifier, SystemClock};
use cloudops_qdrant::EdgePlaybookStore;

use crate::config::{Args, ServerConfig};
use crate::routes::AppState;

/// How often the playbook directory is checked for changes.
const RELOAD_EVERY: Duration = Duration::from_secs(2);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("CLOUDOPS_LOG").unwrap_or_else(|_| {
            "info,mistralrs_core=warn,mistralrs_quant=warn,mistralrs=warn,ort=warn,qdrant_edge=error".into()
        }))
        .init();
    let config = ServerConfig::resolve(args)?;

    let embedder: Arc<dyn Embedder> = Arc::new(MiniLmEmbedder::discover()?);
    let store = Arc::new(EdgePlaybookStore::new(embedder.dimension()));
    let library = Arc::new(PlaybookLibrary::new(
        Arc::new(DirPlaybookSource::new(&config.playbooks)),
        store.clone(),
        embedder.clone(),
    ));
    library.refresh().await.context("cannot load the playbooks")?;
    tokio::spawn(library.clone().watch(RELOAD_EVERY));

    let classifier: Option<Arc<dyn IntentClassifier>> = if config.llm {
        match cloudops_llm::SmolLmClassifier::discover().await {
            Ok(llm) => Some(Arc::new(llm)),
            Err(e) => {
                tracing::warn!(error = %e, "running router-only");
                None
            }
        }
    } else {
        tracing::warn!("--no-llm: running router-only; unclear requests get a clarification");
        None
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let counters: Arc<dyn CounterStore> = match &config.redis_url {
        Some(url) => Arc::new(cloudops_redis::RedisCounters::connect(url).await?),
        None => Arc::new(MemoryCounters::new(clock.clone())),
    };
    let state = Arc::new(AppState {
        llm_loaded: classifier.is_some(),
        planner: Planner { embedder, playbooks: store, classifier, clock },
        counters,
        metrics: Default::default(),
        token_digests: config.tokens.iter().map(|t| AppState::digest(t)).collect(),
        rate_limit_per_minute: config.rate_limit_per_minute,
    });

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}: is another process using it? Pass --listen", config.listen))?;
    tracing::info!(address = %listener.local_addr()?, auth = !config.tokens.is_empty(), "cloudops-server listening");
    axum::serve(listener, routes::router(state, config.body_limit_bytes))
        .with_graceful_shutdown(shutdown(config.exit_on_stdin_eof))
        .await?;
    Ok(())
}

/// Ctrl-C, or (with --exit-on-stdin-eof) the end of standard input.
async fn shutdown(on_stdin_eof: bool) {
    let stdin_closed = async {
        if !on_stdin_eof {
            return std::future::pending::<()>().await;
        }
        let mut sink = Vec::new();
        let _ = tokio::io::AsyncReadExt::read_to_end(&mut tokio::io::stdin(), &mut sink).await;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = stdin_closed => {}
    }
}
