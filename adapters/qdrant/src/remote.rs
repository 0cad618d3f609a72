//! [`RemoteEstateStore`]: the estate in a Qdrant server (`[store] qdrant_url`), the scale-out
//! option. Same payload layout, sealing and filters as the embedded store; the server only
//! ever sees plain filter fields, vectors and ciphertext.

use std::collections::HashSet;

use async_trait::async_trait;
use cloudops_domain::{PointId, Resource};
use cloudops_ports::{EstateFilter, EstateStore, PortError, PortResult, ScoredResource, StoredResource};
use qdrant_client::Qdrant;
use qdrant_client::qdrant::point_id::PointIdOptions;
use qdrant_client::qdrant::vector_output::Vector;
use qdrant_client::qdrant::{
    Condition, CountPointsBuilder, CreateCollectionBuilder, CreateFieldIndexCollectionBuilder, DeletePointsBuilder,
    Distance, FieldType, Filter, GetPointsBuilder, PointStruct, PointsIdsList, ScrollPointsBuilder,
    SearchParamsBuilder, SearchPointsBuilder, UpsertPointsBuilder, VectorParamsBuilder, VectorsOutput,
};
use serde_json::{Map, Value};

use crate::estate_record::{open_hash, open_resource, payload};
use crate::filter::{field, tag_term};
use crate::sealed::{SharedKeyRing, corrupt};

pub struct RemoteEstateStore {
    client: Qdrant,
    collection: String,
    ring: SharedKeyRing,
}

impl std::fmt::Debug for RemoteEstateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RemoteEstateStore({})", self.collection)
    }
}

fn unavailable(url: &str, e: impl std::fmt::Display) -> PortError {
    PortError::Unavailable {
        what: format!("the Qdrant server at {url}"),
        detail: e.to_string(),
        hint: "check [store] qdrant_url and that the server is running, or remove qdrant_url to use the embedded store"
            .into(),
    }
}

fn server_error(doing: &str, e: impl std::fmt::Display) -> PortError {
    PortError::Other(format!("the Qdrant server failed to {doing}: {e}"))
}

/// The EstateFilter as a gRPC filter (the same conditions as the embedded store's).
fn grpc_filter(filter: &EstateFilter) -> Option<Filter> {
    let mut must = Vec::new();
    // One value is a value match, as in `filter::estate_filter_json` (the same engine).
    let mut any = |key: &str, mut values: Vec<String>| match values.len() {
        0 => {}
        1 => must.push(Condition::matches(key, values.remove(0))),
        _ => must.push(Condition::matches(key, values)),
    };
    any(field::ACCOUNT, filter.accounts.iter().map(ToString::to_string).collect());
    any(field::REGION, filter.regions.iter().map(ToString::to_string).collect());
    any(field::KIND, filter.kinds.iter().map(|k| k.as_str().to_owned()).collect());
    any(field::STATE, filter.states.iter().map(|s| s.as_str().to_owned()).collect());
    for tag in &filter.tags {
        must.push(Condition::matches(field::TAGS, tag_term(&tag.key, &tag.value)));
    }
    (!must.is_empty()).then(|| Filter::must(must))
}

fn point_id(id: Option<qdrant_client::qdrant::PointId>) -> PortResult<PointId> {
    match id.and_then(|i| i.point_id_options) {
        Some(PointIdOptions::Uuid(text)) => {
            text.parse().map(PointId::from_uuid).map_err(|_| corrupt(&text, "its id is not a UUID"))
        }
        _ => Err(corrupt("?", "a point without a UUID id; cloudops only writes UUIDs")),
    }
}

fn json_payload(payload: std::collections::HashMap<String, qdrant_client::qdrant::Value>) -> Map<String, Value> {
    Map::from(qdrant_client::Payload::from(payload))
}

fn dense(vectors: Option<VectorsOutput>) -> Vec<f32> {
    match vectors.and_then(|v| v.get_vector()) {
        Some(Vector::Dense(d)) => d.data,
        _ => Vec::new(),
    }
}

impl RemoteEstateStore {
    /// Connects to `url` and creates the collection (384-d cosine by default) and its payload
    /// indexes when absent.
    pub async fn connect(url: &str, collection: &str, dimensions: usize, ring: SharedKeyRing) -> PortResult<Self> {
        let client = Qdrant::from_url(url).build().map_err(|e| unavailable(url, e))?;
        let exists = client.collection_exists(collection).await.map_err(|e| unavailable(url, e))?;
        if !exists {
            client
                .create_collection(
                    CreateCollectionBuilder::new(collection)
                        .vectors_config(VectorParamsBuilder::new(dimensions as u64, Distance::Cosine)),
                )
                .await
                .map_err(|e| server_error("create the collection", e))?;
            for key in
                [field::KIND, field::ACCOUNT, field::ALIAS, field::REGION, field::STATE, field::TAGS, field::TAG_KEYS]
            {
                client
                    .create_field_index(
                        CreateFieldIndexCollectionBuilder::new(collection, key, FieldType::Keyword).wait(true),
                    )
                    .await
                    .map_err(|e| server_error("create a payload index", e))?;
            }
        }
        Ok(Self { client, collection: collection.to_owned(), ring })
    }

    async fn scroll_all(
        &self,
        filter: Option<Filter>,
        with_payload: bool,
    ) -> PortResult<Vec<qdrant_client::qdrant::RetrievedPoint>> {
        let mut out = Vec::new();
        let mut offset = None;
        loop {
            let mut request = ScrollPointsBuilder::new(&self.collection).limit(1_000).with_payload(with_payload);
            if let Some(f) = &filter {
                request = request.filter(f.clone());
            }
            if let Some(o) = offset.take() {
                request = request.offset(o);
            }
            let page = self.client.scroll(request).await.map_err(|e| server_error("scan", e))?;
            out.extend(page.result);
            match page.next_page_offset {
                Some(next) => offset = Some(next),
                None => return Ok(out),
            }
        }
    }
}

#[async_trait]
impl EstateStore for RemoteEstateStore {
    async fn upsert(&self, resources: Vec<StoredResource>) -> PortResult<()> {
        let mut points = Vec::with_capacity(resources.len());
        for stored in &resources {
            let map = payload(&self.ring, stored)?;
            let payload = qdrant_client::Payload::try_from(Value::Object(map))
                .map_err(|e| PortError::Other(format!("cannot encode a payload: {e}")))?;
            points.push(PointStruct::new(stored.resource.point_id().to_string(), stored.vector.clone(), payload));
        }
        for batch in points.chunks(100) {
            self.client
                .upsert_points(UpsertPointsBuilder::new(&self.collection, batch.to_vec()).wait(true))
                .await
                .map_err(|e| server_error("write", e))?;
        }
        Ok(())
    }

    async fn get(&self, id: PointId) -> PortResult<Option<StoredResource>> {
        let request =
            GetPointsBuilder::new(&self.collection, vec![id.to_string().into()]).with_payload(true).with_vectors(true);
        let Some(point) = self.client.get_points(request).await.map_err(|e| server_error("read", e))?.result.pop()
        else {
            return Ok(None);
        };
        let payload = json_payload(point.payload);
        let resource = open_resource(&self.ring, &id, &payload)?;
        let content_hash = open_hash(&self.ring, &id, &payload)?;
        Ok(Some(StoredResource { resource, content_hash, vector: dense(point.vectors) }))
    }

    async fn search(&self, vector: &[f32], filter: &EstateFilter, limit: usize) -> PortResult<Vec<ScoredResource>> {
        let mut request = SearchPointsBuilder::new(&self.collection, vector.to_vec(), limit as u64).with_payload(true);
        if let Some(f) = grpc_filter(filter) {
            request = request.filter(f);
        }
        let mut found = self.client.search_points(request.clone()).await.map_err(|e| server_error("search", e))?.result;
        if found.len() < limit {
            // As the embedded store does (the same engine): fewer hits than asked is checked
            // with an exact search, which HNSW under a selective filter can need.
            let exact = request.params(SearchParamsBuilder::default().exact(true));
            found = self.client.search_points(exact).await.map_err(|e| server_error("search", e))?.result;
        }
        found
            .into_iter()
            .map(|p| {
                let id = point_id(p.id)?;
                Ok(ScoredResource {
                    resource: open_resource(&self.ring, &id, &json_payload(p.payload))?,
                    score: p.score,
                })
            })
            .collect()
    }

    async fn scan(&self, filter: &EstateFilter) -> PortResult<Vec<Resource>> {
        self.scroll_all(grpc_filter(filter), true)
            .await?
            .into_iter()
            .map(|p| open_resource(&self.ring, &point_id(p.id)?, &json_payload(p.payload)))
            .collect()
    }

    async fn count(&self, filter: &EstateFilter) -> PortResult<u64> {
        let mut request = CountPointsBuilder::new(&self.collection).exact(true);
        if let Some(f) = grpc_filter(filter) {
            request = request.filter(f);
        }
        let out = self.client.count(request).await.map_err(|e| server_error("count", e))?;
        Ok(out.result.map(|r| r.count).unwrap_or(0))
    }

    async fn content_hashes(&self, scope: &EstateFilter) -> PortResult<Vec<(PointId, String)>> {
        self.scroll_all(grpc_filter(scope), true)
            .await?
            .into_iter()
            .map(|p| {
                let id = point_id(p.id)?;
                Ok((id, open_hash(&self.ring, &id, &json_payload(p.payload))?))
            })
            .collect()
    }

    async fn delete_missing(&self, scope: &EstateFilter, keep: &[PointId]) -> PortResult<u64> {
        let keep: HashSet<PointId> = keep.iter().copied().collect();
        let mut gone = Vec::new();
        for p in self.scroll_all(grpc_filter(scope), false).await? {
            let id = point_id(p.id)?;
            if !keep.contains(&id) {
                gone.push(id.to_string().into());
            }
        }
        let count = gone.len() as u64;
        if !gone.is_empty() {
            self.client
                .delete_points(
                    DeletePointsBuilder::new(&self.collection).points(PointsIdsList { ids: gone }).wait(true),
                )
                .await
                .map_err(|e| server_error("delete", e))?;
        }
        Ok(count)
    }
}
