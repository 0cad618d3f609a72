//! `explain_plan`: what will happen, to what, why it is (or is not) safe, and how to undo it.

use crate::plan::Script;
use crate::playbook::Playbook;
use crate::risk::RiskAssessment;
use crate::wire::{Blocker, IdentifiedResource, PlaybookRef};

fn describe(r: &IdentifiedResource) -> String {
    let mut facts = Vec::new();
    if let Some(engine) = &r.metadata.engine {
        facts.push(engine.clone());
    }
    if let Some(t) = &r.metadata.instance_type {
        facts.push(t.clone());
    }
    facts.push(format!("state {}", r.state));
    let account = match &r.account_alias {
        Some(alias) => format!("{} ({alias})", r.account_id),
        None => r.account_id.to_string(),
    };
    format!(
        "{} {} [{}] in account {account}, {}",
        r.resource_type.label(),
        r.display_name(),
        facts.join(", "),
        r.region
    )
}

pub fn explain(
    playbook: &Playbook,
    reference: &PlaybookRef,
    targets: &[&IdentifiedResource],
    script: &Script,
    risk: &RiskAssessment,
    blocked: &[Blocker],
    warnings: &[String],
) -> String {
    let short_version: String = reference.version.chars().take(12).collect();
    let mut out = format!("{} (playbook {}@{short_version}).\n", playbook.title, playbook.id);
    if !targets.is_empty() {
        out.push_str("Target:\n");
        for t in targets.iter().take(10) {
            out.push_str(&format!("  - {}\n", describe(t)));
        }
        if targets.len() > 10 {
            out.push_str(&format!("  - and {} more\n", targets.len() - 10));
        }
    }
    if !blocked.is_empty() {
        out.push_str("Not planned, because:\n");
        for b in blocked {
            out.push_str(&format!("  - {}\n", b.message));
        }
        return out;
    }
    out.push_str("Steps:\n");
    for (i, step) in script.steps.iter().enumerate() {
        out.push_str(&format!("  {}. {}\n     {}\n", i + 1, step.description, step.cli));
        if let Some(wait) = &step.wait {
            out.push_str(&format!("     then wait until {} (at most {} s)\n", wait.state, wait.timeout_seconds));
        }
    }
    out.push_str(&format!("Risk: {}. {}\n", risk.level, risk.impact));
    for reason in &risk.reasons {
        out.push_str(&format!("  - {}\n", reason.message));
    }
    for note in &playbook.risk.notes {
        out.push_str(&format!("Note: {note}\n"));
    }
    for warning in warnings {
        out.push_str(&format!("Warning: {warning}\n"));
    }
    if !playbook.rollback.is_empty() {
        out.push_str("To undo it, the playbook's rollback runs the opposite call.\n");
    }
    out.push_str(if risk.approval_required {
        "Approval is required before it runs."
    } else {
        "It changes nothing, so it needs no approval."
    });
    out
}
