//! The client's plan guard. The server is not trusted: before anything can run, every step
//! must be a well-formed AWS call of a supported service, one of the operations of the playbook
//! the server cited, in the account and region of a resource identified for this request, and
//! every resource it names (ids, ARNs, buckets, target groups) must be one of those resources.
//! An explicit IAM deny rejects the plan; an action not known to be allowed is a warning. The
//! playbook's verb must be one the prompt's words allow ([`check_verb`]).

use std::collections::BTreeSet;

use serde_json::Value;
use thiserror::Error;

use crate::error::PlanError;
use crate::iam::{IamAction, PermissionVerdict};
use crate::intent::Verb;
use crate::playbook::{AllowedCall, SERVICES};
use crate::verbs::{self, Contradiction};
use crate::wire::{IdentifiedResource, PlanResponse};

/// Why a plan was rejected. Each names the step and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Rejection {
    #[error("the plan is malformed: {0}")]
    Shape(#[from] PlanError),
    #[error("step '{step}' calls {service}:{operation}, which is not an operation of the cited playbook")]
    Unsupported { step: String, service: String, operation: String },
    #[error("step '{step}' passes '{parameter}', which the cited playbook does not give {operation}")]
    Parameter { step: String, operation: String, parameter: String },
    #[error("step '{step}' shows the command line '{shown}', which is not the call it makes")]
    Misleading { step: String, shown: String },
    #[error("step '{step}' acts in {account}/{region}, where no resource of this request is")]
    Scope { step: String, account: String, region: String },
    #[error("step '{step}' names '{value}' ({parameter}), which is not a resource identified for this request")]
    NotIdentified { step: String, parameter: String, value: String },
    #[error("step '{step}' needs {action}, which an IAM policy explicitly denies you on {resource}")]
    Denied { step: String, action: String, resource: String },
    #[error("the answer asks a question or refuses, yet carries steps: nothing from it may run")]
    StepsWithQuestion,
    #[error("{0}: a plan the request's words contradict never runs; ask again with the action you mean")]
    Contradicts(Contradiction),
}

/// Verb safety on the client (the server is not trusted): the cited playbook's verb — from
/// the client's own copy — must be one the prompt's words allow ([`verbs::check`]).
pub fn check_verb(prompt: &str, identified: &[IdentifiedResource], planned: Verb) -> Result<(), Rejection> {
    verbs::check(prompt, identified, planned).map_err(Rejection::Contradicts)
}

/// Parameters whose values name existing resources (recursively: `Targets[].Id`).
const RESOURCE_PARAMETERS: [&str; 14] = [
    "DBInstanceIdentifier",
    "DBClusterIdentifier",
    "InstanceId",
    "InstanceIds",
    "VolumeId",
    "GroupId",
    "Bucket",
    "FunctionName",
    "LoadBalancerArn",
    "ResourceARNList",
    "ResourceArn",
    "TargetGroupArn",
    "Targets",
    "Id",
];

fn strings_under(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| strings_under(i, out)),
        Value::Object(map) => {
            for (k, v) in map {
                if RESOURCE_PARAMETERS.contains(&k.as_str()) {
                    strings_under(v, out);
                }
            }
        }
        _ => {}
    }
}

/// What a resource may be called by in a step: identifier, ARN, and for a load balancer its
/// target groups.
fn names_of(r: &IdentifiedResource) -> Vec<String> {
    let mut names = vec![r.identifier.to_string(), r.arn.to_string()];
    if let Some(Value::Array(groups)) = r.metadata.extra.get("TargetGroupArns") {
        names.extend(groups.iter().filter_map(|g| g.as_str().map(str::to_owned)));
    }
    names
}

/// Checks `response` against the request's `identified` resources and the calls the cited
/// playbook may make (`Playbook::operations`, from the client's own copy). `Ok` carries
/// warnings; `Err` every reason the plan must not run.
pub fn check(
    response: &PlanResponse,
    identified: &[IdentifiedResource],
    operations: &[AllowedCall],
) -> Result<Vec<String>, Vec<Rejection>> {
    let mut rejections = Vec::new();
    let mut warnings = Vec::new();
    let steps: Vec<_> = response.script.steps.iter().chain(response.rollback.iter().flat_map(|r| &r.steps)).collect();
    if (response.clarification.is_some() || !response.blocked.is_empty()) && !steps.is_empty() {
        rejections.push(Rejection::StepsWithQuestion);
    }
    for script in std::iter::once(&response.script).chain(response.rollback.as_ref()) {
        if let Err(e) = script.validate() {
            rejections.push(Rejection::Shape(e));
        }
    }
    for step in steps {
        let call = &step.call;
        let id = step.id.clone();
        let allowed = operations.iter().find(|a| a.service == call.service && a.operation == call.operation);
        let Some(allowed) = allowed.filter(|_| SERVICES.contains(&call.service.as_str())) else {
            rejections.push(Rejection::Unsupported {
                step: id.clone(),
                service: call.service.clone(),
                operation: call.operation.clone(),
            });
            continue;
        };
        let unknown: BTreeSet<&String> = call.parameters.keys().filter(|k| !allowed.parameters.contains(*k)).collect();
        for parameter in unknown {
            rejections.push(Rejection::Parameter {
                step: id.clone(),
                operation: call.operation.clone(),
                parameter: parameter.clone(),
            });
        }
        if step.cli != call.cli() {
            rejections.push(Rejection::Misleading { step: id.clone(), shown: step.cli.clone() });
        }
        let in_scope: Vec<&IdentifiedResource> =
            identified.iter().filter(|r| r.account_id == call.account_id && r.region == call.region).collect();
        if in_scope.is_empty() {
            rejections.push(Rejection::Scope {
                step: id.clone(),
                account: call.account_id.to_string(),
                region: call.region.to_string(),
            });
            continue;
        }
        let mut named: Vec<&IdentifiedResource> = Vec::new();
        for (parameter, value) in &call.parameters {
            if !RESOURCE_PARAMETERS.contains(&parameter.as_str()) {
                continue;
            }
            let mut values = Vec::new();
            strings_under(value, &mut values);
            for v in values {
                match in_scope.iter().find(|r| names_of(r).contains(&v)) {
                    Some(r) => named.push(r),
                    None => rejections.push(Rejection::NotIdentified {
                        step: id.clone(),
                        parameter: parameter.clone(),
                        value: v,
                    }),
                }
            }
        }
        let Ok(action) = call.iam_action().parse::<IamAction>() else { continue };
        for r in named {
            match r.iam_permissions.verdict(&action) {
                PermissionVerdict::ExplicitDeny => rejections.push(Rejection::Denied {
                    step: id.clone(),
                    action: action.as_str().to_owned(),
                    resource: r.arn.to_string(),
                }),
                PermissionVerdict::Allowed => {}
                _ => warnings.push(format!(
                    "{id}: {} on {} is not known to be allowed",
                    action.as_str(),
                    r.display_name()
                )),
            }
        }
    }
    if rejections.is_empty() { Ok(warnings) } else { Err(rejections) }
}
