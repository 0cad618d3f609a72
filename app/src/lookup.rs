//! The lookup use case: a prompt → ranked resources of the user's estate, with a verdict.
//!
//! [`Lookup::open`] decrypts every stored resource once and builds the in-memory
//! [`NameIndex`] (names, identifiers and ARNs are sealed at rest, so no text index over them
//! ever touches the disk). [`Lookup::search`] parses the prompt into filters and name words,
//! matches names in memory, asks the store for vector neighbours of the prompt under the same
//! filters (unless a name or id matched exactly), and fuses both.

use cloudops_domain::document::content_hash;
use cloudops_domain::lookup::{
    AccountName, NameIndex, NameQuery, ParsedQuery, Ranking, Suggestion, Verdict, fuse, index::resource_score, parse,
};
use cloudops_domain::{Filters, Resource};
use cloudops_ports::{Embedder, EstateFilter, EstateStore};

use crate::AppError;

/// Vector neighbours fetched per query (before fusion).
const NEIGHBOURS: usize = 30;

/// A prompt's answer: what was understood and the ranked candidates.
#[derive(Debug, Clone)]
pub struct LookupResult {
    pub query: String,
    pub parsed: ParsedQuery,
    pub ranking: Ranking,
}

/// The in-memory lookup state of one store.
#[derive(Debug)]
pub struct Lookup {
    index: NameIndex,
    accounts: Vec<AccountName>,
}

/// The store filter equivalent to the prompt's filters.
pub fn estate_filter(f: &Filters) -> EstateFilter {
    EstateFilter {
        accounts: f.accounts.clone(),
        regions: f.regions.clone(),
        kinds: f.kinds.clone(),
        states: f.states.clone(),
        tags: f.tags.clone(),
    }
}

impl Lookup {
    /// Reads (and decrypts) every resource of `store` and indexes it.
    pub async fn open(store: &dyn EstateStore) -> Result<Self, AppError> {
        Ok(Self::from_resources(store.scan(&EstateFilter::default()).await?))
    }

    pub fn from_resources(resources: Vec<Resource>) -> Self {
        let mut accounts: Vec<AccountName> = Vec::new();
        for r in &resources {
            if !accounts.iter().any(|a| a.id == r.account_id) {
                accounts.push(AccountName { id: r.account_id.clone(), alias: r.account_alias.clone() });
            }
        }
        accounts.sort_by(|a, b| a.id.cmp(&b.id));
        Self { index: NameIndex::build(resources), accounts }
    }

    /// The accounts the estate holds, as the parser hears them named.
    pub fn accounts(&self) -> &[AccountName] {
        &self.accounts
    }

    /// `text` with every word that names a resource of the estate (name, identifier or ARN) —
    /// other than the resources in `keep` — replaced by `[resource]`: what recent chat turns
    /// may say to the planner about resources outside the request.
    pub fn redact(&self, text: &str, keep: &[cloudops_domain::Arn]) -> String {
        let resources = self.index.resources();
        let words: Vec<String> = text
            .split_whitespace()
            .map(|word| {
                let bare = word.trim_matches(|c: char| !(c.is_alphanumeric() || "-_:/.*".contains(c)));
                let bare = bare.trim_end_matches('.');
                let docs = self.index.exact(bare);
                let named = docs.iter().any(|&d| !keep.contains(&resources[d].arn));
                if named { word.replace(bare, "[resource]") } else { word.to_owned() }
            })
            .collect();
        words.join(" ")
    }

    /// Whether the store's vectors were made by the embedder `model` over this build's
    /// documents: a few stored resources, spread over the estate, carry the content hash it
    /// computes. A store embedded by another model (or before a document change) does not;
    /// its next sync re-embeds it, and until then its vectors must not be searched.
    pub async fn embedded_by(&self, store: &dyn EstateStore, model: &str) -> Result<bool, AppError> {
        const SAMPLE: usize = 8;
        let resources = self.index.resources();
        let step = (resources.len() / SAMPLE).max(1);
        for r in resources.iter().step_by(step).take(SAMPLE) {
            let Some(stored) = store.get(r.point_id()).await? else { continue };
            if stored.content_hash != content_hash(&stored.resource, model) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Every indexed resource, in the store's order.
    pub fn resources(&self) -> &[Resource] {
        self.index.resources()
    }

    /// Where the resource with this ARN is in [`Self::resources`] (through the name index's
    /// exact map, which holds every ARN).
    pub fn position(&self, arn: &cloudops_domain::Arn) -> Option<usize> {
        let resources = self.index.resources();
        self.index.exact(arn.as_str()).iter().copied().find(|&doc| resources[doc].arn == *arn)
    }

    /// How many resources are indexed.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The resources `prompt` may mean, best first (at most `limit`, but every candidate
    /// tied with the best is listed), with the verdict. Without an embedder only names,
    /// identifiers and filters match.
    pub async fn search(
        &self,
        store: &dyn EstateStore,
        embedder: Option<&dyn Embedder>,
        prompt: &str,
        limit: usize,
    ) -> Result<LookupResult, AppError> {
        let parsed = parse(prompt, &self.accounts);
        let query = self.index.focus(&NameQuery::new(&parsed.terms));
        let resources = self.index.resources();
        // An exact name, identifier or ARN is the answer: no similarity search then. Otherwise
        // the prompt is embedded (on the embedder's own thread) while names are matched here.
        let exact = parsed.arns.iter().any(|arn| !self.index.exact(arn).is_empty())
            || self.index.has_exact(&query, &parsed.filters);
        let embedder = embedder.filter(|_| !exact && !parsed.semantic_text.is_empty());
        let embedding = async {
            match embedder {
                Some(e) => e.embed(std::slice::from_ref(&parsed.semantic_text)).await.map(Some),
                None => Ok(None),
            }
        };
        let matching = async {
            let mut named: Vec<(Resource, f32)> = Vec::new();
            for arn in &parsed.arns {
                for &doc in self.index.exact(arn) {
                    named.push((resources[doc].clone(), 1.0));
                }
            }
            for hit in self.index.search(&query, &parsed.filters, limit.max(1) * 5) {
                named.push((resources[hit.doc].clone(), hit.score));
            }
            named
        };
        let (embedded, mut named) = futures::join!(embedding, matching);
        let mut similar: Vec<(Resource, f32)> = Vec::new();
        if let Some(mut vectors) = embedded? {
            let vector = vectors.pop().unwrap_or_default();
            for hit in store.search(&vector, &estate_filter(&parsed.filters), NEIGHBOURS).await? {
                let name_score = resource_score(&query, &hit.resource);
                if name_score > 0.0 {
                    named.push((hit.resource.clone(), name_score));
                }
                similar.push((hit.resource, hit.score));
            }
        }
        let filters_only = named.is_empty() && similar.is_empty() && parsed.terms.is_empty() && parsed.arns.is_empty();
        if filters_only {
            // Only filters ("stopped databases in production"): every match is a candidate.
            let first = self.index.first_by_name(&parsed.filters, limit.max(1));
            similar = first.into_iter().map(|doc| (resources[doc].clone(), 0.0)).collect();
        }
        let mut ranking = fuse(named, similar, limit);
        if filters_only && ranking.candidates.len() == 1 {
            // The filters leave exactly one resource: that is an answer, not a similarity.
            ranking.verdict = Verdict::Confident;
        }
        Ok(LookupResult { query: prompt.to_owned(), parsed, ranking })
    }

    /// Autocomplete: names and identifiers starting with `prefix`, then names with a word
    /// starting with it.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Vec<(Suggestion, &Resource)> {
        self.index
            .suggest(prefix, &Filters::default(), limit)
            .into_iter()
            .map(|s| {
                let doc = s.doc;
                (s, &self.index.resources()[doc])
            })
            .collect()
    }
}

impl LookupResult {
    pub fn is_ambiguous(&self) -> bool {
        self.ranking.verdict == Verdict::Ambiguous
    }
}

#[cfg(test)]
mod tests {
    use cloudops_domain::ResourceKind;
    use cloudops_domain::testing::resource_in;
    use cloudops_fakes::MemoryEstateStore;
    use cloudops_ports::StoredResource;

    use super::*;

    fn estate() -> Vec<Resource> {
        let mut out = vec![
            resource_in(ResourceKind::RdsInstance, "reporting-db", "available", "111111111111", "us-east-1"),
            resource_in(ResourceKind::RdsInstance, "reporting-db", "stopped", "222222222222", "us-east-1"),
            resource_in(ResourceKind::Ec2Instance, "web-01", "running", "111111111111", "us-west-2"),
        ];
        out[0].account_alias = Some("acme-prod".into());
        out[1].account_alias = Some("acme-staging".into());
        out[2].account_alias = Some("acme-prod".into());
        out
    }

    async fn search(prompt: &str) -> LookupResult {
        let lookup = Lookup::from_resources(estate());
        lookup.search(&MemoryEstateStore::default(), None, prompt, 10).await.expect("search")
    }

    #[tokio::test]
    async fn names_filters_and_verdicts_without_an_embedder() {
        let both = search("stop reporting-db").await;
        assert_eq!(both.ranking.verdict, Verdict::Ambiguous);
        assert_eq!(both.ranking.candidates.len(), 2);
        let one = search("stop reporting-db in staging").await;
        assert_eq!(one.ranking.verdict, Verdict::Confident);
        assert_eq!(one.ranking.candidates[0].resource.account_alias.as_deref(), Some("acme-staging"));
        // Filters alone that leave one resource are an answer.
        let stopped = search("the stopped database").await;
        assert_eq!(stopped.ranking.verdict, Verdict::Confident);
        assert_eq!(stopped.ranking.candidates[0].resource.account_id.as_str(), "222222222222");
        let databases = search("databases").await;
        assert_eq!(databases.ranking.verdict, Verdict::Ambiguous);
        assert_eq!(search("nothing-like-this").await.ranking.verdict, Verdict::NoMatch);
        assert_eq!(Lookup::from_resources(estate()).accounts().len(), 2);
    }

    #[tokio::test]
    async fn vectors_are_searched_only_with_the_model_that_made_them() {
        let store = MemoryEstateStore::default();
        let stored = |model: &str| -> Vec<StoredResource> {
            estate()
                .into_iter()
                .map(|r| StoredResource { content_hash: content_hash(&r, model), resource: r, vector: vec![1.0] })
                .collect()
        };
        store.upsert(stored("minilm@fp32")).await.expect("upsert");
        let lookup = Lookup::open(&store).await.expect("open");
        assert!(lookup.embedded_by(&store, "minilm@fp32").await.expect("check"));
        assert!(!lookup.embedded_by(&store, "minilm@qint8").await.expect("check"));
        // One resource re-embedded by the new model is not enough; all of them are.
        store.upsert(stored("minilm@qint8")[..1].to_vec()).await.expect("upsert");
        assert!(!lookup.embedded_by(&store, "minilm@qint8").await.expect("check"));
        store.upsert(stored("minilm@qint8")).await.expect("upsert");
        assert!(lookup.embedded_by(&store, "minilm@qint8").await.expect("check"));
    }

    #[tokio::test]
    async fn suggestions_complete_names() {
        let lookup = Lookup::from_resources(estate());
        let names: Vec<String> = lookup.suggest("rep", 5).into_iter().map(|(s, _)| s.text).collect();
        assert_eq!(names, ["reporting-db", "reporting-db"]);
    }
}
