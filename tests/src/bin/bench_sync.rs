//! `cargo xtask bench sync`: seeds an estate into the emulator at `CLOUDOPS_EMULATOR_URL`, then
//! times a full sync and an unchanged re-sync with the real AWS adapters (scanners, permission
//! oracle) and prints resources/s, wall times, the CPU time this process and the emulator
//! spent on each, cloudops's CPU per resource, and peak RSS.
//!
//! The store is the real one (qdrant-edge in a temp dir, sealed payloads); the embedder is a
//! fake, so the figures are AWS reads + permission evaluation + sync logic + store writes,
//! embedding excluded (MiniLM's rate is measured by `bench lookup`). Against moto the emulator is the bottleneck: it answers on
//! one Python core (≈ 7 ms per instance in DescribeInstances, ≈ 10 ms per S3 bucket call).
//!
//! With `--replay N`, the full sync is recorded through the proxy, and the recording is then
//! replayed by a process of its own (`--serve-tape`, nothing else running in it) as the
//! recorded accounts plus enough copies of them for at least N resources: cloudops alone at
//! scale, without the emulator.
//!
//! Usage: bench-sync [small|seed] [--replay N]   (default: seed)

use std::io::{BufRead as _, Write as _};
use std::path::Path;
use std::time::Instant;

use cloudops_app::lookup::Lookup;
use cloudops_app::sync::{SyncPorts, SyncReport, SyncRequest, sync};
use cloudops_domain::AccountId;
use cloudops_e2e::proxy::{FaultPlan, FaultProxy, ProxyOptions, Upstream, copy_account};
use cloudops_e2e::{Emulator, SyncWorld, cpu_seconds_of, peak_rss_mib, write_aws_config_at};
use cloudops_ports::{Embedder as _, EstateFilter, EstateStore, Profile};

/// Times one sync and prints its lines; exits on failure or an unexpected outcome.
async fn timed(ports: SyncPorts<'_>, request: &SyncRequest, label: &str, other_pid: Option<&str>, expect_embed: bool) {
    let cpu_before = (cpu_seconds_of("self"), other_pid.and_then(cpu_seconds_of));
    let t = Instant::now();
    let report = match sync(ports, request).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bench-sync: {label} failed: {e}");
            std::process::exit(1);
        }
    };
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{label}: {} resources in {secs:.2} s = {:.0} resources/s; embedded {}, unchanged {}, failed targets {}",
        report.resources,
        report.resources as f64 / secs,
        report.embedded,
        report.unchanged,
        report.failed
    );
    print_breakdown(&report);
    // Who spent the CPU: this process (scanners, permissions, sync) or the one answering.
    let own = cpu_before.0.zip(cpu_seconds_of("self")).map(|(a, b)| b - a);
    let other = cpu_before.1.zip(other_pid.and_then(cpu_seconds_of)).map(|(a, b)| b - a);
    let show = |v: Option<f64>| v.map_or_else(|| "unknown".to_owned(), |s| format!("{s:.1} s"));
    println!("  CPU during the {label}: cloudops {}, answering process {} (wall {secs:.1} s)", show(own), show(other));
    if let Some(own) = own {
        println!(
            "  cloudops CPU per resource ({label}; real store, fake embedder): {:.3} ms",
            own * 1e3 / report.resources.max(1) as f64
        );
    }
    if report.failed > 0 || (expect_embed == (report.embedded == 0)) {
        eprintln!("bench-sync: unexpected {label} outcome: {report:?}");
        std::process::exit(1);
    }
}

/// Where the time goes: summed scan time per service (targets run in parallel).
fn print_breakdown(report: &SyncReport) {
    let mut per_service: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
    for st in &report.statuses {
        let e = per_service.entry(st.service.as_str()).or_default();
        e.0 += st.duration_ms;
        e.1 = e.1.max(st.duration_ms);
    }
    let breakdown: Vec<String> = per_service
        .iter()
        .map(|(s, (sum, max))| format!("{s} {:.1} s (slowest {:.1} s)", *sum as f64 / 1e3, *max as f64 / 1e3))
        .collect();
    println!("  scan time by service: {}", breakdown.join(", "));
}

fn print_peak_rss(what: &str) {
    match peak_rss_mib() {
        Some(mib) => println!("peak RSS ({what}): {mib:.0} MiB"),
        None => println!("peak RSS: unavailable (no /proc)"),
    }
}

/// The replaying process: serves `tape` with `copies` copies, prints its URL, and stops when
/// its stdin closes.
fn serve_tape(tape: &Path, copies: usize) {
    let upstream = Upstream::ReplayCopies { tape: tape.to_owned(), copies };
    let proxy = FaultProxy::start(ProxyOptions { upstream, faults: FaultPlan::none(), record: None })
        .unwrap_or_else(|e| panic!("cannot replay {}: {e}", tape.display()));
    println!("{}", proxy.url());
    std::io::stdout().flush().expect("stdout");
    let _ = std::io::stdin().lock().lines().count();
    let report = proxy.report();
    eprintln!(
        "replay: {} requests, {} without a recorded answer {:?}",
        report.requests, report.replay_misses, report.missed
    );
}

async fn replay(emulator: &Emulator, profiles: &[(&str, AccountId)], request: &SyncRequest, at_least: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let tape = dir.path().join("estate.tape");
    let recorded = {
        let options =
            ProxyOptions { record: Some(tape.clone()), ..ProxyOptions::forward(emulator.url(), FaultPlan::none()) };
        let proxy = FaultProxy::start(options).expect("start the recording proxy");
        let named: Vec<(&str, &AccountId)> = profiles.iter().map(|(p, a)| (*p, a)).collect();
        let world = SyncWorld::new(&write_aws_config_at(proxy.url(), dir.path(), "ops", &named));
        sync(world.ports(), request).await.expect("the recorded sync")
    };
    let copies = at_least.div_ceil(recorded.resources.max(1)).saturating_sub(1).clamp(1, 99);
    println!(
        "\nreplay at scale: recorded {} resources of {} accounts; replaying them with {copies} copies of each account",
        recorded.resources,
        profiles.len()
    );
    let mut server = std::process::Command::new(std::env::current_exe().expect("this binary"))
        .arg("--serve-tape")
        .arg(&tape)
        .arg(copies.to_string())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the replaying process");
    let mut url = String::new();
    std::io::BufReader::new(server.stdout.take().expect("stdout")).read_line(&mut url).expect("the replay URL");
    let url = url.trim().to_owned();
    let server_pid = server.id().to_string();
    let mut names: Vec<(String, AccountId)> = profiles.iter().map(|(p, a)| ((*p).to_owned(), a.clone())).collect();
    for k in 1..=copies {
        for (p, a) in profiles {
            names.push((format!("{p}-copy{k}"), copy_account(a.as_str(), k).parse().expect("12 digits")));
        }
    }
    let named: Vec<(&str, &AccountId)> = names.iter().map(|(p, a)| (p.as_str(), a)).collect();
    let world = SyncWorld::new(&write_aws_config_at(&url, dir.path(), "ops", &named));
    let store = cloudops_e2e::lookup_store::open_store(&dir.path().join("store"), world.embedder.dimension());
    let ports = || SyncPorts { store: &store, ..world.ports() };
    let request = SyncRequest { profiles: names.iter().map(|(p, _)| Profile(p.clone())).collect(), ..request.clone() };
    println!(
        "replayed estate: {} accounts x {} regions, answered by process {server_pid}",
        names.len(),
        request.regions.len()
    );
    timed(ports(), &request, "replayed full sync", Some(&server_pid), true).await;
    // Searchable by name, identifier and filters: the in-memory name index over the store.
    let start = Instant::now();
    let resources = store.scan(&EstateFilter::default()).await.expect("scan");
    let lookup = Lookup::from_resources(resources);
    println!(
        "  name index over the {} synced resources (searchable by name, id and filters): {:.2} s more",
        lookup.len(),
        start.elapsed().as_secs_f64()
    );
    drop(lookup);
    timed(ports(), &request, "replayed unchanged re-sync", Some(&server_pid), false).await;
    print_peak_rss("cloudops, this process, after the replayed syncs");
    drop(server.stdin.take());
    let _ = server.wait();
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, tape, copies] = args.as_slice()
        && flag == "--serve-tape"
    {
        return serve_tape(Path::new(tape), copies.parse().expect("copies"));
    }
    let size = args.iter().find(|a| !a.starts_with("--") && a.parse::<usize>().is_err()).cloned();
    let size = size.unwrap_or_else(|| "seed".into());
    let at_least = args.iter().position(|a| a == "--replay").and_then(|i| args.get(i + 1)?.parse::<usize>().ok());
    let emulator = Emulator::shared();
    let estate = emulator.seed_fresh(&size);
    println!("seed ({size}): {} resources in {:.1} s", estate.seeded(), estate.took.as_secs_f64());
    let request = estate.sync_request();
    if let Some(at_least) = at_least {
        return replay(emulator, &estate.named, &request, at_least).await;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = emulator.write_aws_config_as(dir.path(), "ops", &estate.profiles());
    let world = SyncWorld::new(&paths);
    let store = cloudops_e2e::lookup_store::open_store(&dir.path().join("store"), world.embedder.dimension());
    let ports = || SyncPorts { store: &store, ..world.ports() };
    let emulator_pid = emulator.server_pid();
    if emulator_pid.is_none() {
        println!("(the emulator's process was not found on this machine: its CPU is unknown)");
    }
    timed(ports(), &request, "full sync", emulator_pid.as_deref(), true).await;
    timed(ports(), &request, "unchanged re-sync", emulator_pid.as_deref(), false).await;
    print_peak_rss("this process");
}
