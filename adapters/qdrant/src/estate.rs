//! [`EdgeEstateStore`]: the `aws_estate` shard behind the EstateStore port.

use std::collections::HashSet;
use std::path::Path;

use async_trait::async_trait;
use cloudops_domain::{PointId, Resource};
use cloudops_ports::{EstateFilter, EstateStore, PortError, PortResult, ScoredResource, StoredResource};
use qdrant_edge::{
    NamedQuery, PayloadSchemaType, PointId as EdgePointId, QuantizationSearchParams, QueryEnum, ScoredPoint,
    SearchParams, SearchRequest, WithPayloadInterface, WithVector,
};

use crate::estate_record::{dense, open_hash, open_resource, point_id, to_point};
use crate::filter::{estate_filter, field};
use crate::sealed::{self, SharedKeyRing};
use crate::shard::{Durability, Shard, ShardSpec};

/// The estate collection: 384-d cosine vectors for the real embedder; ids are the domain's
/// deterministic [`PointId`]s; filter fields plain and indexed, everything naming a resource
/// sealed with AES-256-GCM.
#[derive(Debug, Clone)]
pub struct EdgeEstateStore {
    shard: Shard,
    ring: SharedKeyRing,
}

const INDEXES: &[(&str, PayloadSchemaType)] = &[
    (field::KIND, PayloadSchemaType::Keyword),
    (field::ACCOUNT, PayloadSchemaType::Keyword),
    (field::ALIAS, PayloadSchemaType::Keyword),
    (field::REGION, PayloadSchemaType::Keyword),
    (field::STATE, PayloadSchemaType::Keyword),
    (field::TAGS, PayloadSchemaType::Keyword),
    (field::TAG_KEYS, PayloadSchemaType::Keyword),
];

impl EdgeEstateStore {
    /// The shard's directory name under the store directory.
    pub const SHARD: &'static str = "aws_estate";

    /// Opens (or creates) the estate shard under `store_dir` for vectors of `dimensions`.
    pub fn open(store_dir: &Path, dimensions: usize, ring: SharedKeyRing) -> PortResult<Self> {
        let spec = ShardSpec {
            name: Self::SHARD,
            dimensions,
            indexes: INDEXES,
            durability: ESTATE_DURABILITY,
            graph_from_matches: Some(GRAPH_FROM_MATCHES),
        };
        Ok(Self { shard: Shard::open(store_dir, spec)?, ring })
    }

    /// Re-seals every record sealed by an older key with the ring's current key; returns how
    /// many were re-sealed. Used by `cloudops key rotate`.
    pub async fn reseal_stale(&self) -> PortResult<u64> {
        let ring = self.ring.clone();
        self.shard
            .blocking(move |shard| {
                let mut points = Vec::new();
                for record in shard.scroll_all(None, true, true)? {
                    let id = point_id(&record.id)?;
                    let payload = record.payload.map(|p| p.0).unwrap_or_default();
                    if !sealed::is_stale(&ring, &id.to_string(), payload.get(field::SEALED))? {
                        continue;
                    }
                    let resource = open_resource(&ring, &id, &payload)?;
                    let content_hash = open_hash(&ring, &id, &payload)?;
                    let stored = StoredResource { resource, content_hash, vector: dense(record.vector) };
                    points.push(to_point(&ring, &stored)?);
                }
                let count = points.len() as u64;
                upsert_chunked(shard, points)?;
                // Durable before the caller retires the old key.
                shard.flush()?;
                Ok(count)
            })
            .await
    }

    /// Makes every write so far durable (`maintain` does this too, then indexes).
    pub async fn flush(&self) -> PortResult<()> {
        self.shard.blocking(Shard::flush).await
    }

    /// Builds the HNSW index segments now (blocking, CPU-heavy for large estates).
    pub async fn optimize(&self) -> PortResult<bool> {
        self.shard.blocking(Shard::optimize).await
    }

    /// The engine's part of [`EstateStore::search`] alone, on the calling thread (it blocks):
    /// the same request, hits read with their payloads, which are not opened; returns their
    /// ids and scores. `cargo xtask bench store` times it as "engine only".
    pub fn engine_search_blocking(
        &self,
        vector: &[f32],
        filter: &EstateFilter,
        limit: usize,
    ) -> PortResult<Vec<(PointId, f32)>> {
        let request = self.search_request(vector, filter, limit)?;
        engine_search(&self.shard, request)?.iter().map(|p| Ok((point_id(&p.id)?, p.score))).collect()
    }

    fn search_request(&self, vector: &[f32], filter: &EstateFilter, limit: usize) -> PortResult<SearchRequest> {
        self.check_dimensions(vector)?;
        Ok(SearchRequest {
            query: QueryEnum::Nearest(NamedQuery::default_dense(vector.to_vec())),
            filter: estate_filter(filter)?,
            params: Some(RESCORED),
            limit,
            offset: 0,
            with_payload: Some(WithPayloadInterface::Bool(true)),
            with_vector: Some(WithVector::Bool(false)),
            score_threshold: None,
        })
    }

    fn check_dimensions(&self, vector: &[f32]) -> PortResult<()> {
        let want = self.shard.spec.dimensions;
        if vector.len() == want {
            Ok(())
        } else {
            Err(PortError::Invalid(format!(
                "a {}-d vector for a store of {want}-d vectors: the embedding model changed; \
                 move the store directory away and run `cloudops sync --full`",
                vector.len()
            )))
        }
    }
}

/// Search without the HNSW graph or the int8 copies: every matching point, scored exactly.
const EXACT: SearchParams =
    SearchParams { hnsw_ef: None, exact: true, quantization: None, indexed_only: false, acorn: None };

/// Every other search: optimized segments pick 3x the hits asked by their int8 copies of the
/// vectors, then rank those by the full vectors. Ranked by the int8 copies alone, the top 10
/// missed some of the exact top 10 (the `optimized_search` test fails without re-ranking);
/// with it, `cargo xtask bench store` prints recall@10 100 %.
const RESCORED: SearchParams = SearchParams {
    hnsw_ef: None,
    exact: false,
    quantization: Some(QuantizationSearchParams { ignore: false, rescore: Some(true), oversampling: Some(3.0) }),
    indexed_only: false,
    acorn: None,
};

/// The engine's search, repeated exactly when it returns fewer hits than asked: either that few
/// match, or the engine's HNSW search lost its way under a selective filter (seen at 100k with
/// random vectors: no hits for some queries while 556 resources matched). The exact search
/// tells which; it scans only the matching points.
fn engine_search(shard: &Shard, request: SearchRequest) -> PortResult<Vec<ScoredPoint>> {
    let hits = shard.search(request.clone())?;
    if hits.len() >= request.limit {
        return Ok(hits);
    }
    shard.search(SearchRequest { params: Some(EXACT), ..request })
}

/// From this many resources, `maintain` builds the engine's HNSW segments (with int8 copies of
/// the vectors). Below it, brute force is about as fast (~2 ms at 10k) and optimizing costs
/// seconds for nothing; at 100k it cuts unfiltered search from ~21 ms to ~1.8 ms (p50), once:
/// 37–59 s on 2 cores, then ~0.1 s after a 1 % change (`cargo xtask bench store`).
const INDEX_FROM: u64 = 20_000;

/// Filters matching at least this many resources search the HNSW graph of an optimized
/// segment, which the engine builds with extra links among the points of every indexed value
/// held by more resources than this (an account, a type, a tag value); fewer matches are
/// scanned. The engine's default threshold (6,666 points of 384-d) sat at the size of the
/// bench's filters (6,667 of 100k: one account, type and env tag), so the engine sampled up to
/// 1,000 points per search to choose and chose the slower scan for some of them; with this
/// threshold all walk the graph (`cargo xtask bench store`: engine alone p50 1.0–1.4 ms).
const GRAPH_FROM_MATCHES: usize = 3_333;

/// Syncs write the estate in batches of 100, and a flush syncs every segment file (~40 ms):
/// flushing each batch capped upserts near 2,000 points/s. A sync's writes are flushed within
/// this window and by `maintain` at its end; a crash loses at most this window, which the next
/// sync rewrites (the stored content hashes are lost with the records they describe).
const ESTATE_DURABILITY: Durability = Durability::Within(std::time::Duration::from_secs(1));

/// Points per engine update (the sync use case already batches by 100).
const UPSERT_CHUNK: usize = 100;

/// Writes `points` in engine updates of [`UPSERT_CHUNK`] (moved, not copied).
fn upsert_chunked(shard: &Shard, points: Vec<qdrant_edge::PointStructPersisted>) -> PortResult<()> {
    let mut points = points.into_iter().peekable();
    while points.peek().is_some() {
        shard.upsert(points.by_ref().take(UPSERT_CHUNK).collect())?;
    }
    Ok(())
}

#[async_trait]
impl EstateStore for EdgeEstateStore {
    async fn upsert(&self, resources: Vec<StoredResource>) -> PortResult<()> {
        let mut points = Vec::with_capacity(resources.len());
        for stored in &resources {
            self.check_dimensions(&stored.vector)?;
            points.push(to_point(&self.ring, stored)?);
        }
        self.shard.blocking(move |shard| upsert_chunked(shard, points)).await
    }

    async fn get(&self, id: PointId) -> PortResult<Option<StoredResource>> {
        let ring = self.ring.clone();
        self.shard
            .blocking(move |shard| {
                let Some(record) = shard.retrieve(&[EdgePointId::Uuid(id.as_uuid())], true)?.pop() else {
                    return Ok(None);
                };
                let payload = record.payload.map(|p| p.0).unwrap_or_default();
                let resource = open_resource(&ring, &id, &payload)?;
                let content_hash = open_hash(&ring, &id, &payload)?;
                Ok(Some(StoredResource { resource, content_hash, vector: dense(record.vector) }))
            })
            .await
    }

    async fn search(&self, vector: &[f32], filter: &EstateFilter, limit: usize) -> PortResult<Vec<ScoredResource>> {
        let request = self.search_request(vector, filter, limit)?;
        let ring = self.ring.clone();
        self.shard
            .blocking(move |shard| {
                engine_search(shard, request)?
                    .into_iter()
                    .map(|p| {
                        let id = point_id(&p.id)?;
                        let payload = p.payload.map(|p| p.0).unwrap_or_default();
                        Ok(ScoredResource { resource: open_resource(&ring, &id, &payload)?, score: p.score })
                    })
                    .collect()
            })
            .await
    }

    async fn scan(&self, filter: &EstateFilter) -> PortResult<Vec<Resource>> {
        let filter = estate_filter(filter)?;
        let ring = self.ring.clone();
        self.shard
            .blocking(move |shard| {
                let mut out = Vec::new();
                shard.scroll_each(filter, true, false, |r| {
                    out.push(open_resource(&ring, &point_id(&r.id)?, &r.payload.map(|p| p.0).unwrap_or_default())?);
                    Ok(())
                })?;
                Ok(out)
            })
            .await
    }

    async fn count(&self, filter: &EstateFilter) -> PortResult<u64> {
        let filter = estate_filter(filter)?;
        self.shard.blocking(move |shard| Ok(shard.count(filter)? as u64)).await
    }

    async fn content_hashes(&self, scope: &EstateFilter) -> PortResult<Vec<(PointId, String)>> {
        let filter = estate_filter(scope)?;
        let ring = self.ring.clone();
        self.shard
            .blocking(move |shard| {
                shard
                    .scroll_all(filter, true, false)?
                    .into_iter()
                    .map(|r| {
                        let id = point_id(&r.id)?;
                        let hash = open_hash(&ring, &id, &r.payload.map(|p| p.0).unwrap_or_default())?;
                        Ok((id, hash))
                    })
                    .collect()
            })
            .await
    }

    async fn maintain(&self) -> PortResult<()> {
        self.flush().await?;
        if self.count(&EstateFilter::default()).await? >= INDEX_FROM {
            self.optimize().await?;
        }
        Ok(())
    }

    async fn delete_missing(&self, scope: &EstateFilter, keep: &[PointId]) -> PortResult<u64> {
        let filter = estate_filter(scope)?;
        let keep: HashSet<PointId> = keep.iter().copied().collect();
        self.shard
            .blocking(move |shard| {
                let mut gone = Vec::new();
                for record in shard.scroll_all(filter, false, false)? {
                    if !keep.contains(&point_id(&record.id)?) {
                        gone.push(record.id);
                    }
                }
                let count = gone.len() as u64;
                shard.delete(gone)?;
                Ok(count)
            })
            .await
    }
}
