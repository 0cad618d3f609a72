//! `{{ name }}` placeholders in playbook text and step parameters.

use std::collections::BTreeMap;

use serde_json::Value;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TemplateError {
    #[error("'{{{{ {0} }}}}' names no parameter: declare it under `parameters` or fix the name")]
    Unknown(String),
    #[error("'{0}' has an unclosed '{{{{': close every placeholder with '}}}}'")]
    Unclosed(String),
}

/// The placeholder names a string uses, in order.
pub fn placeholders(text: &str) -> Result<Vec<String>, TemplateError> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| TemplateError::Unclosed(text.to_owned()))?;
        names.push(after[..end].trim().to_owned());
        rest = &after[end + 2..];
    }
    Ok(names)
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(as_text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// Renders a JSON template: a string that is exactly one placeholder becomes the value itself
/// (a number stays a number, a list a list); any other string is interpolated; objects (their
/// keys too: `{"{{ key }}": "{{ value }}"}` builds a tag map) and arrays are rendered
/// recursively.
pub fn render(template: &Value, values: &BTreeMap<String, Value>) -> Result<Value, TemplateError> {
    Ok(match template {
        Value::String(text) => {
            let names = placeholders(text)?;
            let trimmed = text.trim();
            if names.len() == 1
                && trimmed.starts_with("{{")
                && trimmed.ends_with("}}")
                && trimmed.matches("{{").count() == 1
            {
                values.get(&names[0]).cloned().ok_or_else(|| TemplateError::Unknown(names[0].clone()))?
            } else {
                Value::String(render_text(text, values)?)
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| render(i, values)).collect::<Result<_, _>>()?),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((render_text(k, values)?, render(v, values)?)))
                .collect::<Result<_, TemplateError>>()?,
        ),
        other => other.clone(),
    })
}

/// Interpolates every placeholder of `text` as text.
pub fn render_text(text: &str, values: &BTreeMap<String, Value>) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| TemplateError::Unclosed(text.to_owned()))?;
        let name = after[..end].trim();
        let value = values.get(name).ok_or_else(|| TemplateError::Unknown(name.to_owned()))?;
        out.push_str(&as_text(value));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values() -> BTreeMap<String, Value> {
        BTreeMap::from([
            ("id".to_owned(), json!("pg-main")),
            ("memory".to_owned(), json!(1024)),
            ("ids".to_owned(), json!(["i-1", "i-2"])),
        ])
    }

    #[test]
    fn whole_placeholders_keep_their_type_and_others_interpolate() {
        let t = json!({"A": "{{ id }}", "B": "{{memory}}", "C": "{{ ids }}", "D": "snap-{{ id }}-x",
                       "E": [{"Port": "{{ memory }}"}], "F": true, "{{ id }}": "v"});
        let out = render(&t, &values()).unwrap();
        assert_eq!(
            out,
            json!({"A": "pg-main", "B": 1024, "C": ["i-1", "i-2"], "D": "snap-pg-main-x",
                               "E": [{"Port": 1024}], "F": true, "pg-main": "v"})
        );
        assert_eq!(render_text("{{ids}} and {{ memory }}", &values()).unwrap(), "i-1,i-2 and 1024");
    }

    #[test]
    fn unknown_and_unclosed_placeholders_are_errors() {
        assert_eq!(render(&json!("{{ nope }}"), &values()), Err(TemplateError::Unknown("nope".into())));
        assert!(matches!(render_text("a {{ id", &values()), Err(TemplateError::Unclosed(_))));
        assert_eq!(placeholders("{{a}}-{{ b }}").unwrap(), vec!["a", "b"]);
    }
}
