//! [`NameIndex`]: the in-memory index over names, identifiers and ARNs.
//!
//! These are sealed at rest, so this index exists only in memory, built from decrypted
//! resources when the store opens; it is never written anywhere.

use std::collections::HashMap;
use std::ops::ControlFlow;

use crate::intent::Filters;
use crate::resource::Resource;

use super::facets::{DocFilter, Facets};
use super::fuzzy::{NameQuery, token_similarity, tokens, variants};

/// One searchable string of a resource (its name or its identifier), lower case, tokenised.
#[derive(Debug, Clone)]
struct Key {
    text: String,
    tokens: Vec<String>,
}

/// A lexical hit: a resource and how well its name or identifier matched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NameHit {
    /// Position in [`NameIndex::resources`].
    pub doc: usize,
    /// 1.0 for an exact name, identifier or ARN; otherwise [`NameQuery::score`].
    pub score: f32,
}

/// An autocomplete suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The name or identifier, as stored.
    pub text: String,
    pub doc: usize,
}

/// Name, identifier and ARN index of a set of resources.
#[derive(Debug)]
pub struct NameIndex {
    resources: Vec<Resource>,
    keys: Vec<Vec<Key>>,
    /// Lower-case name, identifier and ARN → documents.
    exact: HashMap<String, Vec<usize>>,
    /// Distinct tokens, sorted (prefix ranges by binary search).
    vocabulary: Vec<String>,
    /// Documents containing each vocabulary token.
    postings: Vec<Vec<usize>>,
    /// (lower-case name or identifier, document), sorted, for autocomplete.
    completions: Vec<(String, usize)>,
    /// Each document's account, region, kind and state, for filtering.
    facets: Facets,
}

/// Documents scored in full per query at most (the best by token coverage).
const RESCORE: usize = 400;

/// Vocabulary tokens a prefix may expand to per query token.
const PREFIX_EXPANSION: usize = 2_000;

impl NameIndex {
    pub fn build(resources: Vec<Resource>) -> Self {
        let mut keys = Vec::with_capacity(resources.len());
        let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
        let mut token_docs: HashMap<String, Vec<usize>> = HashMap::new();
        let mut completions = Vec::with_capacity(resources.len() * 2);
        for (doc, r) in resources.iter().enumerate() {
            let doc_keys = keys_of(r);
            for key in &doc_keys {
                for t in key.tokens.iter().filter(|t| !is_id_like(t)) {
                    let docs = token_docs.entry(t.clone()).or_default();
                    if docs.last() != Some(&doc) {
                        docs.push(doc);
                    }
                }
                exact.entry(key.text.clone()).or_default().push(doc);
                completions.push((key.text.clone(), doc));
            }
            exact.entry(r.arn.as_str().to_lowercase()).or_default().push(doc);
            keys.push(doc_keys);
        }
        let mut vocabulary: Vec<(String, Vec<usize>)> = token_docs.into_iter().collect();
        vocabulary.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let (vocabulary, postings) = vocabulary.into_iter().unzip();
        completions.sort_unstable();
        let facets = Facets::build(&resources);
        Self { resources, keys, exact, vocabulary, postings, completions, facets }
    }

    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    pub fn len(&self) -> usize {
        self.resources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// `filters` compiled for testing this index's documents.
    pub fn filter<'a>(&'a self, filters: &'a Filters) -> DocFilter<'a> {
        self.facets.filter(&self.resources, filters)
    }

    /// The documents passing `filters`, ordered by name then ARN: the first `limit`.
    pub fn first_by_name(&self, filters: &Filters, limit: usize) -> Vec<usize> {
        let filter = self.filter(filters);
        let mut docs: Vec<usize> = (0..self.resources.len()).filter(|&d| filter.admits(d)).collect();
        let by_name = |a: &usize, b: &usize| {
            let (a, b) = (&self.resources[*a], &self.resources[*b]);
            a.name.cmp(&b.name).then_with(|| a.arn.as_str().cmp(b.arn.as_str()))
        };
        first_sorted(&mut docs, limit, by_name);
        docs
    }

    /// Whether a typed word of `query`, or its tokens joined with `-`, is the name,
    /// identifier or ARN of a document passing `filters`: then [`Self::search`] ranks that
    /// document 1.0, a class of its own. A few hash lookups, so it can be asked first.
    pub fn has_exact(&self, query: &NameQuery, filters: &Filters) -> bool {
        let any_kind = any_kind(filters);
        let filter = self.filter(&any_kind);
        query.words.iter().chain([&query.joined]).any(|text| self.exact(text).iter().any(|&doc| filter.admits(doc)))
    }

    /// Documents whose name, identifier or ARN equals `text` (any case).
    pub fn exact(&self, text: &str) -> &[usize] {
        self.exact.get(&text.to_lowercase()).map_or(&[], Vec::as_slice)
    }

    /// How well `query` matches document `doc` (its best key).
    pub fn score(&self, query: &NameQuery, doc: usize) -> f32 {
        best_score(query, &self.keys[doc])
    }

    /// `query` without the tokens no name or identifier in the index has in any form
    /// ("give", "minute", "versioning"): words of the request, not of a name, which would only
    /// dilute every name's coverage. All of it when no token matches anything.
    pub fn focus(&self, query: &NameQuery) -> NameQuery {
        // One letter is a word ("I", "a"), not a name, even where identifiers begin with one.
        let name_like = |t: &&String| !(t.len() == 1 && t.chars().all(char::is_alphabetic));
        let kept: Vec<String> =
            query.tokens.iter().filter(name_like).filter(|t| self.matches_any(t)).cloned().collect();
        if kept.is_empty() || kept.len() == query.tokens.len() {
            return query.clone();
        }
        let joined = kept.join("-");
        NameQuery { words: query.words.clone(), tokens: kept, joined }
    }

    /// Vocabulary tokens matching the query token `q` (exactly, in another form, as a prefix
    /// or with a typo).
    fn expand(&self, q: &str) -> Vec<(usize, f32)> {
        let mut out = Vec::new();
        // Never breaks: every match is collected.
        let _ = self.each_match(q, |token, s| {
            out.push((token, s));
            ControlFlow::Continue(())
        });
        out
    }

    /// Whether any vocabulary token matches `q`: [`Self::expand`] stopping at the first.
    fn matches_any(&self, q: &str) -> bool {
        self.each_match(q, |_, _| ControlFlow::Break(())).is_break()
    }

    /// Calls `found` with each vocabulary token matching `q` and its similarity, until it breaks.
    fn each_match(&self, q: &str, mut found: impl FnMut(usize, f32) -> ControlFlow<()>) -> ControlFlow<()> {
        for v in variants(q) {
            let at = self.vocabulary.partition_point(|t| t.as_str() < v.as_str());
            if self.vocabulary.get(at).is_some_and(|t| *t == v) {
                found(at, token_similarity(q, &v))?;
            }
        }
        let start = self.vocabulary.partition_point(|t| t.as_str() < q);
        if q.chars().count() >= 2 {
            for (i, t) in self.vocabulary[start..].iter().enumerate().take(PREFIX_EXPANSION) {
                if !t.starts_with(q) {
                    break;
                }
                found(start + i, token_similarity(q, t))?;
            }
        } else if self.vocabulary.get(start).is_some_and(|t| t == q) {
            found(start, 1.0)?;
        }
        let len = q.chars().count();
        if len >= 4 && !q.chars().all(|c| c.is_ascii_digit()) {
            let first = q.chars().next();
            let second = q.chars().nth(1);
            for (i, t) in self.vocabulary.iter().enumerate() {
                if t.len().abs_diff(q.len()) > 2 || t.starts_with(q) {
                    continue;
                }
                let mut chars = t.chars();
                if chars.next() != first && chars.next() != second {
                    continue;
                }
                let s = token_similarity(q, t);
                if s > 0.0 {
                    found(i, s)?;
                }
            }
        }
        ControlFlow::Continue(())
    }

    /// Resources matching `query` by name or identifier under `filters`, best first.
    pub fn search(&self, query: &NameQuery, filters: &Filters, limit: usize) -> Vec<NameHit> {
        let filter = self.filter(filters);
        // A typed name is that resource whatever kind word the prompt has: in "register
        // instance web-1 with public-alb" the word "instance" is about web-1 only.
        let any_kind = any_kind(filters);
        let exact_filter = self.filter(&any_kind);
        let mut hits: Vec<NameHit> = Vec::new();
        for word in &query.words {
            for &doc in self.exact(word) {
                if exact_filter.admits(doc) && !hits.iter().any(|h| h.doc == doc) {
                    hits.push(NameHit { doc, score: 1.0 });
                }
            }
        }
        if query.is_empty() {
            return hits;
        }
        // Token coverage from the postings: per document, the best match of each query token
        // (a dense slot table: no per-document allocation on common tokens).
        let n = query.tokens.len();
        let mut slot_of: Vec<u32> = vec![u32::MAX; self.resources.len()];
        let mut docs: Vec<usize> = Vec::new();
        let mut best: Vec<f32> = Vec::new();
        for (qi, q) in query.tokens.iter().enumerate() {
            for (token, s) in self.expand(q) {
                for &doc in &self.postings[token] {
                    if slot_of[doc] == u32::MAX {
                        slot_of[doc] = docs.len() as u32;
                        docs.push(doc);
                        best.extend(std::iter::repeat_n(0.0, n));
                    }
                    let at = slot_of[doc] as usize * n + qi;
                    best[at] = best[at].max(s);
                }
            }
        }
        let mut ranked: Vec<(usize, f32)> = docs
            .iter()
            .enumerate()
            .filter(|(_, doc)| filter.admits(**doc))
            .map(|(slot, doc)| (*doc, best[slot * n..(slot + 1) * n].iter().sum::<f32>()))
            .collect();
        first_sorted(&mut ranked, RESCORE, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        for (doc, _) in ranked {
            if hits.iter().any(|h| h.doc == doc) {
                continue;
            }
            let score = self.score(query, doc);
            if score > 0.0 {
                hits.push(NameHit { doc, score });
            }
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
        hits.truncate(limit);
        hits
    }

    /// Names and identifiers starting with `prefix` (any case), then those with a token
    /// starting with it; at most `limit`, each resource once.
    pub fn suggest(&self, prefix: &str, filters: &Filters, limit: usize) -> Vec<Suggestion> {
        let prefix = prefix.trim().to_lowercase();
        if prefix.is_empty() || limit == 0 {
            return Vec::new();
        }
        let filter = self.filter(filters);
        let mut out: Vec<Suggestion> = Vec::new();
        let push = |doc: usize, out: &mut Vec<Suggestion>| {
            let r = &self.resources[doc];
            if out.len() < limit && filter.admits(doc) && !out.iter().any(|s| s.doc == doc) {
                let text = r.display_name().to_owned();
                out.push(Suggestion { text, doc });
            }
        };
        let start = self.completions.partition_point(|(k, _)| k.as_str() < prefix.as_str());
        for (key, doc) in &self.completions[start..] {
            if !key.starts_with(&prefix) || out.len() >= limit {
                break;
            }
            push(*doc, &mut out);
        }
        let start = self.vocabulary.partition_point(|t| t.as_str() < prefix.as_str());
        for (i, token) in self.vocabulary[start..].iter().enumerate() {
            if !token.starts_with(&prefix) || out.len() >= limit {
                break;
            }
            for &doc in &self.postings[start + i] {
                push(doc, &mut out);
            }
        }
        out
    }
}

/// `filters` without its kinds: what an exactly typed name must pass.
fn any_kind(filters: &Filters) -> Filters {
    Filters { kinds: Vec::new(), ..filters.clone() }
}

/// Keeps the first `limit` items of `items` in `order`, sorted (a partial sort: selecting them
/// first costs linear time, where sorting all of a common token's documents did not).
fn first_sorted<T>(items: &mut Vec<T>, limit: usize, mut order: impl FnMut(&T, &T) -> std::cmp::Ordering) {
    if limit == 0 {
        items.clear();
        return;
    }
    if items.len() > limit {
        items.select_nth_unstable_by(limit - 1, &mut order);
        items.truncate(limit);
    }
    items.sort_unstable_by(order);
}

/// Machine-made tokens ("0a1b2c3d4e5f67890" of `i-0a1b…`): long and with digits. They stay
/// exactly matchable (whole identifier, autocomplete) but out of the fuzzy vocabulary, where
/// they would be most of the tokens and match nothing a person types.
fn is_id_like(token: &str) -> bool {
    token.len() >= 8 && token.bytes().any(|b| b.is_ascii_digit())
}

/// A resource's searchable strings: its name and its identifier (once when they are equal).
fn keys_of(r: &Resource) -> Vec<Key> {
    let mut keys: Vec<Key> = Vec::with_capacity(2);
    for original in r.name.iter().map(String::as_str).chain([r.identifier.as_str()]) {
        let text = original.to_lowercase();
        if !keys.iter().any(|k| k.text == text) {
            // Tokens from the name as written: camelCase splits need its capitals.
            keys.push(Key { tokens: tokens(original), text });
        }
    }
    keys
}

fn best_score(query: &NameQuery, keys: &[Key]) -> f32 {
    keys.iter().map(|k| query.score(&k.text, &k.tokens)).fold(0.0, f32::max)
}

/// How well `query` matches a resource not (necessarily) in an index: its name or identifier.
pub fn resource_score(query: &NameQuery, r: &Resource) -> f32 {
    best_score(query, &keys_of(r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::ResourceKind;
    use crate::testing::resource_in;

    fn index() -> NameIndex {
        NameIndex::build(vec![
            resource_in(ResourceKind::RdsInstance, "pg-instance-main1", "available", "111111111111", "us-east-1"),
            resource_in(
                ResourceKind::RdsInstance,
                "pg-instance-main1-replica",
                "available",
                "111111111111",
                "us-east-1",
            ),
            resource_in(ResourceKind::RdsInstance, "reporting-db", "stopped", "111111111111", "us-east-1"),
            resource_in(ResourceKind::RdsInstance, "reporting-db", "available", "222222222222", "us-east-1"),
            resource_in(ResourceKind::Ec2Instance, "orders-api-prod-01", "running", "111111111111", "us-west-2"),
        ])
    }

    fn query(text: &str) -> NameQuery {
        NameQuery::new(&text.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
    }

    #[test]
    fn exact_names_identifiers_and_arns_hit() {
        let idx = index();
        assert_eq!(idx.exact("REPORTING-DB"), &[2, 3]);
        let arn = idx.resources()[4].arn.to_string();
        assert_eq!(idx.exact(&arn), &[4]);
        let id = idx.resources()[4].identifier.to_string();
        assert_eq!(idx.exact(&id), &[4]);
    }

    #[test]
    fn fuzzy_search_ranks_and_filters() {
        let idx = index();
        let hits = idx.search(&query("pg-main"), &Filters::default(), 10);
        assert_eq!(hits[0].doc, 0);
        assert_eq!(hits[1].doc, 1);
        let hits = idx.search(&query("reportng-db"), &Filters::default(), 10);
        assert_eq!(hits.iter().map(|h| h.doc).collect::<Vec<_>>(), [2, 3]);
        let stopped = Filters { states: vec![crate::ResourceState::new("stopped")], ..Default::default() };
        let hits = idx.search(&query("reporting-db"), &stopped, 10);
        assert_eq!(hits.iter().map(|h| h.doc).collect::<Vec<_>>(), [2]);
        assert!(idx.search(&query("zzzz"), &Filters::default(), 10).is_empty());
    }

    #[test]
    fn a_typed_name_is_found_whatever_kind_word_the_prompt_has() {
        let idx = index();
        let ec2 = Filters { kinds: vec![ResourceKind::Ec2Instance], ..Default::default() };
        // "register instance orders-api-prod-01 with reporting-db": the kind word is one name's.
        let hits = idx.search(&query("orders-api-prod-01 reporting-db"), &ec2, 10);
        let docs: Vec<usize> = hits.iter().filter(|h| h.score >= 1.0).map(|h| h.doc).collect();
        assert_eq!(docs, [2, 3, 4]);
        assert!(idx.has_exact(&query("reporting-db"), &ec2));
        // Near names still obey the kind.
        assert!(idx.search(&query("reportng-db"), &ec2, 10).is_empty());
    }

    #[test]
    fn has_exact_agrees_with_a_search_scoring_one() {
        let idx = index();
        let stopped = Filters { states: vec![crate::ResourceState::new("stopped")], ..Default::default() };
        let other_account = Filters { accounts: vec!["222222222222".parse().unwrap()], ..Default::default() };
        for text in ["pg-instance-main1", "stop reporting-db", "pg instance main1", "pg-main", "reportng-db", "zzzz"] {
            for filters in [&Filters::default(), &stopped, &other_account] {
                let q = query(text);
                let top = idx.search(&q, filters, 10).first().map_or(0.0, |h| h.score);
                assert_eq!(idx.has_exact(&q, filters), top >= 1.0, "{text:?} under {filters:?}");
            }
        }
        assert!(idx.has_exact(&query("pg instance main1"), &Filters::default()), "joined tokens name it");
        assert!(!idx.has_exact(&query("pg-instance-main1"), &stopped), "the filter excludes it");
    }

    #[test]
    fn suggestions_complete_prefixes_then_tokens() {
        let idx = index();
        let names: Vec<String> = idx.suggest("pg-inst", &Filters::default(), 5).into_iter().map(|s| s.text).collect();
        assert_eq!(names, ["pg-instance-main1", "pg-instance-main1-replica"]);
        let names: Vec<String> = idx.suggest("API", &Filters::default(), 5).into_iter().map(|s| s.text).collect();
        assert_eq!(names, ["orders-api-prod-01"]);
        assert!(idx.suggest("", &Filters::default(), 5).is_empty());
    }
}
