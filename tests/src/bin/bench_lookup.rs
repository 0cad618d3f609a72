//! `cargo xtask bench lookup`: the lookup engine on the real embedder and store.
//!
//! Prints the machine's own timing noise, MiniLM throughput (sentences/s in batches of 32 and
//! one at a time) for the int8 graph users run and the fp32 one, the int8 graph's quality
//! against fp32 (cosine of the vectors, recall@10 of an int8 store against an fp32 store),
//! then for each estate size: the time to build the in-memory name index from the store
//! (decrypting every record), the latency of prompt parsing and name matching alone (no
//! embedder), and lookup latency p50/p99 over a mix of exact, typo, partial-with-account and
//! descriptive queries — each including its query embedding — as synced and after optimize.
//! The largest store is then served by a process of its own, whose peak RSS is what a client
//! serving lookups over that estate holds.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use cloudops_app::lookup::Lookup;
use cloudops_domain::document::document;
use cloudops_e2e::lookup_store::{open_estate, reopen};
use cloudops_e2e::{peak_rss_mib, percentile_ms};
use cloudops_embeddings::{MiniLmEmbedder, ModelFiles, ModelVariant};
use cloudops_fixtures::{lookup_estate, typo_of};
use cloudops_ports::{Embedder, EstateFilter, EstateStore};

/// Documents embedded for real per store; beyond, vectors are reused (see `open_estate`):
/// embedding 100k documents on 2 cores takes half an hour.
const EMBED_AT_MOST: usize = 2_000;

/// Rounds of the query set for the name-matching figure (it is fast; more samples, steadier p99).
const NAME_ROUNDS: usize = 3;

/// The estate both stores of the recall figure hold, every document embedded by each model.
const RECALL_ESTATE: usize = 2_000;

fn queries(estate: &[cloudops_domain::Resource]) -> Vec<String> {
    let mut out = vec![
        "pg-main".to_owned(),
        "stop pg-instance-main1".to_owned(),
        "reporting-db".to_owned(),
        "function that creates thumbnails of product photos".to_owned(),
        "the lambda that renders invoices as pdf".to_owned(),
        "stopped instances in production".to_owned(),
        "security group for ssh from the office".to_owned(),
    ];
    for r in estate.iter().step_by((estate.len() / 60).max(1)).take(60) {
        let name = r.name.clone().unwrap_or_default();
        let alias = r.account_alias.clone().unwrap_or_default();
        let env = r.tags.get("env").unwrap_or_default();
        out.push(name.clone());
        out.extend(typo_of(&name));
        let words: Vec<&str> = name.split('-').filter(|w| *w != env).collect();
        out.push(format!("{} in {alias}", words.join(" ")));
    }
    out
}

/// Builds a store of `size` resources and measures lookups on it; returns its directory (the
/// store closed) and the queries, for the serving process.
async fn bench(size: usize, embedder: &MiniLmEmbedder) -> (tempfile::TempDir, Vec<String>) {
    let estate = lookup_estate(size);
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, times) = open_estate(dir.path(), &estate, embedder, EMBED_AT_MOST).await;
    println!(
        "{size:>7} resources: {} embedded in {:.1} s, stored in {:.1} s",
        times.embedded,
        times.embedding.as_secs_f64(),
        times.upsert.as_secs_f64()
    );
    let start = Instant::now();
    let lookup = Lookup::open(&store).await.expect("index");
    println!(
        "         name index from the store (decrypt + build, in memory only): {:.2} s",
        start.elapsed().as_secs_f64()
    );
    let queries = queries(&estate);
    let mut names = Vec::new();
    for q in queries.iter().cycle().take(queries.len() * NAME_ROUNDS) {
        let start = Instant::now();
        lookup.search(&store, None, q, 10).await.expect("search");
        names.push(start.elapsed());
    }
    println!("         parse + name matching alone (no embedder): {}", p50_p99(&mut names));
    let mut embeds = Vec::new();
    for q in &queries {
        let start = Instant::now();
        embedder.embed_blocking(std::slice::from_ref(q)).expect("embed");
        embeds.push(start.elapsed());
    }
    println!("         query embedding alone: {}", p50_p99(&mut embeds));
    lookups(&lookup, &store, embedder, &queries, "as synced").await;
    let start = Instant::now();
    let changed = store.optimize().await.expect("optimize");
    println!(
        "         store optimize (index segments{}): {:.1} s",
        if changed { "" } else { ", nothing to do" },
        start.elapsed().as_secs_f64()
    );
    lookups(&lookup, &store, embedder, &queries, "optimized").await;
    (dir, queries)
}

/// The serving process (`bench-lookup --serve DIR QUERIES`): opens the store another process
/// built, indexes it and runs the queries, as a client serving lookups does; prints its
/// figures and its own peak RSS.
async fn serve(dir: &Path, queries: &Path) {
    let queries: Vec<String> =
        std::fs::read_to_string(queries).expect("read the queries").lines().map(str::to_owned).collect();
    let embedder = load(ModelVariant::default());
    let store = reopen(dir);
    let start = Instant::now();
    let lookup = Lookup::open(&store).await.expect("index");
    let opened = start.elapsed();
    let embedder: &dyn Embedder = &embedder;
    let mut times = Vec::new();
    for q in queries.iter().cycle().take(queries.len() * 2) {
        let start = Instant::now();
        lookup.search(&store, Some(embedder), q, 10).await.expect("search");
        times.push(start.elapsed());
    }
    println!(
        "         serving process: {} resources indexed in {:.2} s, {} lookups {}, peak RSS {}",
        lookup.len(),
        opened.as_secs_f64(),
        times.len(),
        p50_p99(&mut times),
        peak_rss_mib().map_or("unavailable (no /proc)".to_owned(), |mib| format!("{mib:.0} MiB"))
    );
}

/// Runs [`serve`] in a child process on the store in `dir`.
fn serve_in_child(dir: &Path, queries: &[String]) {
    let list = dir.join("queries.txt");
    std::fs::write(&list, queries.join("\n")).expect("write the queries");
    let exe = std::env::current_exe().expect("this binary");
    let status = std::process::Command::new(exe).arg("--serve").arg(dir).arg(&list).status().expect("serve");
    assert!(status.success(), "the serving process failed ({status})");
}

/// The machine's own timing noise: one fixed piece of CPU work (~1 ms) timed 300 times. A
/// lookup p99 far above its p50 on a machine whose own p99/p50 is as high is the machine's.
fn noise() -> String {
    let mut times = Vec::with_capacity(300);
    for _ in 0..300 {
        let start = Instant::now();
        let mut x = 0u64;
        for i in 0..200_000u64 {
            x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i));
        }
        times.push(start.elapsed());
    }
    p50_p99(&mut times)
}

fn load(variant: ModelVariant) -> MiniLmEmbedder {
    let files = ModelFiles::discover().unwrap_or_else(|e| panic!("{e}"));
    MiniLmEmbedder::load(&files.with_variant(variant)).unwrap_or_else(|e| panic!("{e}"))
}

/// Throughput lines of one model; returns the vectors of `texts` (in order) for the quality
/// figures.
fn throughput(label: &str, embedder: &MiniLmEmbedder, texts: &[(&str, &[String])]) -> Vec<Vec<f32>> {
    embedder.embed_blocking(&texts[0].1[..32]).expect("warm up");
    // One sentence repeated: no padding, so this is the model's own rate at this length.
    let one = "stop the postgres database pg-instance-main1 in production".to_owned();
    for batch in [1usize, 32] {
        let texts = vec![one.clone(); batch];
        let mut calls = Vec::new();
        for _ in 0..(if batch == 1 { 200 } else { 8 }) {
            let start = Instant::now();
            embedder.embed_blocking(&texts).expect("embed");
            calls.push(start.elapsed());
        }
        let per_call = calls.iter().sum::<Duration>().as_secs_f64() / calls.len() as f64;
        let rate = batch as f64 / per_call;
        if batch == 1 {
            println!("{label}: one 8-word sentence at a time: {rate:.0} sentences/s, {}", p50_p99(&mut calls));
        } else {
            println!("{label}: one 8-word sentence, batches of 32: {rate:.0} sentences/s");
        }
    }
    let mut vectors = Vec::new();
    for (what, texts) in texts {
        let words = texts.iter().map(|t| t.split_whitespace().count()).sum::<usize>() as f64 / texts.len() as f64;
        let start = Instant::now();
        for batch in texts.chunks(32) {
            vectors.extend(embedder.embed_blocking(batch).expect("embed"));
        }
        let rate = texts.len() as f64 / start.elapsed().as_secs_f64();
        println!("{label}: {what}, {words:.0} words avg, batches of 32: {rate:.0} sentences/s");
    }
    vectors
}

async fn top10(store: &cloudops_qdrant::EdgeEstateStore, vector: Vec<f32>) -> BTreeSet<cloudops_domain::PointId> {
    let hits = store.search(&vector, &EstateFilter::default(), 10).await.expect("search");
    hits.into_iter().map(|h| h.resource.point_id()).collect()
}

/// The int8 graph against fp32: cosine of the same texts' vectors, and recall@10 of an int8
/// store against an fp32 store of the same estate (each searched with its own model's query).
async fn quality(int8: &MiniLmEmbedder, fp32: &MiniLmEmbedder, a: &[Vec<f32>], b: &[Vec<f32>]) {
    let cosines: Vec<f32> = a.iter().zip(b).map(|(x, y)| x.iter().zip(y).map(|(p, q)| p * q).sum()).collect();
    let mean = cosines.iter().sum::<f32>() / cosines.len() as f32;
    let min = cosines.iter().copied().fold(f32::INFINITY, f32::min);
    println!("int8 vs fp32: cosine of {} texts' vectors: mean {mean:.4}, min {min:.4}", cosines.len());
    let estate = lookup_estate(RECALL_ESTATE);
    let queries = queries(&estate);
    let (dir8, dir32) = (tempfile::tempdir().expect("temp dir"), tempfile::tempdir().expect("temp dir"));
    let (store8, _) = open_estate(dir8.path(), &estate, int8, RECALL_ESTATE).await;
    let (store32, _) = open_estate(dir32.path(), &estate, fp32, RECALL_ESTATE).await;
    let (mut found, mut wanted) = (0usize, 0usize);
    for q in &queries {
        let q = std::slice::from_ref(q);
        let got = top10(&store8, int8.embed_blocking(q).expect("embed").remove(0)).await;
        let truth = top10(&store32, fp32.embed_blocking(q).expect("embed").remove(0)).await;
        found += got.intersection(&truth).count();
        wanted += truth.len();
    }
    println!(
        "int8 vs fp32: recall@10 of an int8 store against an fp32 store ({RECALL_ESTATE} resources, {} queries): {:.3}",
        queries.len(),
        found as f64 / wanted.max(1) as f64
    );
}

async fn lookups(
    lookup: &Lookup,
    store: &cloudops_qdrant::EdgeEstateStore,
    embedder: &cloudops_embeddings::MiniLmEmbedder,
    queries: &[String],
    when: &str,
) {
    let embedder: &dyn Embedder = embedder;
    let (mut all, mut semantic) = (Vec::new(), Vec::new());
    for q in queries {
        let start = Instant::now();
        let result = lookup.search(store, Some(embedder), q, 10).await.expect("search");
        let took = start.elapsed();
        all.push(took);
        if result.ranking.candidates.iter().any(|c| c.vector_score.is_some()) {
            semantic.push(took);
        }
    }
    println!("         lookup ({when}), {} queries incl. query embedding: {}", all.len(), p50_p99(&mut all));
    if !semantic.is_empty() {
        println!(
            "         … the {} with a vector neighbour among the results: {}",
            semantic.len(),
            p50_p99(&mut semantic)
        );
    }
}

/// `p50 … ms, p99 … ms` of `times` (sorted here).
fn p50_p99(times: &mut [std::time::Duration]) -> String {
    times.sort();
    format!("p50 {:.2} ms, p99 {:.2} ms", percentile_ms(times, 0.5), percentile_ms(times, 0.99))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, dir, queries] = args.as_slice()
        && flag == "--serve"
    {
        return serve(Path::new(dir), Path::new(queries)).await;
    }
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![10_000, 100_000] } else { sizes };
    println!("lookup benchmark (all-MiniLM-L6-v2 via onnxruntime, qdrant-edge 0.7.2, AES-256-GCM payloads)");
    println!("machine noise, a fixed ~1 ms of CPU work timed 300 times: {}", noise());
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(cloudops_e2e::workspace_root().join("fixtures/embeddings/reference.json"))
            .expect("read fixtures/embeddings/reference.json"),
    )
    .expect("reference.json is JSON");
    let sentences: Vec<String> = reference["sentences"]
        .as_array()
        .expect("sentences")
        .iter()
        .filter_map(|s| s["text"].as_str().map(str::to_owned))
        .collect();
    // The reference set also holds one 362-word text (it checks truncation at 256 tokens); in
    // every batch it would pad 31 prompts to 256 tokens, so it is not a prompt here.
    let short: Vec<String> =
        sentences.iter().filter(|s| s.split_whitespace().count() <= 64).cycle().take(1_024).cloned().collect();
    let documents: Vec<String> = lookup_estate(1_024).iter().map(document).collect();
    let texts: [(&str, &[String]); 2] =
        [("short prompts (the reference sentences up to 64 words)", &short), ("resource documents", &documents)];
    let int8 = load(ModelVariant::Int8);
    let fp32 = load(ModelVariant::Fp32);
    let a = throughput("int8 (default)", &int8, &texts);
    let b = throughput("fp32 (CLOUDOPS_EMBEDDING_MODEL=fp32)", &fp32, &texts);
    quality(&int8, &fp32, &a, &b).await;
    drop(fp32);
    let mut last = None;
    for size in sizes {
        last = Some(bench(size, &int8).await);
    }
    match peak_rss_mib() {
        Some(mib) => println!("peak RSS (this process: both models, every store built): {mib:.0} MiB"),
        None => println!("peak RSS: unavailable (no /proc)"),
    }
    if let Some((dir, queries)) = last {
        serve_in_child(dir.path(), &queries);
    }
}
