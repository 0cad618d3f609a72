//! Resource tags and the tag conventions cloudops understands.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::IdError;

/// Tag keys that name an environment, compared case-insensitively.
pub const ENVIRONMENT_KEYS: [&str; 4] = ["env", "environment", "stage", "tier"];
/// Environment values that mean production, compared case-insensitively.
pub const PRODUCTION_VALUES: [&str; 4] = ["prod", "production", "prd", "live"];

/// A resource's tags, sorted by key. AWS tag keys are case-sensitive and unique per resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Tags(BTreeMap<String, String>);

impl Tags {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.insert(key.into(), value.into());
    }
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The `Name` tag (EC2's convention for a resource's display name).
    pub fn name(&self) -> Option<&str> {
        self.get("Name")
    }
    /// The environment named by an `env`/`environment`/`stage`/`tier` tag, if any.
    pub fn environment(&self) -> Option<&str> {
        self.0.iter().find(|(k, _)| ENVIRONMENT_KEYS.iter().any(|e| k.eq_ignore_ascii_case(e))).map(|(_, v)| v.as_str())
    }
    /// True when an environment tag says production.
    pub fn is_production(&self) -> bool {
        self.environment().is_some_and(|v| PRODUCTION_VALUES.iter().any(|p| v.eq_ignore_ascii_case(p)))
    }
    /// Tags without `Name`, which is kept as the resource's name.
    pub fn without_name(&self) -> Tags {
        Tags(self.0.iter().filter(|(k, _)| k.as_str() != "Name").map(|(k, v)| (k.clone(), v.clone())).collect())
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Tags {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Tags(iter.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

/// `key=value` — one tag condition in a filter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TagFilter {
    pub key: String,
    pub value: String,
}

impl FromStr for TagFilter {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
                Ok(Self { key: k.trim().to_owned(), value: v.trim().to_owned() })
            }
            _ => Err(IdError::Tag(s.to_owned())),
        }
    }
}

impl TagFilter {
    pub fn matches(&self, tags: &Tags) -> bool {
        tags.get(&self.key).is_some_and(|v| v == self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_is_recognised_by_key_and_value_case_insensitively() {
        let t: Tags = [("Environment", "Production")].into_iter().collect();
        assert!(t.is_production());
        let t: Tags = [("env", "prd")].into_iter().collect();
        assert!(t.is_production());
        let t: Tags = [("env", "staging")].into_iter().collect();
        assert!(!t.is_production());
        let t: Tags = [("owner", "prod-team")].into_iter().collect();
        assert!(!t.is_production());
    }

    #[test]
    fn tag_filters_parse_and_match() {
        let f: TagFilter = " env = prod ".parse().unwrap();
        assert_eq!((f.key.as_str(), f.value.as_str()), ("env", "prod"));
        let t: Tags = [("env", "prod"), ("Name", "web")].into_iter().collect();
        assert!(f.matches(&t));
        assert!("env=".parse::<TagFilter>().is_err());
        assert!("noequals".parse::<TagFilter>().is_err());
        assert_eq!(t.without_name().len(), 1);
        assert_eq!(t.name(), Some("web"));
    }
}
