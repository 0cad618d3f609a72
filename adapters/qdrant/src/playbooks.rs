//! The planner's playbook index on embedded Qdrant: one point per playbook text (its
//! description and each example utterance), payload `playbook` + `kinds`, in a throw-away
//! directory. The server stores nothing about the estate; this index holds only playbook text
//! and is rebuilt from the repository at startup and on every change.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use cloudops_domain::{Catalog, ResourceKind};
use cloudops_ports::{PlaybookStore, PlaybookText, PortError, PortResult};
use qdrant_edge::{
    NamedQuery, PayloadSchemaType, PointId as EdgePointId, PointStruct, QueryEnum, SearchRequest, WithPayloadInterface,
    WithVector,
};
use serde_json::{Value, json};

use crate::filter::to_edge;
use crate::shard::{Durability, Shard, ShardSpec};

const PLAYBOOK: &str = "playbook";
const KINDS: &str = "kinds";

/// A built index with the catalog it was built from.
#[derive(Debug)]
struct Built {
    catalog: Arc<Catalog>,
    shard: Option<Shard>,
    points: usize,
    /// Keeps the shard's directory until the index is replaced.
    _dir: Option<tempfile::TempDir>,
}

/// [`PlaybookStore`] on a qdrant-edge shard per catalog version.
#[derive(Debug, Clone)]
pub struct EdgePlaybookStore {
    dimensions: usize,
    current: Arc<RwLock<Arc<Built>>>,
}

fn poisoned() -> PortError {
    PortError::Other("the playbook index lock was poisoned by an earlier panic".into())
}

impl EdgePlaybookStore {
    /// An empty index for vectors of `dimensions`; fill it with [`PlaybookStore::replace`].
    pub fn new(dimensions: usize) -> Self {
        let empty = Built { catalog: Arc::default(), shard: None, points: 0, _dir: None };
        Self { dimensions, current: Arc::new(RwLock::new(Arc::new(empty))) }
    }

    fn built(&self) -> Arc<Built> {
        self.current.read().map(|b| b.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }
}

fn build(catalog: Arc<Catalog>, texts: Vec<PlaybookText>, dimensions: usize) -> PortResult<Built> {
    let dir = tempfile::Builder::new().prefix("cloudops-playbooks-").tempdir().map_err(|e| PortError::Unavailable {
        what: "the playbook index".into(),
        detail: format!("cannot create a temporary directory: {e}"),
        hint: "check that TMPDIR is writable".into(),
    })?;
    let spec = ShardSpec {
        name: "playbooks",
        dimensions,
        indexes: &[(PLAYBOOK, PayloadSchemaType::Keyword), (KINDS, PayloadSchemaType::Keyword)],
        durability: Durability::OnClose,
        graph_from_matches: None,
    };
    let shard = Shard::open(dir.path(), spec)?;
    let mut points = Vec::with_capacity(texts.len());
    for (i, text) in texts.into_iter().enumerate() {
        let playbook = catalog.get(&text.playbook_id).ok_or_else(|| {
            PortError::Other(format!("internal: text for playbook '{}', which the catalog lacks", text.playbook_id))
        })?;
        if text.vector.len() != dimensions {
            return Err(PortError::Other(format!(
                "a playbook vector has {} dimensions, the index {dimensions}",
                text.vector.len()
            )));
        }
        let kinds: Vec<&str> = playbook.targets.kinds.iter().map(|k| k.as_str()).collect();
        let payload = json!({ PLAYBOOK: text.playbook_id, KINDS: kinds });
        points.push(PointStruct::new(EdgePointId::NumId(i as u64), text.vector, payload).into());
    }
    let count = points.len();
    for batch in points.chunks(256) {
        shard.upsert(batch.to_vec())?;
    }
    Ok(Built { catalog, shard: Some(shard), points: count, _dir: Some(dir) })
}

#[async_trait]
impl PlaybookStore for EdgePlaybookStore {
    fn catalog(&self) -> Arc<Catalog> {
        self.built().catalog.clone()
    }

    async fn replace(&self, catalog: Arc<Catalog>, texts: Vec<PlaybookText>) -> PortResult<()> {
        let dimensions = self.dimensions;
        let built = tokio::task::spawn_blocking(move || build(catalog, texts, dimensions))
            .await
            .map_err(|e| PortError::Other(format!("building the playbook index failed: {e}")))??;
        *self.current.write().map_err(|_| poisoned())? = Arc::new(built);
        Ok(())
    }

    async fn search(&self, vector: &[f32], kinds: &[ResourceKind], limit: usize) -> PortResult<Vec<(String, f32)>> {
        let built = self.built();
        let Some(shard) = built.shard.clone() else { return Ok(Vec::new()) };
        let filter = (!kinds.is_empty()).then(|| {
            let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
            json!({ "must": [{ "key": KINDS, "match": { "any": kinds } }] })
        });
        let request = SearchRequest {
            query: QueryEnum::Nearest(NamedQuery::default_dense(vector.to_vec())),
            filter: to_edge(filter)?,
            params: None,
            // Every text of a playbook is a point: fetch enough to see `limit` playbooks.
            limit: built.points.max(1),
            offset: 0,
            with_payload: Some(WithPayloadInterface::Bool(true)),
            with_vector: Some(WithVector::Bool(false)),
            score_threshold: None,
        };
        let hits = shard.blocking(move |s| s.search(request)).await?;
        let mut best: BTreeMap<String, f32> = BTreeMap::new();
        for hit in hits {
            let payload = hit.payload.map(|p| p.0).unwrap_or_default();
            let Some(Value::String(id)) = payload.get(PLAYBOOK).cloned() else { continue };
            let entry = best.entry(id).or_insert(f32::MIN);
            *entry = entry.max(hit.score);
        }
        let mut ranked: Vec<(String, f32)> = best.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked.truncate(limit);
        Ok(ranked)
    }
}
