//! `cloudops plan`: look the prompt's resources up on this machine, send only those facts to
//! the planner (a server, or the same planner in-process), print the plan.

use std::sync::Arc;

use anyhow::Context;
use cloudops_app::plan::{LocalPlanner, Planner};
use cloudops_app::playbooks::PlaybookLibrary;
use cloudops_app::{AppPaths, Config, request};
use cloudops_domain::{IdentifiedResource, PlanRequest, PlanResponse};
use cloudops_embeddings::MiniLmEmbedder;
use cloudops_http::HttpPlannerClient;
use cloudops_playbooks::{BuiltinPlaybookSource, DirPlaybookSource};
use cloudops_ports::{ConversationId, Embedder, PlannerClient, PlaybookSource, SecretStore, SystemClock};
use cloudops_qdrant::EdgePlaybookStore;
use serde::Serialize;

use crate::search_cmd;

/// The CLI's conversation in the chat history (the desktop app keeps its own).
const CONVERSATION: &str = "cli";

/// How many lookup candidates a filter-only request may bring.
const LOOKUP_LIMIT: usize = request::MAX_FILTER_MATCHES;

/// `--json`: the planner's response plus what was sent as identified resources.
#[derive(Debug, Serialize)]
pub struct PlanOutput {
    #[serde(flatten)]
    pub response: PlanResponse,
    pub identified_resources: Vec<IdentifiedResource>,
    /// `local` or the server URL.
    pub planner: String,
}

/// Where to plan: `--server`, else CLOUDOPS_SERVER (via clap), else the config's URL.
pub struct Target {
    pub server: Option<String>,
    pub token: Option<String>,
}

async fn local_planner(config: &Config) -> anyhow::Result<LocalPlanner> {
    let embedder: Arc<dyn Embedder> = Arc::new(MiniLmEmbedder::discover()?);
    let source: Arc<dyn PlaybookSource> = match &config.server.playbooks {
        Some(dir) => Arc::new(DirPlaybookSource::new(dir)),
        None => Arc::new(BuiltinPlaybookSource),
    };
    let store = Arc::new(EdgePlaybookStore::new(embedder.dimension()));
    let mut library = PlaybookLibrary::new(source, store.clone(), embedder.clone());
    if let Some(cache) = cloudops_embeddings::cache_root() {
        library = library.with_vector_file(cache.join("playbook-vectors.json"));
    }
    library.refresh().await.context("cannot load the playbooks")?;
    Ok(LocalPlanner(Planner {
        embedder,
        playbooks: store,
        classifier: Some(Arc::new(cloudops_llm::LazySmolLm::default())),
        clock: Arc::new(SystemClock),
    }))
}

pub async fn run(
    paths: &AppPaths,
    config: &Config,
    secrets: &dyn SecretStore,
    prompt: &str,
    target: Target,
) -> anyhow::Result<PlanOutput> {
    if prompt.trim().is_empty() {
        anyhow::bail!("the request is empty: say what to do, e.g. `cloudops plan stop pg-main`");
    }
    // The store stays open (and locked) until the answer is recorded in the conversation.
    let opened = search_cmd::open(paths, secrets).await?;
    let lookup = opened.search(prompt, LOOKUP_LIMIT).await?;
    let default_region = config.aws.regions.first().cloned();
    let conversation = ConversationId(CONVERSATION.into());
    let identified = request::identified(&lookup);
    let now = chrono::Utc::now();
    let turns = request::recent_turns(&opened.stores.chat, &conversation, &opened.lookup, &identified, now).await?;
    let request: PlanRequest = request::build(prompt, &lookup, default_region, turns);
    let server = target.server.or_else(|| config.server.url.clone()).filter(|s| !s.is_empty());
    let (planner, name): (Box<dyn PlannerClient>, String) = match server {
        Some(url) => {
            let token = target.token.or_else(|| config.server.token.clone());
            (Box::new(HttpPlannerClient::new(&url, token)?), url)
        }
        None => (Box::new(local_planner(config).await?), "local".to_owned()),
    };
    let response = planner.plan(&request).await?;
    request::record_turns(&opened.stores.chat, &conversation, prompt, &response, now).await?;
    Ok(PlanOutput { response, identified_resources: request.identified_resources, planner: name })
}

/// The human form: the explanation, then what to do next.
pub fn render(output: &PlanOutput) -> String {
    render_response(&output.response)
}

/// The planner's answer in words: the explanation or the question, and the warnings.
pub fn render_response(r: &PlanResponse) -> String {
    let mut out = String::new();
    if let Some(c) = &r.clarification {
        out.push_str(&format!("question: {}\n", c.question));
        for arn in &c.candidates {
            out.push_str(&format!("  - {arn}\n"));
        }
    } else {
        out.push_str(&r.explain_plan);
        out.push('\n');
    }
    for w in &r.warnings {
        if !r.explain_plan.contains(w.as_str()) {
            out.push_str(&format!("warning: {w}\n"));
        }
    }
    out
}
