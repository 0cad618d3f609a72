//! `cargo xtask eval plan`: the paraphrase suite (`cloudops_fixtures::eval_cases`, ≥ 500
//! prompts over an estate of four accounts) through the real pipeline — the client's lookup
//! over a real store with MiniLM vectors, the request builder, a real `cloudops-server`
//! (router, SmolLM2 when installed, agent) over HTTP, and the client's plan guard.
//!
//! Prints accuracy (intent + resource + parameters all right) overall and per playbook, the
//! confusion pairs, the count of plans whose verb the prompt's words contradict, and the
//! router path's p50. Exits 1 when a contradicting-verb plan is returned (an invariant, not a
//! figure); accuracy is printed against its target. `--verbose` lists every wrong answer;
//! `--prompt TEXT` shows what the lookup and the planner make of one prompt.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use cloudops_app::lookup::Lookup;
use cloudops_app::request;
use cloudops_domain::{Catalog, PlanResponse, Resource, verbs};
use cloudops_e2e::lookup_store::{embedder, open_estate};
use cloudops_e2e::percentile_ms;
use cloudops_e2e::planner::ServerProcess;
use cloudops_fixtures::{EvalCase, eval_cases, eval_estate};
use cloudops_ports::PlaybookSource;
use serde_json::Value;

/// The client's lookup limit (`request::MAX_FILTER_MATCHES`, as `Client::plan` uses).
const LOOKUP_LIMIT: usize = request::MAX_FILTER_MATCHES;
const TARGET_ACCURACY: f64 = 97.0;
const TARGET_ROUTER_P50_MS: f64 = 10.0;

fn server_binary() -> PathBuf {
    std::env::current_exe().expect("the eval's own path").with_file_name("cloudops-server")
}

/// What went wrong with one case, or `None` when all of it is right.
fn judge(case: &EvalCase, response: &PlanResponse, estate: &[Resource]) -> Option<String> {
    let expected = &case.expected;
    if let Some(c) = &response.clarification {
        return Some(format!("asked: {}", c.question));
    }
    if !response.blocked.is_empty() {
        return Some(format!("blocked: {:?}", response.blocked.iter().map(|b| &b.message).collect::<Vec<_>>()));
    }
    let got = response.playbook.as_ref().map_or("-", |p| p.id.as_str());
    if got != expected.playbook {
        return Some(format!("planned {got}"));
    }
    if let Some((name, alias)) = expected.target {
        let resource = estate
            .iter()
            .find(|r| r.name.as_deref() == Some(name) && r.account_alias.as_deref() == Some(alias))
            .expect("the expected target is in the estate");
        let steps = &response.script.steps;
        let elsewhere =
            steps.iter().any(|s| s.call.account_id != resource.account_id || s.call.region != resource.region);
        let named = steps.iter().any(|s| {
            let text = serde_json::to_string(&s.call.parameters).unwrap_or_default();
            text.contains(resource.identifier.as_str()) || text.contains(resource.arn.as_str())
        });
        if elsewhere || !named {
            return Some(format!("wrong target (wanted {name} in {alias})"));
        }
    }
    for (pointer, want) in &expected.params {
        let want: Value = match want.strip_prefix("\"@id:").and_then(|w| w.strip_suffix('"')) {
            Some(name) => {
                let r = estate.iter().find(|r| r.name.as_deref() == Some(name)).expect("named resource");
                Value::from(r.identifier.as_str())
            }
            None => serde_json::from_str(want).expect("expected JSON"),
        };
        let found = response.script.steps.iter().find_map(|s| {
            let params = serde_json::to_value(&s.call.parameters).ok()?;
            params.pointer(pointer).cloned()
        });
        let matches = found.as_ref().is_some_and(|f| *f == want || f.as_str() == Some(&want.to_string()));
        if !matches {
            return Some(format!("{pointer} = {} (wanted {want})", found.map_or("nothing".into(), |f| f.to_string())));
        }
    }
    None
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let started = Instant::now();
    let estate = eval_estate();
    let cases = eval_cases();
    let catalog: Catalog = cloudops_playbooks::DirPlaybookSource::new(cloudops_e2e::workspace_root().join("playbooks"))
        .load()
        .expect("the repository's playbooks");
    let utterances: Vec<String> =
        catalog.playbooks.values().flat_map(|p| p.utterances.iter().map(|u| u.to_lowercase())).collect();
    let recalled = cases.iter().filter(|c| utterances.contains(&c.prompt.to_lowercase())).count();

    let dir = tempfile::tempdir().expect("a temp dir");
    let model = embedder();
    let (store, _) = open_estate(dir.path(), &estate, &model, estate.len()).await;
    let lookup = Lookup::from_resources(estate.clone());
    let server = ServerProcess::start(&server_binary(), &["--rate-limit-per-minute", "1000000"]);
    println!(
        "eval plan: {} prompts over {} resources in {} accounts; ready in {:.1} s",
        cases.len(),
        estate.len(),
        cloudops_fixtures::EVAL_ACCOUNTS.len(),
        started.elapsed().as_secs_f64()
    );

    // `--prompt TEXT`: what the lookup and the planner make of one prompt, then stop.
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--prompt") {
        let prompt = args.get(at + 1).expect("--prompt TEXT");
        let found = lookup.search(&store, Some(&model), prompt, LOOKUP_LIMIT).await.expect("lookup");
        println!("parsed: {:?}\nverdict: {:?}", found.parsed, found.ranking.verdict);
        for c in found.ranking.candidates.iter().take(5) {
            println!("  {:.3} {} ({})", c.score, c.resource.name.as_deref().unwrap_or("-"), c.resource.arn);
        }
        let sent = request::build(prompt, &found, None, Vec::new());
        let answer = server.plan(&serde_json::to_value(&sent).expect("request JSON"));
        println!("decided by {:?}: {}", answer.header("x-cloudops-decided-by"), answer.body);
        return;
    }

    let mut per_playbook: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut confusions: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut failures: Vec<String> = Vec::new();
    let mut contradicting = Vec::new();
    let mut router_times: Vec<Duration> = Vec::new();
    let mut llm_decided = 0usize;
    let mut right = 0usize;
    let mut untuned = (0usize, 0usize);
    for case in &cases {
        let found = lookup.search(&store, Some(&model), &case.prompt, LOOKUP_LIMIT).await.expect("lookup");
        let sent = request::build(&case.prompt, &found, None, Vec::new());
        let body = serde_json::to_value(&sent).expect("request JSON");
        let asked = Instant::now();
        let answer = server.plan(&body);
        let elapsed = asked.elapsed();
        assert_eq!(answer.status, 200, "{}: {}", case.prompt, answer.body);
        match answer.header("x-cloudops-decided-by").as_deref() {
            Some("router") => router_times.push(elapsed),
            Some(d) if d.starts_with("llm") => llm_decided += 1,
            _ => {}
        }
        let response: PlanResponse = serde_json::from_str(&answer.body).expect("a PlanResponse");
        // The invariant: a plan to run whose playbook verb the prompt's words contradict.
        if let Some(cited) = response.playbook.as_ref().and_then(|p| catalog.playbooks.get(&p.id))
            && response.clarification.is_none()
            && let Err(c) = verbs::check(&case.prompt, &sent.identified_resources, cited.verb)
        {
            contradicting.push(format!("{:?} → {} ({c})", case.prompt, cited.id));
        }
        let entry = per_playbook.entry(case.expected.playbook).or_default();
        entry.1 += 1;
        untuned.1 += usize::from(case.untuned);
        match judge(case, &response, &estate) {
            None => {
                right += 1;
                entry.0 += 1;
                untuned.0 += usize::from(case.untuned);
            }
            Some(problem) => {
                let got = if response.clarification.is_some() {
                    "(question)".to_owned()
                } else {
                    response.playbook.as_ref().map_or("-".into(), |p| p.id.clone())
                };
                *confusions.entry((case.expected.playbook.to_owned(), got)).or_default() += 1;
                failures.push(format!("  {:?}: {problem}", case.prompt));
            }
        }
    }

    println!("\nper playbook (right / prompts):");
    for (playbook, (ok, n)) in &per_playbook {
        println!("  {playbook:<36} {ok:>3} / {n:<3} {:>6.1} %", 100.0 * *ok as f64 / *n as f64);
    }
    let mut pairs: Vec<_> = confusions.into_iter().collect();
    pairs.sort_by_key(|p| std::cmp::Reverse(p.1));
    println!("\nconfusion pairs (expected → got: count):");
    for ((expected, got), n) in pairs.iter().take(20) {
        println!("  {expected} → {got}: {n}");
    }
    if std::env::args().any(|a| a == "--verbose") {
        println!("\nwrong answers:");
        failures.iter().for_each(|f| println!("{f}"));
    } else {
        println!("\nfirst wrong answers (--verbose for all):");
        failures.iter().take(15).for_each(|f| println!("{f}"));
    }
    router_times.sort();
    let accuracy = 100.0 * right as f64 / cases.len() as f64;
    let router_p50 = if router_times.is_empty() { f64::NAN } else { percentile_ms(&router_times, 0.5) };
    println!("\nprompts among the playbooks' own utterances: {recalled} of {} (held out: the rest)", cases.len());
    println!(
        "intent + resource + parameters all right: {right} / {} = {accuracy:.1} % (target ≥ {TARGET_ACCURACY} %: {})",
        cases.len(),
        if accuracy >= TARGET_ACCURACY { "met" } else { "NOT met" }
    );
    println!(
        "  of which the second set (written after the first round of tuning): {} / {} = {:.1} %",
        untuned.0,
        untuned.1,
        100.0 * untuned.0 as f64 / untuned.1.max(1) as f64
    );
    // The client answers estate questions itself (never reaching the planner): a prompt that
    // asks for a change must never be read as one.
    let mut questions = 0usize;
    let mut swallowed = Vec::new();
    for case in &cases {
        if cloudops_domain::insights::asked(&case.prompt).is_some() {
            questions += 1;
            let verb = catalog.playbooks.get(case.expected.playbook).map(|p| p.verb);
            if verb.is_some_and(cloudops_domain::Verb::is_mutating) {
                swallowed.push(format!("  {:?} (wanted {})", case.prompt, case.expected.playbook));
            }
        }
    }
    println!(
        "estate questions the client answers from the local store: {questions}; of them asking for a change: {} (target 0)",
        swallowed.len()
    );
    swallowed.iter().for_each(|s| println!("{s}"));
    println!("contradicting-verb plans: {} (target 0)", contradicting.len());
    contradicting.iter().for_each(|c| println!("  {c}"));
    println!(
        "router path: n={} p50 {router_p50:.1} ms per /v1/plan over HTTP (target ≤ {TARGET_ROUTER_P50_MS} ms: {}); LLM decided {llm_decided}",
        router_times.len(),
        if router_p50 <= TARGET_ROUTER_P50_MS { "met" } else { "NOT met" }
    );
    println!("eval finished in {:.1} s", started.elapsed().as_secs_f64());
    if !contradicting.is_empty() || !swallowed.is_empty() {
        std::process::exit(1);
    }
}
