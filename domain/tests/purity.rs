//! The domain crate stays pure: no IO dependencies (direct or transitive) and no IO in its
//! source. This test reads Cargo.lock and the crate's sources, so it fails the moment someone
//! adds tokio, an AWS SDK, an HTTP client or a vector store, or touches the file system.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

const FORBIDDEN_CRATE_PREFIXES: &[&str] =
    &["tokio", "aws-", "reqwest", "hyper", "qdrant", "async-std", "mio", "axum", "fastembed", "mistralrs", "ort"];
const FORBIDDEN_SOURCE: &[&str] =
    &["std::fs", "std::net", "std::process", "std::env", "File::open", "tokio", "reqwest"];

/// The crate's directory at run time (a binary reused from another checkout's build, through a
/// shared target dir, must read this checkout's files).
fn crate_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

#[test]
fn domain_has_no_io_dependencies_even_transitively() {
    let lock_path = crate_dir().join("../Cargo.lock");
    let lock: toml::Table = std::fs::read_to_string(&lock_path)
        .expect("Cargo.lock next to the workspace manifest")
        .parse()
        .expect("Cargo.lock is TOML");
    let mut deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pkg in lock["package"].as_array().expect("packages") {
        let name = pkg["name"].as_str().expect("name").to_owned();
        let list = pkg.get("dependencies").and_then(|d| d.as_array()).cloned().unwrap_or_default();
        // Entries are "name" or "name version"; several versions of one name merge, which only
        // over-approximates the closure.
        let names = list.iter().filter_map(|d| d.as_str()).map(|d| d.split(' ').next().unwrap_or(d).to_owned());
        deps.entry(name).or_default().extend(names);
    }
    let mut seen = BTreeSet::new();
    let mut todo = vec!["cloudops-domain".to_owned()];
    while let Some(name) = todo.pop() {
        if seen.insert(name.clone()) {
            todo.extend(deps.get(&name).cloned().unwrap_or_default());
        }
    }
    let bad: Vec<&String> = seen
        .iter()
        .filter(|n| {
            FORBIDDEN_CRATE_PREFIXES
                .iter()
                .any(|p| n.as_str() == *p || n.starts_with(&format!("{p}-")) || (p.ends_with('-') && n.starts_with(p)))
        })
        .collect();
    assert!(bad.is_empty(), "cloudops-domain must stay pure, but depends on {bad:?}: move IO into ports/adapters");
    assert!(seen.contains("serde"), "the closure walk found the domain's dependencies");
}

#[test]
fn domain_sources_do_no_io() {
    let mut offenders = Vec::new();
    let mut dirs = vec![crate_dir().join("src")];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() { dirs.push(path) } else { files.push(path) }
        }
    }
    assert!(files.len() > 5, "found the domain sources");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("source file");
        for needle in FORBIDDEN_SOURCE {
            if text.contains(needle) {
                offenders.push(format!("{}: {needle}", path.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "IO in the domain crate: {offenders:?}");
}
