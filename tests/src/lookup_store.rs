//! A real estate store (qdrant-edge, sealed payloads) holding the fixture lookup estate with
//! real MiniLM vectors: shared by the lookup table test and `cargo xtask bench lookup`.

use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use cloudops_crypto::{DataKey, KeyRing};
use cloudops_domain::Resource;
use cloudops_domain::document::{content_hash, document};
use cloudops_embeddings::MiniLmEmbedder;
use cloudops_ports::{Embedder, EstateStore, StoredResource};
use cloudops_qdrant::{ESTATE_DIMENSIONS, EdgeEstateStore, SharedKeyRing};

/// The embedder from the files `cargo xtask setup` installs; panics with that advice.
pub fn embedder() -> MiniLmEmbedder {
    MiniLmEmbedder::discover().unwrap_or_else(|e| panic!("{e}"))
}

/// The fixed key of the stores built here (tests and benches only), so that another process
/// (the bench's serving process) can reopen one.
fn ring() -> SharedKeyRing {
    let key = DataKey::from_bytes("store", 1, &[7; 32]).expect("a 32-byte key");
    Arc::new(RwLock::new(KeyRing::new(key, Vec::new())))
}

/// Opens (or creates) the store in `dir` for vectors of `dimensions`, with the fixed test key.
pub fn open_store(dir: &Path, dimensions: usize) -> EdgeEstateStore {
    EdgeEstateStore::open(dir, dimensions, ring()).expect("open the store")
}

/// Opens a store [`open_estate`] built in `dir` (once the process that built it dropped it).
pub fn reopen(dir: &Path) -> EdgeEstateStore {
    open_store(dir, ESTATE_DIMENSIONS)
}

/// What building the store cost.
#[derive(Debug, Clone, Copy)]
pub struct BuildTimes {
    /// Documents actually embedded (the rest reuse vectors, see [`open_estate`]).
    pub embedded: usize,
    pub embedding: Duration,
    pub upsert: Duration,
}

/// Opens a fresh store in `dir` holding `estate`. The first `embed_at_most` documents are
/// embedded for real in batches of 32; past that, resource `i` reuses the vector of resource
/// `i % embed_at_most` with a small deterministic perturbation (benchmarks at 100k measure
/// search, not hours of embedding).
pub async fn open_estate(
    dir: &Path,
    estate: &[Resource],
    embedder: &MiniLmEmbedder,
    embed_at_most: usize,
) -> (EdgeEstateStore, BuildTimes) {
    let store = open_store(dir, ESTATE_DIMENSIONS);
    let times = fill(&store, estate, embedder, embed_at_most).await;
    (store, times)
}

/// Upserts `estate` into `store` as [`open_estate`] does (the first `embed_at_most` documents
/// embedded for real, the rest perturbed copies of their vectors).
pub async fn fill(
    store: &EdgeEstateStore,
    estate: &[Resource],
    embedder: &MiniLmEmbedder,
    embed_at_most: usize,
) -> BuildTimes {
    let real = estate.len().min(embed_at_most.max(1));
    let docs: Vec<String> = estate[..real].iter().map(document).collect();
    let start = Instant::now();
    // One call: the embedder batches by 32 in length order (less padding).
    let vectors = embedder.embed_blocking(&docs).expect("embed");
    let embedding = start.elapsed();
    let start = Instant::now();
    for (chunk_no, chunk) in estate.chunks(100).enumerate() {
        let stored = chunk
            .iter()
            .enumerate()
            .map(|(j, r)| {
                let i = chunk_no * 100 + j;
                let mut vector = vectors[i % real].clone();
                if i >= real {
                    perturb(&mut vector, i);
                }
                StoredResource { resource: r.clone(), content_hash: content_hash(r, embedder.model_id()), vector }
            })
            .collect();
        store.upsert(stored).await.expect("upsert");
    }
    BuildTimes { embedded: real, embedding, upsert: start.elapsed() }
}

/// Nudges a few components by ±0.01 and re-normalises.
fn perturb(v: &mut [f32], seed: usize) {
    for k in 0..8 {
        let at = (seed.wrapping_mul(31).wrapping_add(k * 97)) % v.len();
        v[at] += if (seed >> k) & 1 == 0 { 0.01 } else { -0.01 };
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
}
