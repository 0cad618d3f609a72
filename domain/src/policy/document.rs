//! Policy documents as IAM returns them (JSON; IAM's API URL-encodes them, the adapter decodes).

use serde_json::Value;
use thiserror::Error;

use super::condition::Condition;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("policy '{policy}' is not a valid IAM policy: {why}")]
pub struct PolicyError {
    pub policy: String,
    pub why: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// A list of patterns, or its negation (`NotAction`, `NotResource`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Patterns {
    Is(Vec<String>),
    Not(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub(crate) actions: Patterns,
    pub(crate) resources: Patterns,
    pub(crate) conditions: Vec<Condition>,
}

/// A named identity policy (inline or managed).
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    pub name: String,
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    /// Parses the policy JSON. `name` is used in errors and explanations.
    pub fn parse(name: &str, json: &str) -> Result<Self, PolicyError> {
        let err = |why: String| PolicyError { policy: name.to_owned(), why };
        let doc: Value = serde_json::from_str(json).map_err(|e| err(format!("not JSON ({e})")))?;
        let statements = match doc.get("Statement") {
            Some(Value::Array(list)) => list.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => return Err(err("it has no Statement".into())),
        };
        let statements = statements.into_iter().map(|s| parse_statement(s).map_err(&err)).collect::<Result<_, _>>()?;
        Ok(Self { name: name.to_owned(), statements })
    }
}

fn string_list(value: &Value, field: &str) -> Result<Vec<String>, String> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned).ok_or_else(|| format!("{field} has a non-string entry")))
            .collect(),
        _ => Err(format!("{field} must be a string or a list of strings")),
    }
}

fn patterns(statement: &Value, is: &str, not: &str) -> Result<Patterns, String> {
    match (statement.get(is), statement.get(not)) {
        (Some(v), None) => Ok(Patterns::Is(string_list(v, is)?)),
        (None, Some(v)) => Ok(Patterns::Not(string_list(v, not)?)),
        (Some(_), Some(_)) => Err(format!("a statement has both {is} and {not}")),
        (None, None) => Err(format!("a statement has neither {is} nor {not}")),
    }
}

fn parse_statement(s: &Value) -> Result<Statement, String> {
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        other => return Err(format!("Effect must be Allow or Deny, not {other:?}")),
    };
    let conditions = match s.get("Condition") {
        None => Vec::new(),
        Some(c) => Condition::parse_block(c)?,
    };
    Ok(Statement {
        sid: s.get("Sid").and_then(Value::as_str).map(str::to_owned),
        effect,
        actions: patterns(s, "Action", "NotAction")?,
        resources: patterns(s, "Resource", "NotResource")?,
        conditions,
    })
}
