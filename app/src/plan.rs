//! The planning use case (the server's job, also run in-process by the CLI): classify the
//! prompt against the playbooks that fit the identified resources, then let the operations
//! agent fill the chosen playbook in. Stateless: nothing about the request is kept.

use std::sync::Arc;
use std::time::Instant;

use cloudops_domain::agent::{self, clarify};
use cloudops_domain::routing::{self, Route, Scored};
use cloudops_domain::verbs;
use cloudops_domain::{Clarification, PlanRequest, PlanResponse, PlaybookSummary, ResourceKind};
use cloudops_ports::{Clock, Embedder, IntentClassifier, PlaybookStore, PortError, PortResult};
use serde::Serialize;

/// How many playbooks retrieval hands to the router.
pub const RETRIEVE: usize = 12;
/// Requests longer than this are refused (a prompt is a sentence, not a document).
pub const MAX_PROMPT_CHARS: usize = 2_000;
/// Identified resources beyond this are refused: the client should narrow its lookup.
pub const MAX_RESOURCES: usize = 500;

/// Who decided which playbook to use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decider {
    Router,
    /// The LLM, by model id.
    Llm(String),
    /// Nobody: the response asks the user.
    Clarification,
}

/// What happened while planning, for metrics and logs (holds no estate data).
#[derive(Debug, Clone, Serialize)]
pub struct PlanTrace {
    pub decided_by: Decider,
    pub playbook: Option<String>,
    pub route_score: Option<f32>,
    pub embed_ms: f64,
    pub classify_ms: f64,
    pub total_ms: f64,
}

/// The planner: retrieval + router + optional LLM + agent.
pub struct Planner {
    pub embedder: Arc<dyn Embedder>,
    pub playbooks: Arc<dyn PlaybookStore>,
    /// The LLM; without it, unclear prompts get a clarification listing the closest playbooks.
    pub classifier: Option<Arc<dyn IntentClassifier>>,
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Planner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Planner").field("llm", &self.classifier.is_some()).finish_non_exhaustive()
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// Checks what the wire types cannot: sizes and an actual question.
pub fn check_request(request: &PlanRequest) -> PortResult<()> {
    let prompt = request.prompt.trim();
    if prompt.is_empty() {
        return Err(PortError::Invalid("the prompt is empty: say what to do, e.g. \"stop pg-main\"".into()));
    }
    if prompt.chars().count() > MAX_PROMPT_CHARS {
        return Err(PortError::Invalid(format!("the prompt is longer than {MAX_PROMPT_CHARS} characters: shorten it")));
    }
    if request.identified_resources.len() > MAX_RESOURCES {
        return Err(PortError::Invalid(format!(
            "{} identified resources is more than {MAX_RESOURCES}: narrow the request (an account, region or tag)",
            request.identified_resources.len()
        )));
    }
    Ok(())
}

impl Planner {
    pub async fn plan(&self, request: &PlanRequest) -> PortResult<(PlanResponse, PlanTrace)> {
        let started = Instant::now();
        check_request(request)?;
        let catalog = self.playbooks.catalog();
        // What to do is in the words that do not name the resources.
        let intent = routing::intent_text(&request.prompt, &request.identified_resources);
        let vector = self.embedder.embed(std::slice::from_ref(&intent)).await?.pop().unwrap_or_default();
        let embed_ms = ms(started);
        let mut kinds: Vec<ResourceKind> = request.identified_resources.iter().map(|r| r.resource_type).collect();
        kinds.sort();
        kinds.dedup();
        let hits = self.playbooks.search(&vector, &kinds, RETRIEVE).await?;
        let scored: Vec<Scored> = hits
            .iter()
            .filter_map(|(id, similarity)| {
                catalog.get(id).map(|p| Scored {
                    id: id.clone(),
                    verb: p.verb,
                    similarity: *similarity,
                    keywords: p.keywords.clone(),
                })
            })
            .collect();
        let mut trace = PlanTrace {
            decided_by: Decider::Router,
            playbook: None,
            route_score: None,
            embed_ms,
            classify_ms: 0.0,
            total_ms: 0.0,
        };
        let classify_started = Instant::now();
        let mut warnings = Vec::new();
        // Verb safety: a playbook the prompt's verbs contradict is no candidate, whoever decides.
        let said = verbs::said(&intent);
        let (scored, contradicted): (Vec<Scored>, Vec<Scored>) =
            scored.into_iter().partition(|s| verbs::allows(&said, s.verb));
        let chosen = match routing::route(&intent, &scored) {
            Route::Confident { id, score } => {
                trace.route_score = Some(score);
                Ok(Some(id))
            }
            Route::Unsure(candidates) => {
                trace.route_score = candidates.first().map(|c| c.1);
                self.decide_unsure(request, &intent, &catalog, &candidates, &mut trace, &mut warnings).await.map(Some)
            }
            // Nothing close enough, yet the prompt's verbs allow some candidates: let the LLM
            // (or the user) choose among those rather than give up.
            Route::NoMatch if said.iter().any(|s| !s.allows.is_empty()) && !scored.is_empty() => {
                let mut allowed: Vec<(String, f32)> = scored.iter().map(|s| (s.id.clone(), s.similarity)).collect();
                allowed.sort_by(|a, b| b.1.total_cmp(&a.1));
                allowed.truncate(routing::UNSURE_CANDIDATES);
                trace.route_score = allowed.first().map(|c| c.1);
                self.decide_unsure(request, &intent, &catalog, &allowed, &mut trace, &mut warnings).await.map(Some)
            }
            Route::NoMatch => match contradicted.iter().max_by(|a, b| a.similarity.total_cmp(&b.similarity)) {
                Some(closest) => Err(self.contradiction(request, &said, closest, &catalog)),
                None => Ok(None),
            },
        };
        trace.classify_ms = ms(classify_started);
        let found = chosen.map(|id| id.and_then(|id| catalog.get(&id).cloned()));
        let response = match found {
            Err(question) => question,
            Ok(Some(playbook)) => {
                trace.playbook = Some(playbook.id.clone());
                let mut response = agent::instantiate(&playbook, &catalog.version, request, self.clock.now());
                response.warnings.extend(warnings);
                response
            }
            Ok(None) => {
                trace.decided_by = Decider::Clarification;
                let question = if kinds.is_empty() {
                    "I could not match this to anything I can do, and no resource was identified. Name the resource and what to do with it (GET /v1/playbooks lists what I can do).".to_owned()
                } else {
                    let labels: Vec<&str> = kinds.iter().map(|k| k.label()).collect();
                    format!(
                        "I could not match this to anything I can do with a {}. Rephrase it (GET /v1/playbooks lists what I can do).",
                        labels.join(" or ")
                    )
                };
                clarify(request, None, Clarification { question, missing: vec!["intent".into()], candidates: vec![] })
            }
        };
        trace.total_ms = ms(started);
        Ok((response, trace))
    }

    /// Nothing the prompt's verbs allow is close, yet `closest` (which they contradict) is:
    /// ask, naming both readings, instead of planning either.
    fn contradiction(
        &self,
        request: &PlanRequest,
        said: &[verbs::Said],
        closest: &Scored,
        catalog: &cloudops_domain::Catalog,
    ) -> PlanResponse {
        let said = verbs::contradiction(said, closest.verb).map_or_else(String::new, |c| c.said_quoted(" and "));
        let title = catalog.get(&closest.id).map_or(closest.id.as_str(), |p| p.title.as_str());
        let question = format!(
            "You said {said}, and nothing I can do here does that; the closest is \"{title}\" ({}), which would {} instead. Which do you mean? Say the action you want, e.g. \"{} …\".",
            closest.id,
            closest.verb.words(),
            closest.verb.words(),
        );
        clarify(request, None, Clarification { question, missing: vec!["intent".into()], candidates: vec![] })
    }

    /// The router could not decide: the LLM chooses among the closest playbooks, or the user is
    /// asked (as the `Err` response) when there is no LLM or it fails.
    async fn decide_unsure(
        &self,
        request: &PlanRequest,
        intent: &str,
        catalog: &cloudops_domain::Catalog,
        candidates: &[(String, f32)],
        trace: &mut PlanTrace,
        warnings: &mut Vec<String>,
    ) -> Result<String, PlanResponse> {
        let summaries: Vec<PlaybookSummary> =
            candidates.iter().filter_map(|(id, _)| catalog.get(id).map(|p| p.summary(&catalog.version))).collect();
        match &self.classifier {
            Some(llm) => match llm.classify(intent, &request.identified_resources, &summaries).await {
                Ok(c) => {
                    if let Some(id) = c.playbook_ids.into_iter().find(|id| summaries.iter().any(|s| &s.id == id)) {
                        trace.decided_by = Decider::Llm(c.decided_by);
                        return Ok(id);
                    }
                    warnings.push("the language model chose none of the candidate playbooks".into());
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the LLM classifier failed; asking the user instead");
                    warnings.push(format!("the language model could not decide ({e})"));
                }
            },
            None => warnings.push(
                "no language model is loaded: unclear requests are answered with a question (run `cargo xtask setup`)"
                    .into(),
            ),
        }
        trace.decided_by = Decider::Clarification;
        let options: Vec<String> = summaries.iter().map(|s| format!("{} ({})", s.title, s.id)).collect();
        let question = format!("Which of these do you want: {}?", options.join("; "));
        let mut response =
            clarify(request, None, Clarification { question, missing: vec!["playbook".into()], candidates: vec![] });
        response.warnings = std::mem::take(warnings);
        Err(response)
    }
}

/// The planner in this process, behind the same port as the HTTP client: the CLI plans
/// without a server and still hands the planner only the request (no credentials exist here).
#[derive(Debug)]
pub struct LocalPlanner(pub Planner);

#[async_trait::async_trait]
impl cloudops_ports::PlannerClient for LocalPlanner {
    async fn plan(&self, request: &PlanRequest) -> PortResult<PlanResponse> {
        Ok(self.0.plan(request).await?.0)
    }
}
