//! `cargo xtask bench plan`: POST /v1/plan on a real `cloudops-server` process (MiniLM,
//! embedded playbook index, SmolLM2 when installed): p50/p99 of the router path and of the
//! LLM path, and requests/s with 32 concurrent clients on the router path.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudops_domain::ResourceKind as K;
use cloudops_e2e::percentile_ms;
use cloudops_e2e::planner::{ServerProcess, identified};
use serde_json::json;

const ROUTER_REQUESTS: usize = 200;
const CLIENTS: usize = 32;
const PER_CLIENT: usize = 20;

fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the bench's own path");
    exe.with_file_name("cloudops-server")
}

fn timed(server: &ServerProcess, body: &serde_json::Value) -> (Duration, String) {
    let started = Instant::now();
    let answer = server.plan(body);
    let elapsed = started.elapsed();
    assert_eq!(answer.status, 200, "{}", answer.body);
    let decided = answer.header("x-cloudops-decided-by").unwrap_or_default();
    (elapsed, decided)
}

fn report(name: &str, mut times: Vec<Duration>) {
    if times.is_empty() {
        println!("{name}: no requests took this path");
        return;
    }
    times.sort();
    println!(
        "{name}: n={} p50 {:.1} ms, p99 {:.1} ms",
        times.len(),
        percentile_ms(&times, 0.5),
        percentile_ms(&times, 0.99)
    );
}

fn main() {
    let started = Instant::now();
    let server = Arc::new(ServerProcess::start(&server_binary(), &["--rate-limit-per-minute", "1000000"]));
    println!("server ready in {:.1} s (embedder, playbook index, LLM)", started.elapsed().as_secs_f64());
    let db = identified(K::RdsInstance, "pg-instance-main1", "available", |r| r.config.backup_retention_days = Some(7));
    let seed = json!({"prompt": "stop pg-instance-main1", "identified_resources": [db]});

    let mut router = Vec::new();
    for _ in 0..ROUTER_REQUESTS {
        let (t, decided) = timed(&server, &seed);
        assert_eq!(decided, "router", "the seed example must be a router decision");
        router.push(t);
    }
    report("router path (stop pg-instance-main1)", router);

    // Prompts the router leaves to the LLM: vague wording, several close playbooks.
    let f = identified(K::LambdaFunction, "image-resizer", "active", |r| r.config.memory_mb = Some(512));
    let web = identified(K::Ec2Instance, "web-1", "running", |_| {});
    let vague = [
        json!({"prompt": "image-resizer needs more room", "identified_resources": [f.clone()]}),
        json!({"prompt": "do the usual thing to pg-instance-main1 before the weekend", "identified_resources": [db.clone()]}),
        json!({"prompt": "make image-resizer faster", "identified_resources": [f.clone()]}),
        json!({"prompt": "pg-instance-main1 is acting up", "identified_resources": [db.clone()]}),
        json!({"prompt": "web-1 needs attention", "identified_resources": [web.clone()]}),
        json!({"prompt": "image-resizer keeps timing out", "identified_resources": [f]}),
        json!({"prompt": "web-1 is not answering, deal with it", "identified_resources": [web]}),
        json!({"prompt": "keep pg-instance-main1 safe", "identified_resources": [db.clone()]}),
    ];
    let mut llm = Vec::new();
    let mut other = 0;
    for round in 0..5 {
        for body in &vague {
            let (t, decided) = timed(&server, body);
            if round == 0 {
                println!("  {:<60} decided by {decided}", body["prompt"].as_str().unwrap_or_default());
            }
            if decided == "llm" {
                if round > 0 {
                    llm.push(t); // the first round warms the model up
                }
            } else {
                other += 1;
            }
        }
    }
    report("LLM path (router unsure, SmolLM2 chooses)", llm);
    if other > 0 {
        println!("  ({other} of the vague requests were decided without the LLM)");
    }

    let begin = Instant::now();
    let handles: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let server = server.clone();
            let body = seed.clone();
            std::thread::spawn(move || {
                for _ in 0..PER_CLIENT {
                    assert_eq!(server.plan(&body).status, 200);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("a client thread");
    }
    let total = CLIENTS * PER_CLIENT;
    let secs = begin.elapsed().as_secs_f64();
    println!(
        "throughput: {total} router-path plans from {CLIENTS} concurrent clients in {secs:.2} s = {:.0} requests/s",
        total as f64 / secs
    );
    if let Some(rss) = server.peak_rss_mib() {
        println!("server peak RSS {rss:.0} MiB (MiniLM, playbook index, SmolLM2 F32)");
    }
}
