//! The MCP tools: their schemas, argument checks and calls into the client. A bad argument
//! is a protocol error (`invalid_params`) saying what was wrong and what the tool takes; a
//! failure of the call itself (no estate yet, planner unreachable) is a tool error the agent
//! sees, with the client's one-line message.

use std::sync::Arc;

use cloudops_app::Client;
use cloudops_app::client::Verdict;
use cloudops_domain::insights::{RuleId, Scope};
use cloudops_ports::ConversationId;
use rmcp::ErrorData;
use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Tool, ToolAnnotations};
use serde_json::{Value, json};

use super::views::{self, UNTRUSTED_NOTE};

/// Most candidates `search_resources` returns.
const MAX_LIMIT: u64 = 50;

fn schema(value: Value) -> Arc<JsonObject> {
    match value {
        Value::Object(map) => Arc::new(map),
        _ => Arc::new(JsonObject::new()),
    }
}

fn read_only(tool: Tool) -> Tool {
    tool.annotate(ToolAnnotations::new().read_only(true).destructive(false).open_world(false))
}

pub fn list() -> Vec<Tool> {
    let rules: Vec<&str> = cloudops_domain::insights::RULES.iter().map(|r| r.id.as_str()).collect();
    vec![
        read_only(Tool::new(
            "search_resources",
            "Find resources of the user's synced AWS estate by name, id, ARN or words with filters \
             (\"stopped databases in production\"). Local store only; no AWS call.",
            schema(json!({
                "type": "object",
                "properties": {
                    "query": {"type": "string", "minLength": 1, "description": "What to look for."},
                    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 10}
                },
                "required": ["query"],
                "additionalProperties": false
            })),
        )),
        read_only(Tool::new(
            "get_resource",
            "One resource by its exact ARN, id or name, with configuration, constraints, the user's \
             permissions on it and its dependencies.",
            schema(json!({
                "type": "object",
                "properties": {"resource": {"type": "string", "minLength": 1, "description": "ARN, id or exact name."}},
                "required": ["resource"],
                "additionalProperties": false
            })),
        )),
        read_only(Tool::new(
            "estate_insights",
            "Findings over the synced estate (public buckets, SSH/RDP open to the internet, databases \
             without backups or deletion protection, unencrypted storage, deprecated runtimes…), each \
             with the playbook that fixes it. Either a question in words or rule ids; neither means all.",
            schema(json!({
                "type": "object",
                "properties": {
                    "question": {"type": "string", "description": "e.g. \"which production databases have no backups?\""},
                    "rules": {"type": "array", "items": {"type": "string", "enum": rules}}
                },
                "additionalProperties": false
            })),
        )),
        read_only(Tool::new(
            "sync_status",
            "When each account, region and service was last synced, how many resources, and its last error.",
            schema(json!({"type": "object", "properties": {}, "additionalProperties": false})),
        )),
        Tool::new(
            "plan",
            "Plan an operation in words (\"stop pg-main\"): the resources are resolved locally, the plan \
             is checked by the client's guard and returned with its exact AWS CLI calls, risk and \
             whether it needs approval. It never executes: the user runs it with `cloudops ask` or the \
             desktop app.",
            schema(json!({
                "type": "object",
                "properties": {
                    "prompt": {"type": "string", "minLength": 1},
                    "conversation": {"type": "string", "description": "Continue a conversation (follow-ups like \"now the staging one\")."}
                },
                "required": ["prompt"],
                "additionalProperties": false
            })),
        )
        .annotate(ToolAnnotations::new().read_only(false).destructive(false).open_world(false)),
    ]
}

/// The arguments, checked against what the tool takes.
struct Args<'a> {
    tool: &'a str,
    map: &'a JsonObject,
}

impl<'a> Args<'a> {
    fn new(tool: &'a str, map: &'a JsonObject, takes: &[&str]) -> Result<Self, ErrorData> {
        if let Some(unknown) = map.keys().find(|k| !takes.contains(&k.as_str())) {
            let takes = if takes.is_empty() { "no arguments".to_owned() } else { takes.join(", ") };
            return Err(invalid(format!("{tool}: unknown argument `{unknown}`; it takes {takes}")));
        }
        Ok(Self { tool, map })
    }

    fn text(&self, name: &str, required: bool) -> Result<Option<String>, ErrorData> {
        match self.map.get(name) {
            None | Some(Value::Null) if !required => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                Err(invalid(format!("{}: `{name}` must be a non-empty string", self.tool)))
            }
            Some(other) => Err(invalid(format!("{}: `{name}` must be a string, not {other}", self.tool))),
        }
    }
}

fn invalid(message: String) -> ErrorData {
    ErrorData::invalid_params(message, None)
}

fn result(value: Value) -> CallToolResult {
    CallToolResult::structured(value)
}

/// A failure of the call, as the agent should see it.
fn failed(e: impl std::fmt::Display) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(format!("error: {e}"))])
}

pub async fn call(client: &Client, name: &str, args: &JsonObject) -> Result<CallToolResult, ErrorData> {
    match name {
        "search_resources" => search(client, Args::new(name, args, &["query", "limit"])?).await,
        "get_resource" => get(client, Args::new(name, args, &["resource"])?).await,
        "estate_insights" => insights(client, Args::new(name, args, &["question", "rules"])?).await,
        "sync_status" => {
            Args::new(name, args, &[])?;
            Ok(match client.statuses().await {
                Ok(statuses) => result(json!({ "scopes": statuses })),
                Err(e) => failed(e),
            })
        }
        "plan" => plan(client, Args::new(name, args, &["prompt", "conversation"])?).await,
        other => {
            let names: Vec<String> = list().iter().map(|t| t.name.to_string()).collect();
            Err(invalid(format!("no tool `{other}`; the tools are {}", names.join(", "))))
        }
    }
}

async fn search(client: &Client, args: Args<'_>) -> Result<CallToolResult, ErrorData> {
    let query = args.text("query", true)?.unwrap_or_default();
    let limit = match args.map.get("limit") {
        None | Some(Value::Null) => 10,
        Some(v) => v.as_u64().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
            invalid(format!("search_resources: `limit` must be a whole number from 1 to {MAX_LIMIT}, not {v}"))
        })?,
    };
    let found = match client.search(&query, limit as usize).await {
        Ok(found) => found,
        Err(e) => return Ok(failed(e)),
    };
    let candidates: Vec<Value> = found
        .ranking
        .candidates
        .iter()
        .map(|c| {
            let mut v = views::resource(&c.resource, false);
            v["score"] = json!(c.score);
            v
        })
        .collect();
    Ok(result(json!({
        "query": query,
        "verdict": found.ranking.verdict,
        "tied": found.ranking.tied,
        "candidates": candidates,
        "note": UNTRUSTED_NOTE,
    })))
}

async fn get(client: &Client, args: Args<'_>) -> Result<CallToolResult, ErrorData> {
    let wanted = args.text("resource", true)?.unwrap_or_default();
    let found = match client.search(&wanted, 10).await {
        Ok(found) => found,
        Err(e) => return Ok(failed(e)),
    };
    let exact: Vec<_> = found
        .ranking
        .candidates
        .iter()
        .filter(|c| {
            let r = &c.resource;
            r.arn.to_string() == wanted
                || r.identifier.as_str().eq_ignore_ascii_case(&wanted)
                || r.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&wanted))
        })
        .collect();
    Ok(match exact.as_slice() {
        [one] => result(json!({ "resource": views::resource(&one.resource, true), "note": UNTRUSTED_NOTE })),
        [] => failed(format!(
            "no synced resource has the ARN, id or name `{wanted}`; search_resources finds resources by parts \
             of names and by filters"
        )),
        many => {
            let arns: Vec<String> = many.iter().map(|c| c.resource.arn.to_string()).collect();
            failed(format!(
                "{} resources are named `{wanted}`: {}; ask again with one ARN",
                many.len(),
                arns.join(", ")
            ))
        }
    })
}

async fn insights(client: &Client, args: Args<'_>) -> Result<CallToolResult, ErrorData> {
    let question = args.text("question", false)?;
    let rules: Vec<RuleId> = match args.map.get("rules") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| invalid(format!("estate_insights: `rules` holds rule ids (strings), not {v}")))
                    .and_then(|s| s.parse::<RuleId>().map_err(|e| invalid(format!("estate_insights: {e}"))))
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(invalid(format!("estate_insights: `rules` must be a list of rule ids, not {other}")));
        }
    };
    let scope = match &question {
        Some(q) => match cloudops_domain::insights::asked(q) {
            Some(asked) => asked.scope,
            None => {
                return Ok(failed(format!(
                    "`{q}` is not a question these rules answer (or it asks to change something: use the plan \
                     tool); leave `question` out for every finding"
                )));
            }
        },
        None => Scope::default(),
    };
    let scope = if rules.is_empty() { scope } else { Scope { rules, ..scope } };
    Ok(match client.insights(&scope).await {
        Ok(answer) => result(serde_json::to_value(&answer).unwrap_or(Value::Null)),
        Err(e) => failed(e),
    })
}

async fn plan(client: &Client, args: Args<'_>) -> Result<CallToolResult, ErrorData> {
    let prompt = args.text("prompt", true)?.unwrap_or_default();
    let conversation = ConversationId(match args.text("conversation", false)? {
        Some(c) => format!("mcp-{c}"),
        None => format!("mcp-{}", std::process::id()),
    });
    let planned = match client.plan(&prompt, &conversation).await {
        Ok(planned) => planned,
        Err(e) => return Ok(failed(e)),
    };
    let review = match client.review(planned).await {
        Ok(review) => review,
        Err(e) => return Ok(failed(e)),
    };
    let response = review.response();
    let (outcome, needs_approval, refusal) = match &review.verdict {
        _ if review.planned.answer.is_some() => ("answer", false, Vec::new()),
        Verdict::Question => ("question", false, Vec::new()),
        Verdict::Blocked => ("blocked", false, Vec::new()),
        Verdict::Refused(reasons) => ("refused", false, reasons.clone()),
        Verdict::NothingToRun => ("nothing_to_run", false, Vec::new()),
        Verdict::Ready { needs_approval, .. } => ("ready", *needs_approval, Vec::new()),
    };
    let targets: Vec<Value> =
        review.planned.identified_resources.iter().map(|r| views::resource(&r.to_resource(), false)).collect();
    Ok(result(json!({
        "outcome": outcome,
        "explanation": response.explain_plan,
        "steps": response.script.steps,
        "rollback": response.rollback,
        "risk": response.risk_assessment,
        "approval_required": response.approval_required,
        "needs_approval": needs_approval,
        "digest": review.digest,
        "clarification": response.clarification,
        "blocked": response.blocked,
        "refusal": refusal,
        "warnings": review.warnings,
        "targets": targets,
        "answer": review.planned.answer,
        "execution": "not over MCP: the user runs an approved plan with `cloudops ask` or the desktop app",
        "note": UNTRUSTED_NOTE,
    })))
}
