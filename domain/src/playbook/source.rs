//! Where a playbook parameter's value comes from: the `from` field, parsed.

use std::str::FromStr;

use crate::resource::ResourceKind;

/// A field of a resource a parameter can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Identifier,
    Arn,
    Name,
    Region,
    AccountId,
    State,
    /// `config.<name>`: a typed config field or an AWS name kept in `extra`.
    Config(String),
    /// `tag.<key>`.
    Tag(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Target(Field),
    /// The list over the targets of one step group.
    Targets(Field),
    Related(ResourceKind, Field),
    Prompt,
    Template,
}

fn field(text: &str) -> Option<Field> {
    Some(match text {
        "identifier" => Field::Identifier,
        "arn" => Field::Arn,
        "name" => Field::Name,
        "region" => Field::Region,
        "account_id" => Field::AccountId,
        "state" => Field::State,
        _ => {
            if let Some(name) = text.strip_prefix("config.").filter(|n| !n.is_empty()) {
                Field::Config(name.to_owned())
            } else if let Some(key) = text.strip_prefix("tag.").filter(|k| !k.is_empty()) {
                Field::Tag(key.to_owned())
            } else {
                return None;
            }
        }
    })
}

impl FromStr for Source {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "'{s}' is not a parameter source: use target.<field>, targets.<field>, related.<kind>.<field>, \
                 prompt or template (fields: identifier, arn, name, region, account_id, state, config.<name>, tag.<key>)"
            )
        };
        match s {
            "prompt" => return Ok(Self::Prompt),
            "template" => return Ok(Self::Template),
            _ => {}
        }
        if let Some(rest) = s.strip_prefix("target.") {
            return field(rest).map(Self::Target).ok_or_else(bad);
        }
        if let Some(rest) = s.strip_prefix("targets.") {
            return field(rest).map(Self::Targets).ok_or_else(bad);
        }
        if let Some(rest) = s.strip_prefix("related.") {
            let (kind, rest) = rest.split_once('.').ok_or_else(bad)?;
            let kind: ResourceKind = kind.parse().map_err(|_| bad())?;
            return field(rest).map(|f| Self::Related(kind, f)).ok_or_else(bad);
        }
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse() {
        assert_eq!("target.identifier".parse(), Ok(Source::Target(Field::Identifier)));
        assert_eq!("targets.arn".parse(), Ok(Source::Targets(Field::Arn)));
        assert_eq!("target.config.memory_mb".parse(), Ok(Source::Target(Field::Config("memory_mb".into()))));
        assert_eq!(
            "related.ec2_instance.identifier".parse(),
            Ok(Source::Related(ResourceKind::Ec2Instance, Field::Identifier))
        );
        assert_eq!("prompt".parse(), Ok(Source::Prompt));
        for bad in ["target", "target.nope", "related.nope.arn", "config.x", "targets.tag.", ""] {
            assert!(bad.parse::<Source>().is_err(), "{bad}");
        }
    }
}
