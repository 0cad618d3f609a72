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
