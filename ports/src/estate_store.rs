use async_trait::async_trait;
use cloudops_domain::{AccountId, PointId, Region, Resource, ResourceKind, ResourceState, TagFilter};

use crate::PortResult;

/// Filterable fields of a stored resource (all conditions AND; empty lists mean "any").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EstateFilter {
    pub accounts: Vec<AccountId>,
    pub regions: Vec<Region>,
    pub kinds: Vec<ResourceKind>,
    pub states: Vec<ResourceState>,
    pub tags: Vec<TagFilter>,
}

/// A resource as stored: the resource, its embedding's content hash and the vector.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResource {
    pub resource: Resource,
    /// Hash of the embedded document; unchanged hash ⇒ the vector need not be recomputed.
    pub content_hash: String,
    pub vector: Vec<f32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScoredResource {
    pub resource: Resource,
    pub score: f32,
}

/// The local estate store (embedded vector store on the user's machine).
///
/// Contract:
/// - `upsert` is idempotent per `Resource::point_id()`: upserting the same resource twice
///   leaves one record, the newer one;
/// - `search` with a filter never returns a resource outside it; in particular, with an
///   account filter set it never returns a resource of another account;
/// - `delete_missing` removes, within `scope`, every resource whose id is not in `keep`, and
///   nothing outside `scope`;
/// - data written is visible once the call returns, durable once `maintain` returns (or within
///   a second, or when the store is dropped), and survives reopening the store;
/// - sensitive fields (names, identifiers, ARNs, IAM, metadata) are encrypted at rest.
#[async_trait]
pub trait EstateStore: Send + Sync {
    async fn upsert(&self, resources: Vec<StoredResource>) -> PortResult<()>;
    async fn get(&self, id: PointId) -> PortResult<Option<StoredResource>>;
    async fn search(&self, vector: &[f32], filter: &EstateFilter, limit: usize) -> PortResult<Vec<ScoredResource>>;
    /// Every resource matching `filter` (decrypted), for in-memory name indexes.
    async fn scan(&self, filter: &EstateFilter) -> PortResult<Vec<Resource>>;
    async fn count(&self, filter: &EstateFilter) -> PortResult<u64>;
    /// Content hashes of every resource in `scope`, for incremental sync.
    async fn content_hashes(&self, scope: &EstateFilter) -> PortResult<Vec<(PointId, String)>>;
    async fn delete_missing(&self, scope: &EstateFilter, keep: &[PointId]) -> PortResult<u64>;
    /// Makes every write so far durable and prepares the store for fast searches after a
    /// sync's writes (an embedded engine builds its vector index here). May take minutes once
    /// on a large store; a store with nothing to do returns at once.
    async fn maintain(&self) -> PortResult<()> {
        Ok(())
    }
}
