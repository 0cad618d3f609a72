//! `plan`, `ask`, `exec` and `chat`: the planner's answer, the plan as it is approved, the
//! execution's events, and the states after.

use cloudops_app::client::{Finished, Review};
use cloudops_app::execute::ExecutionEvent;
use cloudops_domain::PlanResponse;

/// The planner's answer in words: the explanation or the question, and the warnings.
pub fn response(r: &PlanResponse) -> String {
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

/// The plan as the user approves it: the explanation, every exact call, the warnings.
pub fn review(review: &Review) -> String {
    let r = review.response();
    let mut out = format!("{}\n", r.explain_plan.trim_end());
    out.push_str("\nCalls (exactly what will run):\n");
    for step in &r.script.steps {
        out.push_str(&format!("  {}: {}\n", step.id, step.cli));
    }
    for w in &review.warnings {
        if !r.explain_plan.contains(w.as_str()) {
            out.push_str(&format!("warning: {w}\n"));
        }
    }
    out
}

/// Why the client's plan guard refused.
pub fn refusal(reasons: &[String]) -> String {
    let mut out = "refused: the plan failed the client's checks and nothing ran:\n".to_owned();
    for r in reasons {
        out.push_str(&format!("  - {r}\n"));
    }
    out
}

/// The question before running `steps` calls.
pub fn approval_question(steps: usize) -> String {
    format!("Run these {steps} call(s) with your AWS credentials? Type 'yes' to approve: ")
}

pub fn event(event: &ExecutionEvent) -> String {
    match event {
        ExecutionEvent::StepStarted { step, cli, rollback, .. } => {
            format!("{} {step}: {cli}\n", if *rollback { "rollback" } else { "start" })
        }
        ExecutionEvent::StepOutput { step, dry_run: Some(verdict), .. } => format!("  {step}: dry run: {verdict}\n"),
        ExecutionEvent::StepOutput { step, output, .. } => format!("  {step}: {output}\n"),
        ExecutionEvent::Waiting { step, state, timeout_seconds } => {
            format!("  {step}: waiting for '{state}' (up to {timeout_seconds}s)\n")
        }
        ExecutionEvent::StepFinished { step, reached_state } => match reached_state {
            Some(state) => format!("done  {step}: {state}\n"),
            None => format!("done  {step}\n"),
        },
        ExecutionEvent::StepFailed { step, error } => format!("FAILED {step}: {error}\n"),
        ExecutionEvent::StepSkipped { step, reason } => format!("skip  {step}: {reason}\n"),
        ExecutionEvent::RollbackStarted { reason } => format!("rolling back: {reason}\n"),
        ExecutionEvent::Finished { status } => format!("finished: {}\n", status.as_str()),
    }
}

/// The identified resources' states after the re-sync.
pub fn after(finished: &Finished) -> String {
    finished
        .resources_after
        .iter()
        .map(|r| format!("now: {} is {}\n", r.arn, r.state.as_deref().unwrap_or("gone")))
        .collect()
}

/// `plan --show-request --json` (a public interface): where it would go and the request.
#[derive(Debug, serde::Serialize)]
pub struct Manifest {
    /// `local` (the in-process planner) or the server's URL.
    pub destination: String,
    /// Always false: showing the request sends nothing.
    pub sent: bool,
    pub pseudonymized: bool,
    /// `null` when the prompt is an estate question, answered on this machine.
    pub request: Option<cloudops_domain::PlanRequest>,
}

/// The egress manifest in words: every leaf field of the request on its own line, then the
/// exact JSON body.
pub fn manifest(m: &Manifest) -> anyhow::Result<String> {
    let Some(request) = &m.request else {
        return Ok("Nothing would be sent: this is a question about the estate, answered from the local store \
                   (as `cloudops insights` does).\n"
            .to_owned());
    };
    let value = serde_json::to_value(request)?;
    let mut out = format!(
        "Would send to the planner ({}){}; nothing was sent.\n\n",
        m.destination,
        if m.pseudonymized { ", names, ids and accounts pseudonymised" } else { "" }
    );
    fn leaves(path: &str, v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::Object(map) if !map.is_empty() => {
                for (k, v) in map {
                    leaves(&if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, v, out);
                }
            }
            serde_json::Value::Array(items) if !items.is_empty() => {
                for (i, v) in items.iter().enumerate() {
                    leaves(&format!("{path}[{i}]"), v, out);
                }
            }
            leaf => out.push_str(&format!("  {path} = {leaf}\n")),
        }
    }
    leaves("", &value, &mut out);
    out.push_str(&format!("\nThe body (POST /v1/plan):\n{}\n", serde_json::to_string_pretty(&value)?));
    Ok(out)
}
