//! Which resources the explorer lists: the facet filters (account, region, kind, state, a
//! tag) over the estate, computed once per change — never per frame — so a frame of a 100k
//! table only draws the rows in view.

use std::collections::BTreeSet;

use cloudops_domain::{Resource, ResourceKind};

/// The explorer's filters; `None` / empty = any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    pub account: Option<String>,
    pub region: Option<String>,
    pub kind: Option<ResourceKind>,
    pub state: Option<String>,
    /// `key` (has the tag) or `key=value` (case-insensitive value).
    pub tag: String,
}

impl Facets {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    pub fn matches(&self, r: &Resource) -> bool {
        if self.account.as_deref().is_some_and(|a| a != r.account_id.as_str()) {
            return false;
        }
        if self.region.as_deref().is_some_and(|g| g != r.region.as_str()) {
            return false;
        }
        if self.kind.is_some_and(|k| k != r.kind) {
            return false;
        }
        if self.state.as_deref().is_some_and(|s| s != r.state.as_str()) {
            return false;
        }
        let tag = self.tag.trim();
        if tag.is_empty() {
            return true;
        }
        match tag.split_once('=') {
            Some((key, value)) => r.tags.get(key.trim()).is_some_and(|v| v.eq_ignore_ascii_case(value.trim())),
            None => r.tags.get(tag).is_some(),
        }
    }
}

/// The values each facet can take in an estate, for its drop-down.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choices {
    /// (account id, "alias (id)")
    pub accounts: Vec<(String, String)>,
    pub regions: Vec<String>,
    pub kinds: Vec<ResourceKind>,
    pub states: Vec<String>,
}

impl Choices {
    pub fn of(resources: &[Resource]) -> Self {
        let mut accounts = BTreeSet::new();
        let (mut regions, mut kinds, mut states) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for r in resources {
            if !accounts.iter().any(|(id, _): &(String, String)| id == r.account_id.as_str()) {
                let label = match &r.account_alias {
                    Some(alias) => format!("{alias} ({})", r.account_id),
                    None => r.account_id.to_string(),
                };
                accounts.insert((r.account_id.to_string(), label));
            }
            if !regions.contains(r.region.as_str()) {
                regions.insert(r.region.to_string());
            }
            kinds.insert(r.kind);
            if !states.contains(r.state.as_str()) {
                states.insert(r.state.to_string());
            }
        }
        Self {
            accounts: accounts.into_iter().collect(),
            regions: regions.into_iter().collect(),
            kinds: kinds.into_iter().collect(),
            states: states.into_iter().collect(),
        }
    }
}

/// The indexes of the resources `facets` lets through, in the given order.
pub fn filter(resources: &[Resource], facets: &Facets) -> Vec<u32> {
    resources.iter().enumerate().filter(|(_, r)| facets.matches(r)).map(|(i, _)| i as u32).collect()
}

#[cfg(test)]
mod tests {
    use cloudops_domain::testing::resource_in;

    use super::*;

    #[test]
    fn facets_filter_by_account_region_kind_state_and_tag() {
        let mut a = resource_in(ResourceKind::RdsInstance, "db-a", "available", "111111111111", "us-east-1");
        a.tags.insert("env", "Prod");
        let mut b = resource_in(ResourceKind::Ec2Instance, "i-b", "running", "222222222222", "eu-west-1");
        b.tags.insert("team", "core");
        let all = vec![a, b];
        assert_eq!(filter(&all, &Facets::default()), [0, 1]);
        let only = |f: Facets| filter(&all, &f);
        assert_eq!(only(Facets { account: Some("222222222222".into()), ..Facets::default() }), [1]);
        assert_eq!(only(Facets { region: Some("us-east-1".into()), ..Facets::default() }), [0]);
        assert_eq!(only(Facets { kind: Some(ResourceKind::Ec2Instance), ..Facets::default() }), [1]);
        assert_eq!(only(Facets { tag: "env=prod".into(), ..Facets::default() }), [0], "values fold case");
        assert_eq!(only(Facets { tag: "team".into(), ..Facets::default() }), [1], "a key alone: has the tag");
        assert!(only(Facets { tag: "env=staging".into(), ..Facets::default() }).is_empty());
        let choices = Choices::of(&all);
        assert_eq!(choices.accounts.len(), 2);
        assert_eq!(choices.regions, ["eu-west-1", "us-east-1"]);
    }
}
