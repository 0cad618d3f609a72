//! The operations agent: turns a chosen playbook and the identified resources into a plan,
//! a clarification request, or a refusal — deterministically, from the request alone.
//!
//! It never invents an id, a region or an account: targets are the identified resources,
//! parameters come from them or from the prompt, and anything missing or ambiguous becomes a
//! question back to the user.

mod explain;
mod params;
mod targets;

use chrono::{DateTime, Utc};

use crate::plan::{AwsCall, PlanStep, Script};
use crate::playbook::{Playbook, StepTemplate, render, render_text};
use crate::risk::{RiskInput, assess};
use crate::wire::{Clarification, IdentifiedResource, PlanRequest, PlanResponse, PlaybookRef};

pub use explain::explain;
pub use params::{ParamContext, ParamProblem, resolve};
pub use targets::{Selection, SelectionProblem, check, groups, select};

/// How `{{ now }}` renders: sortable and valid in every AWS identifier we build from it.
pub const NOW_FORMAT: &str = "%Y%m%d-%H%M%S";

/// A response that asks instead of planning.
pub fn clarify(request: &PlanRequest, playbook: Option<PlaybookRef>, clarification: Clarification) -> PlanResponse {
    let targets: Vec<_> = request.identified_resources.iter().map(IdentifiedResource::to_resource).collect();
    let risk = assess(&RiskInput {
        action: crate::intent::ActionClass::ReadOnly,
        operation: "clarify",
        exposure: Default::default(),
        targets: &targets,
    });
    PlanResponse {
        explain_plan: format!("I need more before I can plan: {}", clarification.question),
        script: Script::default(),
        risk_assessment: risk,
        approval_required: false,
        playbook,
        clarification: Some(clarification),
        blocked: Vec::new(),
        rollback: None,
        warnings: Vec::new(),
    }
}

fn question_for(problems: &[ParamProblem]) -> Clarification {
    let mut questions = Vec::new();
    let mut missing = Vec::new();
    for p in problems {
        match p {
            ParamProblem::Missing { name, question } => {
                questions.push(question.clone());
                missing.push(name.clone());
            }
            ParamProblem::Choice { name, question, options } => {
                questions.push(format!("{question} ({})", options.join(" or ")));
                missing.push(name.clone());
            }
            ParamProblem::Invalid { name, problem } => {
                questions.push(format!("{name}: {problem}."));
                missing.push(name.clone());
            }
        }
    }
    Clarification { question: questions.join(" "), missing, candidates: Vec::new() }
}

/// Renders a section of step templates for each group; step ids get the group's number when
/// there is more than one group.
fn render_steps(
    playbook: &Playbook,
    templates: &[StepTemplate],
    groups: &[(Vec<&IdentifiedResource>, std::collections::BTreeMap<String, serde_json::Value>)],
) -> Result<Script, String> {
    let mut steps = Vec::new();
    let suffix = |id: &str, g: usize| if groups.len() > 1 { format!("{id}-{}", g + 1) } else { id.to_owned() };
    for (g, (targets, values)) in groups.iter().enumerate() {
        let first = targets.first().ok_or("a step group has no target")?;
        for t in templates {
            let parameters = t
                .parameters
                .iter()
                .map(|(k, v)| Ok((k.clone(), render(v, values).map_err(|e| e.to_string())?)))
                .collect::<Result<_, String>>()?;
            let call = AwsCall {
                service: t.service.clone().unwrap_or_else(|| playbook.service.clone()),
                operation: t.operation.clone(),
                parameters,
                region: first.region.clone(),
                account_id: first.account_id.clone(),
            };
            let description = render_text(&t.description, values).map_err(|e| e.to_string())?;
            let mut step = PlanStep::new(&suffix(&t.id, g), &description, call);
            step.depends_on = t.depends_on.iter().map(|d| suffix(d, g)).collect();
            step.wait = t.wait.clone();
            step.kind = t.kind;
            steps.push(step);
        }
    }
    let script = Script { steps };
    script.validate().map_err(|e| e.to_string())?;
    Ok(script)
}

/// Plans `playbook` (at repository `version`) for `request`. `now` fills `{{ now }}`.
pub fn instantiate(playbook: &Playbook, version: &str, request: &PlanRequest, now: DateTime<Utc>) -> PlanResponse {
    let reference =
        PlaybookRef { id: playbook.id.clone(), version: version.to_owned(), digest: Some(playbook.digest()) };
    let kinds: Vec<&str> = playbook.targets.kinds.iter().map(|k| k.label()).collect();
    // Verb safety: whoever chose this playbook, the prompt's words must not contradict it.
    if let Err(c) = crate::verbs::check(&request.prompt, &request.identified_resources, playbook.verb) {
        let question = format!(
            "You said {}, but \"{}\" would {}: I do not plan an action your words contradict. Which do you mean: {} or {}? Say it with the action you want.",
            c.said_quoted(" and "),
            playbook.title,
            c.planned.words(),
            c.said_quoted(" / "),
            c.planned.words(),
        );
        return clarify(request, None, Clarification { question, missing: vec!["intent".into()], candidates: vec![] });
    }
    let selection = match select(playbook, &request.identified_resources) {
        Ok(s) => s,
        Err(SelectionProblem::NoTarget) => {
            let question = format!("Which {} do you mean? I found none in your request.", kinds.join(" or "));
            return clarify(
                request,
                Some(reference),
                Clarification { question, missing: vec!["target".into()], candidates: vec![] },
            );
        }
        Err(SelectionProblem::Ambiguous) => {
            let candidates: Vec<_> = request
                .identified_resources
                .iter()
                .filter(|r| playbook.targets.kinds.contains(&r.resource_type))
                .collect();
            let listed: Vec<String> = candidates
                .iter()
                .map(|r| {
                    format!(
                        "{} in {} ({})",
                        r.display_name(),
                        r.account_alias.as_deref().unwrap_or(r.account_id.as_str()),
                        r.region
                    )
                })
                .collect();
            let question = format!("Several resources match; which one do you mean: {}?", listed.join("; "));
            let candidates = candidates.iter().map(|r| r.arn.clone()).collect();
            return clarify(
                request,
                Some(reference),
                Clarification { question, missing: vec!["target".into()], candidates },
            );
        }
    };
    let now_text = now.format(NOW_FORMAT).to_string();
    let group_list: Vec<Vec<&IdentifiedResource>> =
        if selection.targets.is_empty() { vec![] } else { groups(&selection.targets) };
    let mut resolved = Vec::new();
    let mut problems = Vec::new();
    for group in &group_list {
        let ctx = ParamContext { targets: group, related: &selection.related, prompt: &request.prompt, now: &now_text };
        match resolve(playbook, &ctx) {
            Ok(values) => resolved.push((group.clone(), values)),
            Err(p) => problems.extend(p),
        }
    }
    if group_list.is_empty() {
        // A read over nothing named: there is no account or region to ask in.
        let question = format!("Which {} should I look at? Name one, or an account and region.", kinds.join(" or "));
        return clarify(
            request,
            Some(reference),
            Clarification { question, missing: vec!["target".into()], candidates: vec![] },
        );
    }
    if !problems.is_empty() {
        problems.dedup();
        return clarify(request, Some(reference), question_for(&problems));
    }
    let (blocked, warnings) = check(playbook, &selection.targets);
    let target_resources: Vec<_> = selection.targets.iter().map(|r| r.to_resource()).collect();
    let risk = assess(&RiskInput {
        action: playbook.action_class(),
        operation: &playbook.verb.words(),
        exposure: playbook.risk.exposure,
        targets: &target_resources,
    });
    let (script, rollback) = if !blocked.is_empty() {
        (Ok(Script::default()), None)
    } else {
        let rollback = (!playbook.rollback.is_empty())
            .then(|| render_steps(playbook, &playbook.rollback, &resolved).ok())
            .flatten();
        (render_steps(playbook, &playbook.steps, &resolved), rollback)
    };
    let script = match script {
        Ok(s) => s,
        Err(problem) => {
            let question = format!(
                "Playbook {} could not be filled in: {problem}. Rephrase the request or report the playbook.",
                playbook.id
            );
            return clarify(request, Some(reference), Clarification { question, missing: vec![], candidates: vec![] });
        }
    };
    let approval_required = risk.approval_required && blocked.is_empty();
    let explain_plan = explain(playbook, &reference, &selection.targets, &script, &risk, &blocked, &warnings);
    PlanResponse {
        explain_plan,
        script,
        risk_assessment: risk,
        approval_required,
        playbook: Some(reference),
        clarification: None,
        blocked,
        rollback,
        warnings,
    }
}
