//! [`Facets`]: each document's filterable fields (account, region, kind, state) as small
//! integers, so a query's filters cost a few bytes per document instead of string
//! comparisons on a large `Resource` scattered over the heap. At 100k resources, filtering
//! the documents a common name token touches was a third of a name lookup's time.

use std::collections::HashMap;
use std::hash::Hash;

use crate::ids::{AccountId, Region};
use crate::intent::Filters;
use crate::resource::{Resource, ResourceKind, ResourceState};

/// The distinct values of one field, and each document's value as an index into them.
#[derive(Debug)]
struct Column<T> {
    values: HashMap<T, u32>,
    of_doc: Vec<u32>,
}

impl<T: Eq + Hash + Clone> Column<T> {
    fn with_capacity(docs: usize) -> Self {
        Self { values: HashMap::new(), of_doc: Vec::with_capacity(docs) }
    }

    fn push(&mut self, value: &T) {
        let next = self.values.len() as u32;
        let at = *self.values.entry(value.clone()).or_insert(next);
        self.of_doc.push(at);
    }

    /// Which values a filter admits (`None`: the filter is empty, every value passes).
    fn admitted<'a>(&self, wanted: impl ExactSizeIterator<Item = &'a T>) -> Option<Vec<bool>>
    where
        T: 'a,
    {
        if wanted.len() == 0 {
            return None;
        }
        let mut admitted = vec![false; self.values.len()];
        for value in wanted {
            if let Some(&at) = self.values.get(value) {
                admitted[at as usize] = true;
            }
        }
        Some(admitted)
    }
}

/// The filterable fields of a set of documents.
#[derive(Debug)]
pub struct Facets {
    accounts: Column<AccountId>,
    regions: Column<Region>,
    kinds: Column<ResourceKind>,
    states: Column<ResourceState>,
}

impl Facets {
    pub fn build(resources: &[Resource]) -> Self {
        let n = resources.len();
        let mut f = Self {
            accounts: Column::with_capacity(n),
            regions: Column::with_capacity(n),
            kinds: Column::with_capacity(n),
            states: Column::with_capacity(n),
        };
        for r in resources {
            f.accounts.push(&r.account_id);
            f.regions.push(&r.region);
            f.kinds.push(&r.kind);
            f.states.push(&r.state);
        }
        f
    }

    /// `filters` prepared for testing documents of `resources` (the slice these facets were
    /// built from).
    pub fn filter<'a>(&'a self, resources: &'a [Resource], filters: &'a Filters) -> DocFilter<'a> {
        DocFilter {
            facets: self,
            resources,
            accounts: self.accounts.admitted(filters.accounts.iter()),
            regions: self.regions.admitted(filters.regions.iter()),
            kinds: self.kinds.admitted(filters.kinds.iter()),
            states: self.states.admitted(filters.states.iter()),
            filters,
        }
    }
}

/// A query's filters, compiled against one index's [`Facets`].
#[derive(Debug)]
pub struct DocFilter<'a> {
    facets: &'a Facets,
    resources: &'a [Resource],
    accounts: Option<Vec<bool>>,
    regions: Option<Vec<bool>>,
    kinds: Option<Vec<bool>>,
    states: Option<Vec<bool>>,
    filters: &'a Filters,
}

fn passes(admitted: &Option<Vec<bool>>, value: u32) -> bool {
    admitted.as_ref().is_none_or(|a| a[value as usize])
}

impl DocFilter<'_> {
    /// Whether document `doc` passes every filter: accounts, regions, kinds and states
    /// any-of, tags all-of.
    pub fn admits(&self, doc: usize) -> bool {
        let f = self.facets;
        passes(&self.accounts, f.accounts.of_doc[doc])
            && passes(&self.regions, f.regions.of_doc[doc])
            && passes(&self.kinds, f.kinds.of_doc[doc])
            && passes(&self.states, f.states.of_doc[doc])
            && self.filters.tags.iter().all(|t| t.matches(&self.resources[doc].tags))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::resource_in;

    /// The filters' meaning, stated on the resource itself: the oracle for `DocFilter`.
    fn matches(r: &Resource, f: &Filters) -> bool {
        (f.accounts.is_empty() || f.accounts.contains(&r.account_id))
            && (f.regions.is_empty() || f.regions.contains(&r.region))
            && (f.kinds.is_empty() || f.kinds.contains(&r.kind))
            && (f.states.is_empty() || f.states.iter().any(|s| r.state.is(s.as_str())))
            && f.tags.iter().all(|t| t.matches(&r.tags))
    }

    #[test]
    fn compiled_filters_agree_with_matching_on_the_resource() {
        let mut resources = Vec::new();
        for (i, kind) in
            [ResourceKind::RdsInstance, ResourceKind::Ec2Instance, ResourceKind::S3Bucket].iter().enumerate()
        {
            for (j, account) in ["111111111111", "222222222222"].iter().enumerate() {
                for (k, region) in ["us-east-1", "eu-west-1"].iter().enumerate() {
                    let state = if (i + j + k) % 2 == 0 { "running" } else { "stopped" };
                    let mut r = resource_in(*kind, &format!("r-{i}-{j}-{k}"), state, account, region);
                    if k == 0 {
                        r.tags.insert("env", "prod");
                    }
                    resources.push(r);
                }
            }
        }
        let facets = Facets::build(&resources);
        let filter_sets = [
            Filters::default(),
            Filters { accounts: vec!["222222222222".parse().unwrap()], ..Default::default() },
            Filters { regions: vec!["eu-west-1".parse().unwrap(), "us-west-2".parse().unwrap()], ..Default::default() },
            Filters { kinds: vec![ResourceKind::S3Bucket, ResourceKind::RdsInstance], ..Default::default() },
            Filters { states: vec![ResourceState::new("stopped")], ..Default::default() },
            Filters { states: vec![ResourceState::new("deleting")], ..Default::default() },
            Filters { tags: vec!["env=prod".parse().unwrap()], ..Default::default() },
            Filters {
                accounts: vec!["111111111111".parse().unwrap()],
                kinds: vec![ResourceKind::Ec2Instance],
                states: vec![ResourceState::new("running")],
                tags: vec!["env=prod".parse().unwrap()],
                ..Default::default()
            },
        ];
        for filters in &filter_sets {
            let compiled = facets.filter(&resources, filters);
            let expected: Vec<usize> = (0..resources.len()).filter(|&d| matches(&resources[d], filters)).collect();
            let got: Vec<usize> = (0..resources.len()).filter(|&d| compiled.admits(d)).collect();
            assert_eq!(got, expected, "filters {filters:?}");
        }
        let some = Filters { kinds: vec![ResourceKind::S3Bucket], ..Default::default() };
        assert_eq!((0..resources.len()).filter(|&d| facets.filter(&resources, &some).admits(d)).count(), 4);
    }
}
