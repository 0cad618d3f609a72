use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use cloudops_domain::{PointId, Resource};
use cloudops_ports::{EstateFilter, EstateStore, PortError, PortResult, ScoredResource, StoredResource};

/// The EstateStore contract in memory (no encryption: nothing is written anywhere).
#[derive(Debug, Default)]
pub struct MemoryEstateStore {
    points: Mutex<BTreeMap<PointId, StoredResource>>,
}

/// Whether `r` passes `filter` (all conditions AND, empty lists mean any).
pub fn matches(filter: &EstateFilter, r: &Resource) -> bool {
    (filter.accounts.is_empty() || filter.accounts.contains(&r.account_id))
        && (filter.regions.is_empty() || filter.regions.contains(&r.region))
        && (filter.kinds.is_empty() || filter.kinds.contains(&r.kind))
        && (filter.states.is_empty() || filter.states.contains(&r.state))
        && filter.tags.iter().all(|t| t.matches(&r.tags))
}

/// The `limit` points of `points` nearest `vector` among those `filter` matches, nearest first,
/// with their scores, by brute force (vectors are unit: the dot product is the cosine).
pub(crate) fn nearest<'a>(
    points: impl Iterator<Item = &'a StoredResource>,
    vector: &[f32],
    filter: &EstateFilter,
    limit: usize,
) -> Vec<(f32, &'a StoredResource)> {
    let mut scored: Vec<(f32, &StoredResource)> = points
        .filter(|p| matches(filter, &p.resource))
        .map(|p| (p.vector.iter().zip(vector).map(|(a, b)| a * b).sum(), p))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.truncate(limit);
    scored
}

impl MemoryEstateStore {
    fn lock(&self) -> PortResult<std::sync::MutexGuard<'_, BTreeMap<PointId, StoredResource>>> {
        self.points.lock().map_err(|_| PortError::Other("the in-memory store was poisoned by a panic".into()))
    }
}

#[async_trait]
impl EstateStore for MemoryEstateStore {
    async fn upsert(&self, resources: Vec<StoredResource>) -> PortResult<()> {
        let mut points = self.lock()?;
        for r in resources {
            points.insert(r.resource.point_id(), r);
        }
        Ok(())
    }
    async fn get(&self, id: PointId) -> PortResult<Option<StoredResource>> {
        Ok(self.lock()?.get(&id).cloned())
    }
    async fn search(&self, vector: &[f32], filter: &EstateFilter, limit: usize) -> PortResult<Vec<ScoredResource>> {
        let points = self.lock()?;
        Ok(nearest(points.values(), vector, filter, limit)
            .into_iter()
            .map(|(score, p)| ScoredResource { resource: p.resource.clone(), score })
            .collect())
    }
    async fn scan(&self, filter: &EstateFilter) -> PortResult<Vec<Resource>> {
        Ok(self.lock()?.values().filter(|p| matches(filter, &p.resource)).map(|p| p.resource.clone()).collect())
    }
    async fn count(&self, filter: &EstateFilter) -> PortResult<u64> {
        Ok(self.lock()?.values().filter(|p| matches(filter, &p.resource)).count() as u64)
    }
    async fn content_hashes(&self, scope: &EstateFilter) -> PortResult<Vec<(PointId, String)>> {
        Ok(self
            .lock()?
            .iter()
            .filter(|(_, p)| matches(scope, &p.resource))
            .map(|(id, p)| (*id, p.content_hash.clone()))
            .collect())
    }
    async fn delete_missing(&self, scope: &EstateFilter, keep: &[PointId]) -> PortResult<u64> {
        let mut points = self.lock()?;
        let before = points.len();
        points.retain(|id, p| !matches(scope, &p.resource) || keep.contains(id));
        Ok((before - points.len()) as u64)
    }
}
