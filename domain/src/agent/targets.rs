//! Choosing a playbook's targets among the identified resources, and the checks each target
//! must pass (preconditions, IAM) before anything is planned for it.

use std::collections::BTreeMap;

use crate::iam::{IamAction, PermissionVerdict};
use crate::playbook::{Playbook, TargetCount};
use crate::wire::{BlockRule, Blocker, IdentifiedResource};

/// The resources a plan acts on: primary targets and the related resources it reads.
#[derive(Debug)]
pub struct Selection<'a> {
    pub targets: Vec<&'a IdentifiedResource>,
    pub related: Vec<&'a IdentifiedResource>,
}

/// What stops target selection: nothing to act on, or more than one where one is needed.
#[derive(Debug, PartialEq)]
pub enum SelectionProblem {
    NoTarget,
    Ambiguous,
}

pub fn select<'a>(playbook: &Playbook, resources: &'a [IdentifiedResource]) -> Result<Selection<'a>, SelectionProblem> {
    let targets: Vec<&IdentifiedResource> =
        resources.iter().filter(|r| playbook.targets.kinds.contains(&r.resource_type)).collect();
    let related = resources.iter().filter(|r| playbook.targets.related.contains(&r.resource_type)).collect();
    match (playbook.targets.count, targets.len()) {
        (TargetCount::One | TargetCount::Many, 0) => Err(SelectionProblem::NoTarget),
        (TargetCount::One, n) if n > 1 => Err(SelectionProblem::Ambiguous),
        _ => Ok(Selection { targets, related }),
    }
}

/// Targets grouped by (account, region), in a stable order: one group of steps each.
pub fn groups<'a>(targets: &[&'a IdentifiedResource]) -> Vec<Vec<&'a IdentifiedResource>> {
    let mut by: BTreeMap<(String, String), Vec<&IdentifiedResource>> = BTreeMap::new();
    for t in targets {
        by.entry((t.account_id.to_string(), t.region.to_string())).or_default().push(t);
    }
    by.into_values().collect()
}

/// Failed preconditions and denied actions, one blocker each; plus warnings for actions
/// whose outcome is unknown.
pub fn check(playbook: &Playbook, targets: &[&IdentifiedResource]) -> (Vec<Blocker>, Vec<String>) {
    let mut blocked = Vec::new();
    let mut warnings = Vec::new();
    let rollback_only = playbook.rollback_only_actions();
    for t in targets {
        let mut block = |rule, message: String| {
            blocked.push(Blocker { rule, resource: t.arn.clone(), message: format!("{}: {message}", t.display_name()) })
        };
        for p in &playbook.preconditions {
            let failed = if !p.state.is_empty() {
                !p.state.iter().any(|s| t.state.is(&s.to_ascii_lowercase()))
            } else if let Some(flag) = &p.constraint {
                t.constraints.flag(flag) != Some(true)
            } else if let Some(flag) = &p.not_constraint {
                t.constraints.flag(flag) != Some(false)
            } else {
                false
            };
            if failed {
                let mut message = format!("{} (it is {})", p.message, t.state);
                if let Some(reason) = t.constraints.reasons.first() {
                    message.push_str(&format!("; {reason}"));
                }
                block(BlockRule::Precondition, message);
            }
        }
        // Only the actions of the target's own service apply to it (a tagging playbook lists
        // the tag actions of every service).
        let prefix = crate::plan::iam_prefix(t.resource_type.service());
        for action in &playbook.iam_actions {
            if !action.to_ascii_lowercase().starts_with(&format!("{prefix}:")) {
                continue;
            }
            let Ok(parsed) = action.parse::<IamAction>() else { continue };
            let verdict = t.iam_permissions.verdict(&parsed);
            if rollback_only.contains(&action.to_ascii_lowercase()) {
                if matches!(verdict, PermissionVerdict::ExplicitDeny | PermissionVerdict::ImplicitDeny) {
                    warnings.push(format!(
                        "{}: you may not call {action}, so you could not undo this with the rollback",
                        t.display_name()
                    ));
                }
                continue;
            }
            match verdict {
                PermissionVerdict::Allowed => {}
                PermissionVerdict::ExplicitDeny => {
                    block(BlockRule::IamDenied, format!("{action} is explicitly denied to you by an IAM policy"))
                }
                PermissionVerdict::ImplicitDeny => block(
                    BlockRule::IamDenied,
                    format!("no IAM policy of yours allows {action}; ask for it, then run `cloudops sync` again"),
                ),
                PermissionVerdict::Unknown => warnings.push(format!(
                    "{}: whether you may call {action} is unknown (not evaluated at sync, or it depends on conditions); AWS decides when it runs",
                    t.display_name()
                )),
            }
        }
    }
    (blocked, warnings)
}
