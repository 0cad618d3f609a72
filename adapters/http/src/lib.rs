//! [`PlannerClient`] over HTTP. The body sent is exactly the serialized [`PlanRequest`] (the
//! only header besides content type is the server's bearer token, which is not an AWS
//! credential); the answer is parsed strictly and is still untrusted (the plan guard checks it).

use std::time::Duration;

use async_trait::async_trait;
use cloudops_domain::{PlanRequest, PlanResponse};
use cloudops_ports::{PlannerClient, PortError, PortResult};
use serde::Deserialize;

/// A plan may wait on the server's LLM: allow it time, but not forever.
const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct HttpPlannerClient {
    base: String,
    token: Option<String>,
    client: reqwest::Client,
}

#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
}

impl HttpPlannerClient {
    /// `base` is the server's URL (`http://127.0.0.1:8080`); `token` its bearer token.
    pub fn new(base: &str, token: Option<String>) -> PortResult<Self> {
        let base = base.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(PortError::Invalid(format!("server URL '{base}' must start with http:// or https://")));
        }
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| PortError::Other(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { base, token, client })
    }

    /// The exact bytes [`PlannerClient::plan`] sends as the body.
    pub fn body(request: &PlanRequest) -> PortResult<Vec<u8>> {
        serde_json::to_vec(request).map_err(|e| PortError::Other(format!("cannot encode the plan request: {e}")))
    }
}

#[async_trait]
impl PlannerClient for HttpPlannerClient {
    async fn plan(&self, request: &PlanRequest) -> PortResult<PlanResponse> {
        let url = format!("{}/v1/plan", self.base);
        let mut http = self.client.post(&url).header("content-type", "application/json").body(Self::body(request)?);
        if let Some(token) = &self.token {
            http = http.bearer_auth(token);
        }
        let response = http.send().await.map_err(|e| PortError::Unavailable {
            what: format!("the planning server at {}", self.base),
            detail: e.to_string(),
            hint: "check --server / [planner] server_url, or leave both unset to plan on this machine".into(),
        })?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| PortError::Unavailable {
            what: format!("the planning server at {}", self.base),
            detail: format!("the answer was cut off: {e}"),
            hint: "retry".into(),
        })?;
        if !status.is_success() {
            let (code, message) = match serde_json::from_slice::<ErrorEnvelope>(&bytes) {
                Ok(e) => (e.error.code, e.error.message),
                Err(_) => ("http".into(), String::from_utf8_lossy(&bytes).chars().take(300).collect()),
            };
            return Err(match status.as_u16() {
                401 | 403 => PortError::Denied {
                    what: format!("the planning server at {}", self.base),
                    detail: message,
                    hint: "set the server's token with --server-token or CLOUDOPS_SERVER_TOKEN".into(),
                },
                400..=499 => PortError::Invalid(format!("the server refused the request ({code}): {message}")),
                _ => PortError::Unavailable {
                    what: format!("the planning server at {}", self.base),
                    detail: format!("{status}: {message}"),
                    hint: "retry later, or plan on this machine by leaving --server unset".into(),
                },
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            PortError::Invalid(format!(
                "the server's answer is not a plan this client understands ({e}); upgrade cloudops or the server"
            ))
        })
    }
}
