//! IAM's evaluation logic for identity policies, three-valued.

use super::condition::{RequestContext, Truth};
use super::document::{Effect, Patterns, PolicyDocument, Statement};
use super::pattern::wildcard_match_ignore_case;
use super::wildcard_match;
use crate::iam::PermissionVerdict;

/// The verdict and the statement that decided it (`policy-name/Sid`, or `policy-name#index`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub verdict: PermissionVerdict,
    pub decided_by: Option<String>,
}

/// Decides `action` (`rds:StopDBInstance`) on `resource` (an ARN) for a principal whose
/// identity policies are `policies`:
/// 1. a matching Deny whose conditions hold → explicit deny;
/// 2. else a matching Allow whose conditions hold, with no Deny that might match → allowed;
/// 3. an Allow or a Deny that depends on what cannot be known offline → unknown;
/// 4. else → implicit deny.
pub fn evaluate(policies: &[PolicyDocument], action: &str, resource: &str, ctx: &RequestContext) -> Decision {
    let mut allow: Option<String> = None;
    let mut allow_unknown: Option<String> = None;
    let mut deny_unknown: Option<String> = None;
    for policy in policies {
        for (i, statement) in policy.statements.iter().enumerate() {
            let who = || match &statement.sid {
                Some(sid) => format!("{}/{sid}", policy.name),
                None => format!("{}#{i}", policy.name),
            };
            match (statement.effect, applies(statement, action, resource, ctx)) {
                (Effect::Deny, Truth::True) => {
                    return Decision { verdict: PermissionVerdict::ExplicitDeny, decided_by: Some(who()) };
                }
                (Effect::Deny, Truth::Unknown) => deny_unknown = deny_unknown.or_else(|| Some(who())),
                (Effect::Allow, Truth::True) => allow = allow.or_else(|| Some(who())),
                (Effect::Allow, Truth::Unknown) => allow_unknown = allow_unknown.or_else(|| Some(who())),
                (_, Truth::False) => {}
            }
        }
    }
    let (verdict, decided_by) = match (allow, allow_unknown, deny_unknown) {
        (Some(a), _, None) => (PermissionVerdict::Allowed, Some(a)),
        (Some(_), _, Some(d)) => (PermissionVerdict::Unknown, Some(d)),
        (None, Some(a), _) => (PermissionVerdict::Unknown, Some(a)),
        (None, None, _) => (PermissionVerdict::ImplicitDeny, None),
    };
    Decision { verdict, decided_by }
}

fn applies(statement: &Statement, action: &str, resource: &str, ctx: &RequestContext) -> Truth {
    let action_matches = |p: &String| wildcard_match_ignore_case(p, action);
    let action_ok = match &statement.actions {
        Patterns::Is(list) => list.iter().any(action_matches),
        Patterns::Not(list) => !list.iter().any(action_matches),
    };
    if !action_ok {
        return Truth::False;
    }
    let resource_ok = match &statement.resources {
        Patterns::Is(list) => any_resource(list, resource),
        Patterns::Not(list) => match any_resource(list, resource) {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        },
    };
    statement.conditions.iter().fold(resource_ok, |acc, c| acc.and(c.evaluate(ctx)))
}

/// Whether any resource pattern matches. Patterns with policy variables (`${aws:username}`)
/// are not substituted offline: they match `Unknown` when the rest of the pattern could match.
fn any_resource(patterns: &[String], resource: &str) -> Truth {
    let mut result = Truth::False;
    for p in patterns {
        if p.contains("${") {
            let loose: String = p
                .split("${")
                .enumerate()
                .map(|(i, part)| {
                    if i == 0 {
                        part.to_owned()
                    } else {
                        format!("*{}", part.split_once('}').map_or("", |(_, rest)| rest))
                    }
                })
                .collect();
            if wildcard_match(&loose, resource) {
                result = Truth::Unknown;
            }
        } else if wildcard_match(p, resource) {
            return Truth::True;
        }
    }
    result
}
