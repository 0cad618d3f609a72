//! Resolving a playbook's parameters for one group of targets: from the targets, related
//! resources, the prompt or a template — typed and range-checked, never invented.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::playbook::{Field, ParamType, Parameter, Playbook, Source, render_text};
use crate::wire::IdentifiedResource;

/// Why a parameter has no usable value.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamProblem {
    /// Nothing gave a value and there is no default: ask `question`.
    Missing { name: String, question: String },
    /// Several values fit (a load balancer with two target groups): ask which.
    Choice { name: String, question: String, options: Vec<String> },
    /// The value given does not fit the parameter's type or range.
    Invalid { name: String, problem: String },
}

/// What the parameters read: the group's targets, the related resources, the prompt, the time.
#[derive(Debug, Clone, Copy)]
pub struct ParamContext<'a> {
    pub targets: &'a [&'a IdentifiedResource],
    pub related: &'a [&'a IdentifiedResource],
    pub prompt: &'a str,
    /// `{{ now }}`, already formatted (`20261126-091500`).
    pub now: &'a str,
}

/// A field of one resource as JSON (`Null` when the resource does not have it).
fn read_field(r: &IdentifiedResource, field: &Field) -> Value {
    match field {
        Field::Identifier => Value::from(r.identifier.as_str()),
        Field::Arn => Value::from(r.arn.as_str()),
        Field::Name => r.name.clone().map(Value::from).unwrap_or(Value::Null),
        Field::Region => Value::from(r.region.as_str()),
        Field::AccountId => Value::from(r.account_id.as_str()),
        Field::State => Value::from(r.state.as_str()),
        Field::Tag(key) => r.tags.get(key).map(Value::from).unwrap_or(Value::Null),
        Field::Config(name) => {
            let typed = serde_json::to_value(&r.metadata).ok().and_then(|v| v.get(name).cloned());
            typed.or_else(|| r.metadata.extra.get(name).cloned()).unwrap_or(Value::Null)
        }
    }
}

fn question(name: &str, p: &Parameter) -> String {
    p.question.clone().unwrap_or_else(|| format!("What value should {name} have?"))
}

/// Checks (and where needed converts) a value against the parameter's type and limits.
fn typed(name: &str, p: &Parameter, value: Value) -> Result<Value, ParamProblem> {
    let invalid = |problem: String| ParamProblem::Invalid { name: name.to_owned(), problem };
    let value = match (p.kind, value) {
        (ParamType::String, Value::String(s)) => Value::String(s),
        (ParamType::String, Value::Number(n)) => Value::String(n.to_string()),
        (ParamType::Integer, Value::Number(n)) if n.is_i64() => Value::Number(n),
        (ParamType::Integer, Value::String(s)) => {
            let n: i64 = s.trim().parse().map_err(|_| invalid(format!("'{s}' is not a whole number")))?;
            Value::from(n)
        }
        (ParamType::Boolean, Value::Bool(b)) => Value::Bool(b),
        (ParamType::Boolean, Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" => Value::Bool(true),
            "false" | "no" | "off" => Value::Bool(false),
            _ => return Err(invalid(format!("'{s}' is not yes or no"))),
        },
        (ParamType::StringList, Value::Array(items)) if items.iter().all(Value::is_string) => Value::Array(items),
        (ParamType::StringList, Value::String(s)) => Value::Array(vec![Value::String(s)]),
        (kind, other) => return Err(invalid(format!("{other} is not a {kind:?}").to_lowercase())),
    };
    if let Some(n) = value.as_i64()
        && (p.min.is_some_and(|min| n < min) || p.max.is_some_and(|max| n > max))
    {
        let bound = |b: Option<i64>| b.map_or_else(String::new, |m| m.to_string());
        return Err(invalid(format!("{n} is outside the allowed range {}..={}", bound(p.min), bound(p.max))));
    }
    if !p.allowed.is_empty() && !p.allowed.contains(&value) {
        let allowed: Vec<String> = p.allowed.iter().map(Value::to_string).collect();
        return Err(invalid(format!("{value} is not one of {}", allowed.join(", "))));
    }
    Ok(value)
}

fn from_resources(
    name: &str,
    p: &Parameter,
    rs: &[&IdentifiedResource],
    field: &Field,
    list: bool,
) -> Result<Value, ParamProblem> {
    let values: Vec<Value> = rs.iter().map(|r| read_field(r, field)).filter(|v| !v.is_null()).collect();
    if list {
        let mut flat = Vec::new();
        for v in values {
            match v {
                Value::Array(items) => flat.extend(items),
                other => flat.push(other),
            }
        }
        return Ok(Value::Array(flat));
    }
    let mut options: Vec<Value> = Vec::new();
    for v in values {
        match v {
            Value::Array(items) => options.extend(items),
            other => options.push(other),
        }
    }
    options.dedup();
    match options.len() {
        0 => Ok(Value::Null),
        1 => Ok(options.remove(0)),
        _ => Err(ParamProblem::Choice {
            name: name.to_owned(),
            question: question(name, p),
            options: options.iter().map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_owned)).collect(),
        }),
    }
}

fn from_prompt(p: &Parameter, prompt: &str) -> Value {
    let Some(pattern) = &p.pattern else { return Value::Null };
    let Ok(re) = regex::RegexBuilder::new(pattern).case_insensitive(true).build() else { return Value::Null };
    re.captures(prompt)
        .and_then(|c| c.get(1))
        .map(|m| Value::from(m.as_str().trim()))
        .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        .unwrap_or(Value::Null)
}

/// A prompt parameter: a quantity stated with a unit, converted into the parameter's
/// ([`Parameter::unit`]); a change relative to the current value ([`Parameter::relative_to`]);
/// else the playbook's pattern. Out of range is a problem that says both forms, never a clamp.
fn from_prompt_in_unit(name: &str, p: &Parameter, ctx: &ParamContext<'_>) -> Result<Value, ParamProblem> {
    let invalid = |problem: String| ParamProblem::Invalid { name: name.to_owned(), problem };
    let in_range = |n: i64| p.min.is_none_or(|min| n >= min) && p.max.is_none_or(|max| n <= max);
    let range = |unit: &str| {
        let bound = |b: Option<i64>| b.map_or_else(String::new, |m| m.to_string());
        format!("the allowed range {}..={}{unit}", bound(p.min), bound(p.max))
    };
    if let Some(unit) = p.unit {
        match crate::quantity::in_unit(ctx.prompt, unit) {
            Ok(Some((n, _))) if in_range(n) => return Ok(Value::from(n)),
            Ok(Some((n, said))) => {
                return Err(invalid(format!(
                    "{said} is {n} {}, outside {}",
                    unit.label(),
                    range(&format!(" {}", unit.label()))
                )));
            }
            Err(problem) => return Err(invalid(problem.to_string())),
            Ok(None) => {}
        }
    }
    if let Some(current) = &p.relative_to
        && let Some(factor) = crate::quantity::relative_factor(ctx.prompt)
    {
        let source: Source = current.parse().map_err(|_| invalid(format!("bad relative_to source '{current}'")))?;
        let now = match &source {
            Source::Target(f) => from_resources(name, p, ctx.targets, f, false)?,
            _ => Value::Null,
        };
        let Some(now) = now.as_f64() else {
            return Err(invalid(
                "the current value is not known, so it cannot be changed relative to it; give the new value".into(),
            ));
        };
        let wanted = now * factor;
        if (wanted - wanted.round()).abs() > 1e-9 {
            return Err(invalid(format!("{wanted} is not a whole number; give the new value")));
        }
        let n = wanted.round() as i64;
        if !in_range(n) {
            return Err(invalid(format!("{factor}x the current {now} is {n}, outside {}", range(""))));
        }
        return Ok(Value::from(n));
    }
    Ok(from_prompt(p, ctx.prompt))
}

/// Resolves every parameter of `playbook` for one group, or says what is missing/invalid.
pub fn resolve(playbook: &Playbook, ctx: &ParamContext<'_>) -> Result<BTreeMap<String, Value>, Vec<ParamProblem>> {
    let mut values = BTreeMap::new();
    values.insert("now".to_owned(), Value::from(ctx.now));
    values.insert(
        "target".to_owned(),
        Value::from(ctx.targets.iter().map(|r| r.display_name()).collect::<Vec<_>>().join(", ")),
    );
    let mut problems = Vec::new();
    let mut templates: Vec<(&String, &Parameter)> = Vec::new();
    for (name, p) in &playbook.parameters {
        let Ok(source) = p.from.parse::<Source>() else {
            problems.push(ParamProblem::Invalid { name: name.clone(), problem: format!("bad source '{}'", p.from) });
            continue;
        };
        let raw = match &source {
            Source::Template => {
                templates.push((name, p));
                continue;
            }
            Source::Prompt => from_prompt_in_unit(name, p, ctx),
            Source::Target(f) => from_resources(name, p, ctx.targets, f, false),
            Source::Targets(f) => from_resources(name, p, ctx.targets, f, true),
            Source::Related(kind, f) => {
                let related: Vec<&IdentifiedResource> =
                    ctx.related.iter().copied().filter(|r| r.resource_type == *kind).collect();
                from_resources(name, p, &related, f, p.kind == ParamType::StringList)
            }
        };
        match raw.map(|v| fill_default(name, p, v, &source)) {
            Ok(Ok(v)) => {
                values.insert(name.clone(), v);
            }
            Ok(Err(problem)) | Err(problem) => problems.push(problem),
        }
    }
    // Templates may read other templates: render until nothing more resolves.
    let mut pending = templates;
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|(name, p)| match render_text(p.template.as_deref().unwrap_or_default(), &values) {
            Ok(text) => {
                match typed(name, p, Value::from(text)) {
                    Ok(v) => {
                        values.insert((*name).clone(), v);
                    }
                    Err(problem) => problems.push(problem),
                }
                false
            }
            Err(_) => true,
        });
        if pending.len() == before {
            break;
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(values)
}

fn fill_default(name: &str, p: &Parameter, value: Value, source: &Source) -> Result<Value, ParamProblem> {
    let empty = value.is_null() || value.as_array().is_some_and(Vec::is_empty);
    match (empty, &p.default) {
        (false, _) => typed(name, p, value),
        (true, Some(default)) => typed(name, p, default.clone()),
        (true, None) => {
            let question = match source {
                Source::Related(kind, _) => p.question.clone().unwrap_or_else(|| format!("Which {}?", kind.label())),
                _ => question(name, p),
            };
            Err(ParamProblem::Missing { name: name.to_owned(), question })
        }
    }
}
