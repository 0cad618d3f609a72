//! Search in an optimized estate store (HNSW segments with int8 copies of the vectors), which
//! syncs build from 20k resources: under filters that walk the graph and filters that scan,
//! the hits are the exact nearest ones.

use std::sync::{Arc, RwLock};

use cloudops_crypto::{DataKey, KeyRing};
use cloudops_fakes::scale;
use cloudops_ports::{EstateFilter, EstateStore, StoredResource};
use cloudops_qdrant::{ESTATE_DIMENSIONS, EdgeEstateStore};

/// Large enough that one account (4,000 resources) is searched on the graph, one account's
/// type (800) scanned.
const SIZE: usize = 12_000;
const QUERIES: usize = 40;

/// A query's filter, from the resource it looks for.
type FilterFor = fn(&StoredResource) -> EstateFilter;

#[tokio::test]
async fn an_optimized_store_finds_the_exact_nearest_under_graph_and_scan_filters() {
    let dir = tempfile::tempdir().unwrap();
    let ring = Arc::new(RwLock::new(KeyRing::new(DataKey::from_bytes("store", 1, &[7; 32]).unwrap(), Vec::new())));
    let store = EdgeEstateStore::open(dir.path(), ESTATE_DIMENSIONS, ring).unwrap();
    let estate: Vec<StoredResource> = (0..SIZE).map(|i| scale::resource(i, ESTATE_DIMENSIONS)).collect();
    for batch in estate.chunks(100) {
        store.upsert(batch.to_vec()).await.unwrap();
    }
    assert!(store.optimize().await.unwrap(), "optimize builds the HNSW segments");
    let filters: [(&str, FilterFor); 3] = [
        ("none", |_| EstateFilter::default()),
        ("account (graph)", |t| EstateFilter { accounts: vec![t.resource.account_id.clone()], ..Default::default() }),
        ("account + type (scan)", |t| EstateFilter {
            accounts: vec![t.resource.account_id.clone()],
            kinds: vec![t.resource.kind],
            ..Default::default()
        }),
    ];
    for (name, filter) in filters {
        let mut found = 0;
        for q in 0..QUERIES {
            let filter = filter(&scale::target(q, SIZE, ESTATE_DIMENSIONS));
            let vector = scale::query_vector(q, SIZE, ESTATE_DIMENSIONS);
            let hits = store.search(&vector, &filter, 10).await.unwrap();
            assert_eq!(hits.len(), 10, "{name}: every filter matches more than 10");
            assert!(hits.windows(2).all(|w| w[0].score >= w[1].score), "{name}: hits come nearest first");
            let exact = scale::exact_top(&estate, &vector, &filter, 10);
            found += hits.iter().filter(|h| exact.contains(&h.resource.point_id())).count();
        }
        let recall = found as f64 / (10 * QUERIES) as f64;
        println!("{name}: recall@10 {:.1} %", recall * 100.0);
        assert!(recall >= 0.99, "{name}: the optimized store found {:.1} % of the exact top 10", recall * 100.0);
    }
}
