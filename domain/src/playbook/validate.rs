//! Schema checks a playbook must pass to be served. Each error names the field and the fix.

use std::collections::BTreeSet;

use thiserror::Error;

use super::source::Source;
use super::template::placeholders;
use super::{ParamType, Playbook, StepTemplate, TargetCount};
use crate::constraints::Constraints;
use crate::iam::IamAction;
use crate::plan::kebab_case;

/// A playbook that fails its schema. `field` is a path into the YAML (`steps[0].operation`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {problem}")]
pub struct PlaybookError {
    pub field: String,
    pub problem: String,
}

/// Services whose calls the client's executor knows.
pub const SERVICES: [&str; 6] = ["ec2", "rds", "s3", "lambda", "elbv2", "resourcegroupstaggingapi"];

/// Names every template may use besides the parameters.
const BUILTINS: [&str; 2] = ["target", "now"];

fn err(field: impl Into<String>, problem: impl Into<String>) -> PlaybookError {
    PlaybookError { field: field.into(), problem: problem.into() }
}

fn is_pascal(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && name.chars().all(|c| c.is_ascii_alphanumeric())
}

fn is_read_operation(op: &str) -> bool {
    ["Describe", "List", "Get"].iter().any(|p| op.starts_with(p))
}

/// The IAM action of `service:Operation` where it can be derived (not for S3, whose IAM
/// action names differ from its operations).
pub(crate) fn derived_action(service: &str, operation: &str) -> Option<String> {
    if service == "s3" {
        return None;
    }
    Some(format!("{}:{operation}", crate::plan::iam_prefix(service)).to_ascii_lowercase())
}

impl Playbook {
    /// Checks everything that can be checked without a request; `file_stem` is the file name
    /// without `.yaml`, which must be the id.
    pub fn validate(&self, file_stem: &str) -> Result<(), PlaybookError> {
        let id_ok =
            !self.id.is_empty() && self.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            return Err(err("id", format!("'{}' must be lower-case letters, digits and '-'", self.id)));
        }
        if self.id != file_stem {
            return Err(err("id", format!("'{}' must equal the file name '{file_stem}.yaml'", self.id)));
        }
        for (field, text) in [("title", &self.title), ("description", &self.description)] {
            if text.trim().is_empty() {
                return Err(err(field, "must not be empty"));
            }
        }
        if !SERVICES.contains(&self.service.as_str()) {
            return Err(err("service", format!("'{}' is not one of {}", self.service, SERVICES.join(", "))));
        }
        if self.targets.kinds.is_empty() {
            return Err(err("targets.kinds", "list at least one resource kind"));
        }
        if self.utterances.len() < 3 || self.utterances.iter().any(|u| u.trim().is_empty()) {
            return Err(err("utterances", "give at least 3 non-empty example requests"));
        }
        if self.keywords.iter().any(|k| k.trim().is_empty()) {
            return Err(err("keywords", "a keyword must not be empty"));
        }
        if let Some(u) = self.utterances.iter().find(|u| {
            !self.keywords.is_empty() && !self.keywords.iter().any(|k| u.to_lowercase().contains(&k.to_lowercase()))
        }) {
            return Err(err("utterances", format!("'{u}' says none of the keywords: the router would pass it over")));
        }
        self.validate_parameters()?;
        self.validate_preconditions()?;
        let actions: BTreeSet<String> = self
            .iam_actions
            .iter()
            .enumerate()
            .map(|(i, a)| {
                a.parse::<IamAction>().map_err(|e| err(format!("iam_actions[{i}]"), e.to_string()))?;
                Ok(a.to_ascii_lowercase())
            })
            .collect::<Result<_, PlaybookError>>()?;
        if self.steps.is_empty() {
            return Err(err("steps", "list at least one step"));
        }
        let mut ids = BTreeSet::new();
        for (section, steps) in [("steps", &self.steps), ("rollback", &self.rollback)] {
            for (i, step) in steps.iter().enumerate() {
                let at = format!("{section}[{i}]");
                self.validate_step(&at, step, &actions)?;
                if !ids.insert(step.id.as_str()) {
                    return Err(err(
                        format!("{at}.id"),
                        format!("'{}' is used twice: step ids must be unique", step.id),
                    ));
                }
            }
        }
        for (section, steps) in [("steps", &self.steps), ("rollback", &self.rollback)] {
            let own: BTreeSet<&str> = steps.iter().map(|s| s.id.as_str()).collect();
            for (i, step) in steps.iter().enumerate() {
                if let Some(d) = step.depends_on.iter().find(|d| !own.contains(d.as_str())) {
                    return Err(err(format!("{section}[{i}].depends_on"), format!("'{d}' is not a step of {section}")));
                }
            }
        }
        Ok(())
    }

    fn validate_parameters(&self) -> Result<(), PlaybookError> {
        for (name, p) in &self.parameters {
            let at = format!("parameters.{name}");
            if BUILTINS.contains(&name.as_str()) {
                return Err(err(&at, format!("'{name}' is reserved: choose another name")));
            }
            let source: Source = p.from.parse().map_err(|e: String| err(format!("{at}.from"), e))?;
            match &source {
                Source::Prompt => {
                    let pattern =
                        p.pattern.as_deref().ok_or_else(|| err(&at, "a prompt parameter needs a `pattern`"))?;
                    let re = regex::Regex::new(pattern).map_err(|e| err(format!("{at}.pattern"), e.to_string()))?;
                    if re.captures_len() != 2 {
                        return Err(err(format!("{at}.pattern"), "must have exactly one capture group"));
                    }
                }
                Source::Template => {
                    let t = p.template.as_deref().ok_or_else(|| err(&at, "a template parameter needs a `template`"))?;
                    let names = placeholders(t).map_err(|e| err(format!("{at}.template"), e.to_string()))?;
                    if let Some(n) = names
                        .iter()
                        .find(|n| *n == name || (!self.parameters.contains_key(*n) && !BUILTINS.contains(&n.as_str())))
                    {
                        return Err(err(format!("{at}.template"), format!("'{{{{ {n} }}}}' is not another parameter")));
                    }
                }
                Source::Targets(_) if p.kind != ParamType::StringList => {
                    return Err(err(format!("{at}.type"), "a `targets.*` parameter is a list: use string_list"));
                }
                Source::Targets(_) if self.targets.count == TargetCount::One => {
                    return Err(err(format!("{at}.from"), "`targets.*` needs targets.count many or any"));
                }
                Source::Related(kind, _) if !self.targets.related.contains(kind) => {
                    return Err(err(format!("{at}.from"), format!("list '{kind}' under targets.related")));
                }
                _ => {}
            }
            if p.pattern.is_some() && source != Source::Prompt {
                return Err(err(format!("{at}.pattern"), "only prompt parameters have a pattern"));
            }
            if (p.unit.is_some() || p.relative_to.is_some())
                && (source != Source::Prompt || p.kind != ParamType::Integer)
            {
                return Err(err(&at, "`unit` and `relative_to` are for integer prompt parameters"));
            }
            if let Some(current) = &p.relative_to
                && !matches!(current.parse::<Source>(), Ok(Source::Target(_)))
            {
                return Err(err(
                    format!("{at}.relative_to"),
                    "must be a `target.…` source, e.g. target.config.memory_mb",
                ));
            }
        }
        Ok(())
    }

    fn validate_preconditions(&self) -> Result<(), PlaybookError> {
        for (i, p) in self.preconditions.iter().enumerate() {
            let at = format!("preconditions[{i}]");
            let set = usize::from(!p.state.is_empty())
                + usize::from(p.constraint.is_some())
                + usize::from(p.not_constraint.is_some());
            if set != 1 {
                return Err(err(&at, "set exactly one of state, constraint, not_constraint"));
            }
            if let Some(flag) = p.constraint.as_ref().or(p.not_constraint.as_ref())
                && Constraints::default().flag(flag).is_none()
            {
                return Err(err(
                    &at,
                    format!("'{flag}' is not a constraint: use one of {}", Constraints::FLAGS.join(", ")),
                ));
            }
            if p.message.trim().is_empty() {
                return Err(err(format!("{at}.message"), "say why the condition matters"));
            }
        }
        Ok(())
    }

    fn validate_step(&self, at: &str, step: &StepTemplate, actions: &BTreeSet<String>) -> Result<(), PlaybookError> {
        let service = step.service.as_deref().unwrap_or(&self.service);
        if !SERVICES.contains(&service) {
            return Err(err(format!("{at}.service"), format!("'{service}' is not one of {}", SERVICES.join(", "))));
        }
        if !is_pascal(&step.operation) {
            return Err(err(
                format!("{at}.operation"),
                format!("'{}' must be an API name such as StopDBInstance", step.operation),
            ));
        }
        if !self.verb.is_mutating() && !is_read_operation(&step.operation) {
            return Err(err(
                format!("{at}.operation"),
                format!("a {} playbook may only Describe/List/Get, not {}", self.verb, step.operation),
            ));
        }
        if let Some(action) = derived_action(service, &step.operation)
            && !actions.contains(&action)
        {
            return Err(err("iam_actions", format!("list '{action}', which {} needs", kebab_case(&step.operation))));
        }
        if let Some(name) = step.parameters.keys().find(|k| !is_pascal(k)) {
            return Err(err(
                format!("{at}.parameters"),
                format!("'{name}' must be an AWS parameter name (PascalCase)"),
            ));
        }
        let mut texts = vec![step.description.clone()];
        collect_strings(&serde_json::to_value(&step.parameters).unwrap_or_default(), &mut texts);
        for text in texts {
            let names = placeholders(&text).map_err(|e| err(at, e.to_string()))?;
            if let Some(n) = names.iter().find(|n| !self.parameters.contains_key(*n) && !BUILTINS.contains(&n.as_str()))
            {
                return Err(err(at, format!("'{{{{ {n} }}}}' is not a parameter: declare it under `parameters`")));
            }
        }
        Ok(())
    }
}

fn collect_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_strings(i, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}
