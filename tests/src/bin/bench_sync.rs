//! `cargo xtask bench sync`: seeds an estate into the emulator at `CLOUDOPS_EMULATOR_URL`, then
//! times a full sync and an unchanged re-sync with the real AWS adapters (scanners, permission
//! oracle) and prints resources/s, wall times, the CPU time this process and the emulator
//! spent on each, and peak RSS.
//!
//! The store and embedder are the in-memory fakes, so the figures are AWS reads + permission
//! evaluation + sync logic; the real store's writes and MiniLM's embedding are measured by
//! `bench store` and `bench lookup`. Against moto the emulator is the bottleneck: it answers on
//! one Python core (≈ 7 ms per instance in DescribeInstances, ≈ 10 ms per S3 bucket call).
//!
//! Usage: bench-sync [small|seed]   (default: seed)

use std::time::Instant;

use cloudops_app::sync::sync;
use cloudops_e2e::{Emulator, SyncWorld, cpu_seconds_of, peak_rss_mib};

/// Peak resident set size of this process, from /proc (Linux).
#[tokio::main]
async fn main() {
    let size = std::env::args().nth(1).unwrap_or_else(|| "seed".into());
    let emulator = Emulator::shared();
    let estate = emulator.seed_fresh(&size);
    println!("seed ({size}): {} resources in {:.1} s", estate.seeded(), estate.took.as_secs_f64());

    let dir = tempfile::tempdir().expect("temp dir");
    let paths = emulator.write_aws_config_as(dir.path(), "ops", &estate.profiles());
    let world = SyncWorld::new(&paths);
    let ports = world.ports();
    let request = estate.sync_request();

    let emulator_pid = emulator.server_pid();
    for (label, expect_embed) in [("full sync", true), ("unchanged re-sync", false)] {
        let cpu_before = (cpu_seconds_of("self"), emulator_pid.as_deref().and_then(cpu_seconds_of));
        let t = Instant::now();
        let report = match sync(ports, &request).await {
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
        // Where the time goes: summed scan time per service (targets run in parallel).
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
        // Who spent the CPU: this process (scanners, permissions, sync) or the emulator.
        let own = cpu_before.0.zip(cpu_seconds_of("self")).map(|(a, b)| b - a);
        let emu = cpu_before.1.zip(emulator_pid.as_deref().and_then(cpu_seconds_of)).map(|(a, b)| b - a);
        let show = |v: Option<f64>| v.map_or_else(|| "unknown".to_owned(), |s| format!("{s:.1} s"));
        println!(
            "  CPU during the {label}: cloudops {}, emulator {} (wall {secs:.1} s; the emulator answers on one Python core{})",
            show(own),
            show(emu),
            if emulator_pid.is_none() { ", not found on this machine" } else { "" }
        );
        if report.failed > 0 || (expect_embed == (report.embedded == 0)) {
            eprintln!("bench-sync: unexpected {label} outcome: {report:?}");
            std::process::exit(1);
        }
    }
    match peak_rss_mib() {
        Some(mib) => println!("peak RSS: {mib:.0} MiB"),
        None => println!("peak RSS: unavailable (no /proc)"),
    }
}
