//! `cargo xtask bench lookup`: the lookup engine on the real embedder and store.
//!
//! Prints MiniLM throughput (sentences/s in batches of 32), then for each estate size: the
//! time to build the in-memory name index from the store (decrypting every record), the
//! latency of prompt parsing and name matching alone (no embedder), and lookup latency
//! p50/p99 over a mix of exact, typo, partial-with-account and descriptive queries — each
//! including its query embedding — and the peak RSS.

use std::time::Instant;

use cloudops_app::lookup::Lookup;
use cloudops_domain::document::document;
use cloudops_e2e::lookup_store::{embedder, open_estate};
use cloudops_e2e::{peak_rss_mib, percentile_ms};
use cloudops_fixtures::{lookup_estate, typo_of};
use cloudops_ports::Embedder;

/// Documents embedded for real per store; beyond, vectors are reused (see `open_estate`):
/// embedding 100k documents on 2 cores takes half an hour.
const EMBED_AT_MOST: usize = 2_000;

/// Rounds of the query set for the name-matching figure (it is fast; more samples, steadier p99).
const NAME_ROUNDS: usize = 3;

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

async fn bench(size: usize, embedder: &cloudops_embeddings::MiniLmEmbedder) {
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
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![10_000, 100_000] } else { sizes };
    let embedder = embedder();
    println!("lookup benchmark (all-MiniLM-L6-v2 int8 via onnxruntime, qdrant-edge 0.7.2, AES-256-GCM payloads)");
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
    embedder.embed_blocking(&short[..32]).expect("warm up");
    // One sentence repeated: no padding, so this is the model's own rate at this length.
    let one = "stop the postgres database pg-instance-main1 in production".to_owned();
    for batch in [1usize, 32] {
        let texts = vec![one.clone(); batch];
        let start = Instant::now();
        for _ in 0..8 {
            embedder.embed_blocking(&texts).expect("embed");
        }
        let per_call = start.elapsed().as_secs_f64() / 8.0;
        println!(
            "embedding one 8-word sentence, batch {batch}: {:.1} ms per batch, {:.0} sentences/s",
            per_call * 1e3,
            batch as f64 / per_call
        );
    }
    for (what, texts) in
        [("short prompts (the reference sentences up to 64 words)", &short), ("resource documents", &documents)]
    {
        let words = texts.iter().map(|t| t.split_whitespace().count()).sum::<usize>() as f64 / texts.len() as f64;
        let start = Instant::now();
        for batch in texts.chunks(32) {
            embedder.embed_blocking(batch).expect("embed");
        }
        let rate = texts.len() as f64 / start.elapsed().as_secs_f64();
        println!("embedding {what}, {words:.0} words avg, batches of 32: {rate:.0} sentences/s");
    }
    for size in sizes {
        bench(size, &embedder).await;
    }
    match peak_rss_mib() {
        Some(mib) => println!("peak RSS: {mib:.0} MiB"),
        None => println!("peak RSS: unavailable (no /proc)"),
    }
}
