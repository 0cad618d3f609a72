//! HTTP routes: `/v1/plan` and `/v1/playbooks` behind bearer auth and a per-token rate limit;
//! `/healthz`, `/metrics`, `/openapi.json` open. Every error is JSON (see `errors`).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cloudops_app::plan::{Decider, Planner};
use cloudops_domain::{PlanRequest, PlaybookSummary};
use cloudops_ports::CounterStore;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::errors::ApiError;
use crate::metrics::Metrics;

pub struct AppState {
    pub planner: Planner,
    pub counters: Arc<dyn CounterStore>,
    pub metrics: Metrics,
    /// SHA-256 of each accepted token; empty = no authentication (loopback only).
    pub token_digests: Vec<[u8; 32]>,
    pub rate_limit_per_minute: u64,
    pub llm_loaded: bool,
}

impl AppState {
    pub fn digest(token: &str) -> [u8; 32] {
        Sha256::digest(token.as_bytes()).into()
    }
}

/// Response header naming who chose the playbook: `router`, `llm` or `clarification`.
pub const DECIDED_BY: &str = "x-cloudops-decided-by";

const ROUTES: [&str; 5] = ["/v1/plan", "/v1/playbooks", "/healthz", "/metrics", "/openapi.json"];
const OPENAPI: &str = include_str!("openapi.json");

pub fn router(state: Arc<AppState>, body_limit: usize) -> Router {
    let api = Router::new()
        .route("/v1/plan", post(plan))
        .route("/v1/playbooks", get(playbooks))
        .route_layer(middleware::from_fn_with_state(state.clone(), authorize));
    Router::new()
        .merge(api)
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Logs and counts every request (method, route, status, time — never a body).
async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let route = ROUTES.iter().find(|r| **r == path).copied().unwrap_or("other");
    let response = next.run(request).await;
    let status = response.status().as_u16();
    state.metrics.request(route, status);
    tracing::info!(%method, route, status, ms = started.elapsed().as_secs_f64() * 1000.0, "request");
    response
}

/// Bearer-token check, then the token's rate limit.
async fn authorize(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Result<Response, ApiError> {
    let key = if state.token_digests.is_empty() {
        "anonymous".to_owned()
    } else {
        let header = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let Some(token) = header.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()) else {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send `Authorization: Bearer <token>` with a token from the server's configuration",
            ));
        };
        let digest = AppState::digest(token);
        if !state.token_digests.contains(&digest) {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "the bearer token is not accepted by this server",
            ));
        }
        hex::encode(&digest[..8])
    };
    let count = state.counters.hit(&format!("rate:{key}"), 60).await.map_err(ApiError::from)?;
    if count > state.rate_limit_per_minute {
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "more than {} requests this minute for this token: retry after the minute ends",
                state.rate_limit_per_minute
            ),
        )
        .into_response();
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        return Ok(response);
    }
    Ok(next.run(request).await)
}

async fn plan(
    State(state): State<Arc<AppState>>,
    body: Result<Json<PlanRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body?;
    let (response, trace) = state.planner.plan(&request).await?;
    let decided_by = match &trace.decided_by {
        Decider::Router => "router",
        Decider::Llm(_) => "llm",
        Decider::Clarification => "clarification",
    };
    state.metrics.plan(decided_by, trace.total_ms / 1000.0);
    if let Some(p) = response.playbook.as_ref().filter(|_| !response.script.steps.is_empty())
        && let Err(e) = state.counters.record_use(&p.id, &p.version).await
    {
        tracing::warn!(error = %e, "cannot record playbook usage");
    }
    // Only what decided, never what was asked: the server keeps nothing about the estate.
    tracing::info!(
        decided_by,
        playbook = trace.playbook.as_deref(),
        embed_ms = trace.embed_ms,
        total_ms = trace.total_ms,
        "plan"
    );
    // Who chose the playbook, for clients' diagnostics and the benchmark.
    Ok(([(DECIDED_BY, HeaderValue::from_static(decided_by))], Json(response)).into_response())
}

#[derive(Debug, Serialize)]
struct PlaybookEntry {
    #[serde(flatten)]
    summary: PlaybookSummary,
    description: String,
    resource_kinds: Vec<cloudops_domain::ResourceKind>,
    uses: u64,
}

#[derive(Debug, Serialize)]
struct PlaybookList {
    version: String,
    playbooks: Vec<PlaybookEntry>,
}

async fn playbooks(State(state): State<Arc<AppState>>) -> Result<Json<PlaybookList>, ApiError> {
    let catalog = state.planner.playbooks.catalog();
    let ids: Vec<String> = catalog.playbooks.keys().cloned().collect();
    let uses = state.counters.usage(&ids).await?;
    let playbooks = catalog
        .playbooks
        .values()
        .zip(uses)
        .map(|(p, uses)| PlaybookEntry {
            summary: p.summary(&catalog.version),
            description: p.description.trim().to_owned(),
            resource_kinds: p.targets.kinds.clone(),
            uses,
        })
        .collect();
    Ok(Json(PlaybookList { version: catalog.version.clone(), playbooks }))
}

#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    playbooks: usize,
    playbook_version: String,
    llm: bool,
    counters: &'static str,
}

async fn healthz(State(state): State<Arc<AppState>>) -> Json<Health> {
    let catalog = state.planner.playbooks.catalog();
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        playbooks: catalog.playbooks.len(),
        playbook_version: catalog.version.clone(),
        llm: state.llm_loaded,
        counters: state.counters.backend(),
    })
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let ids: Vec<String> = state.planner.playbooks.catalog().playbooks.keys().cloned().collect();
    let uses = state.counters.usage(&ids).await.unwrap_or_else(|_| vec![0; ids.len()]);
    let body = state.metrics.render(&ids.into_iter().zip(uses).collect::<Vec<_>>());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route: see GET /openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "wrong method for this route: see GET /openapi.json",
    )
}
