//! The AWS emulator harness for end-to-end tests.
//!
//! [`Emulator::shared`] gives every test in a process one moto server over real HTTP:
//! - `CLOUDOPS_EMULATOR_URL` set (as `cargo xtask test` does): attach to it;
//! - else, if `cargo xtask emulator up` left one running: attach to it;
//! - else start a private moto from the venv `localstack/emulator.sh` manages (installing it
//!   on first use) on a free port, watched so it dies with the test process.
//!
//! Tests isolate themselves with [`Emulator::fresh_account`]: moto keeps separate state per
//! account, and an AWS config written by [`Emulator::write_aws_config`] reaches each account
//! through `source_profile` + `role_arn`, exactly as users configure real AWS. Nothing needs a
//! global reset, so tests run in parallel.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cloudops_domain::{AccountId, Region, ResourceKind};
use cloudops_ports::Profile;

pub mod lookup_store;
pub mod observe;
pub mod planner;
pub mod proxy;
pub mod redis;

/// A running AWS emulator (moto) reachable over HTTP.
#[derive(Debug)]
pub struct Emulator {
    url: String,
}

/// Where the workspace is: the nearest directory with a Cargo.lock above the crate being run.
/// Read at run time (cargo sets `CARGO_MANIFEST_DIR` for `cargo test`, xtask for benches),
/// not compile time: with a shared target dir, a binary built in another checkout of the same
/// sources is reused, and must find this checkout's files.
pub fn workspace_root() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    start.ancestors().find(|dir| dir.join("Cargo.lock").is_file()).map(Path::to_path_buf).unwrap_or(start)
}

impl Emulator {
    /// The emulator shared by every test of this process. Panics with the fix when it cannot
    /// be started (a test that needs the emulator cannot run without it).
    pub fn shared() -> &'static Emulator {
        static SHARED: OnceLock<Emulator> = OnceLock::new();
        SHARED.get_or_init(|| match Self::attach_or_start() {
            Ok(e) => e,
            Err(why) => {
                panic!("AWS emulator unavailable: {why}. Run `cargo xtask emulator up` (or `cargo xtask test`).")
            }
        })
    }

    fn attach_or_start() -> Result<Emulator, String> {
        if let Ok(url) = std::env::var("CLOUDOPS_EMULATOR_URL") {
            wait_ready(&url, Duration::from_secs(10))?;
            return Ok(Emulator { url });
        }
        let script = workspace_root().join("localstack/emulator.sh");
        if let Ok(out) = Command::new("bash").arg(&script).arg("status").output()
            && out.status.success()
        {
            let status = String::from_utf8_lossy(&out.stdout).to_string();
            if let Some(url) = status.split_whitespace().nth(2).filter(|_| status.starts_with("running moto")) {
                wait_ready(url, Duration::from_secs(10))?;
                return Ok(Emulator { url: url.to_owned() });
            }
        }
        Self::start_private(&script)
    }

    fn start_private(script: &Path) -> Result<Emulator, String> {
        let out = Command::new("bash")
            .arg(script)
            .args(["setup", "moto"])
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if !out.status.success() {
            return Err(format!("{} setup moto failed", script.display()));
        }
        let venv = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let port = free_port()?;
        // A watchdog shell owns moto and kills it once this test process is gone.
        let watchdog = format!(
            "'{venv}/bin/moto_server' -H 127.0.0.1 -p {port} >/dev/null 2>&1 & m=$!; \
             while kill -0 {pid} 2>/dev/null && kill -0 $m 2>/dev/null; do sleep 0.5; done; kill $m 2>/dev/null",
            pid = std::process::id()
        );
        Command::new("sh")
            .args(["-c", &watchdog])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start moto: {e}"))?;
        let url = format!("http://127.0.0.1:{port}");
        wait_ready(&url, Duration::from_secs(60))?;
        Ok(Emulator { url })
    }

    /// The process id of the moto server answering at [`Self::url`], when it runs on this
    /// machine (found by its command line: `moto_server … -p PORT`).
    pub fn server_pid(&self) -> Option<String> {
        let port = self.url.rsplit(':').next()?.to_owned();
        std::fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
            let pid = entry.file_name().to_str()?.to_owned();
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
            let is_moto = args.iter().any(|a| a.ends_with(b"moto_server"));
            let on_port = args.windows(2).any(|w| w[0] == b"-p" && w[1] == port.as_bytes());
            (is_moto && on_port).then_some(pid)
        })
    }

    /// The endpoint URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A new random account id, unused by any other test: its state in moto starts empty.
    pub fn fresh_account(&self) -> AccountId {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let mut h = RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u32(std::process::id());
        let n = 100_000_000_000 + h.finish() % 800_000_000_000;
        n.to_string().parse().expect("12 digits")
    }

    /// Writes an AWS config + credentials file pair into `dir` the way a user with several
    /// accounts would: a `cloudops-e2e-source` profile with static keys, and one profile per
    /// `(name, account)` that assumes `arn:aws:iam::ACCOUNT:role/cloudops-e2e` through it.
    /// Every profile points at the emulator with `endpoint_url`.
    pub fn write_aws_config(&self, dir: &Path, profiles: &[(&str, &AccountId)]) -> AwsConfigPaths {
        self.write_aws_config_as(dir, "cloudops-e2e", profiles)
    }

    /// Like [`Emulator::write_aws_config`], assuming role `role` in each account (the seeded
    /// estates give role `ops` real policies).
    pub fn write_aws_config_as(&self, dir: &Path, role: &str, profiles: &[(&str, &AccountId)]) -> AwsConfigPaths {
        write_aws_config_at(&self.url, dir, role, profiles)
    }
}

/// Like [`Emulator::write_aws_config_as`], with every profile's `endpoint_url` at `url` (a
/// [`proxy::FaultProxy`] in front of the emulator, or replaying it).
pub fn write_aws_config_at(url: &str, dir: &Path, role: &str, profiles: &[(&str, &AccountId)]) -> AwsConfigPaths {
    let mut config = format!("[profile cloudops-e2e-source]\nregion = us-east-1\nendpoint_url = {url}\n");
    for (name, account) in profiles {
        config.push_str(&format!(
            "\n[profile {name}]\nrole_arn = arn:aws:iam::{account}:role/{role}\n\
             source_profile = cloudops-e2e-source\nrole_session_name = cloudops-e2e\n\
             region = us-east-1\nendpoint_url = {url}\n"
        ));
    }
    let credentials = "[cloudops-e2e-source]\naws_access_key_id = test\naws_secret_access_key = test\n";
    let paths = AwsConfigPaths { config: dir.join("config"), credentials: dir.join("credentials") };
    std::fs::write(&paths.config, config).expect("write AWS config");
    std::fs::write(&paths.credentials, credentials).expect("write AWS credentials");
    paths
}

impl Emulator {
    /// Seeds `accounts` (in the seeder's order: staging, production[, development]) with the
    /// estate of `size` (`small` or `seed`, see `fixtures/seed_estate.py`) and returns the
    /// manifest of what was seeded.
    pub fn seed(&self, size: &str, accounts: &[&AccountId]) -> serde_json::Value {
        let script = workspace_root().join("localstack/emulator.sh");
        let venv = Command::new("bash").arg(&script).args(["venv", "moto"]).output().expect("emulator.sh venv");
        let python = PathBuf::from(String::from_utf8_lossy(&venv.stdout).trim()).join("bin/python");
        let dir = tempfile::tempdir().expect("temp dir");
        let manifest = dir.path().join("manifest.json");
        let ids: Vec<&str> = accounts.iter().map(|a| a.as_str()).collect();
        let out = Command::new(python)
            .arg(workspace_root().join("fixtures/seed_estate.py"))
            .args(["--endpoint", &self.url, "--size", size, "--account-ids", &ids.join(",")])
            .arg("--manifest")
            .arg(&manifest)
            .output()
            .expect("run the seeder");
        assert!(out.status.success(), "seeding failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_str(&std::fs::read_to_string(&manifest).expect("manifest")).expect("manifest is JSON")
    }
}

/// An estate the seeder wrote into fresh accounts, each named by the profile a user would
/// give it (`staging`, `prod`, and `dev` for the seed size).
#[derive(Debug)]
pub struct SeededEstate {
    pub named: Vec<(&'static str, AccountId)>,
    pub manifest: serde_json::Value,
    /// How long seeding took.
    pub took: Duration,
}

impl SeededEstate {
    /// The profile/account pairs, as `write_aws_config_at` takes them.
    pub fn profiles(&self) -> Vec<(&str, &AccountId)> {
        self.named.iter().map(|(p, a)| (*p, a)).collect()
    }

    /// The regions the estate was seeded in.
    pub fn regions(&self) -> Vec<Region> {
        self.manifest["regions"].as_array().into_iter().flatten().filter_map(|r| r.as_str()?.parse().ok()).collect()
    }

    /// Resources the seeder created (a sync finds more: default VPCs, root volumes).
    pub fn seeded(&self) -> usize {
        self.manifest["resources"].as_array().map_or(0, Vec::len)
    }

    /// A sync request for every profile and region of the estate, every kind.
    pub fn sync_request(&self) -> cloudops_app::sync::SyncRequest {
        cloudops_app::sync::SyncRequest {
            profiles: self.named.iter().map(|(p, _)| Profile((*p).into())).collect(),
            regions: self.regions(),
            kinds: ResourceKind::ALL.to_vec(),
            concurrency: cloudops_app::sync::DEFAULT_CONCURRENCY,
            full: false,
            organization: None,
        }
    }
}

impl Emulator {
    /// Seeds the estate of `size` into fresh accounts.
    pub fn seed_fresh(&self, size: &str) -> SeededEstate {
        let profiles: &[&'static str] = if size == "seed" { &["staging", "prod", "dev"] } else { &["staging", "prod"] };
        let named: Vec<(&'static str, AccountId)> = profiles.iter().map(|p| (*p, self.fresh_account())).collect();
        let started = Instant::now();
        let manifest = self.seed(size, &named.iter().map(|(_, a)| a).collect::<Vec<_>>());
        SeededEstate { named, manifest, took: started.elapsed() }
    }
}

/// Paths of an AWS config file pair written for a test.
#[derive(Debug, Clone)]
pub struct AwsConfigPaths {
    pub config: PathBuf,
    pub credentials: PathBuf,
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// Polls `GET {url}/moto-api/` until it answers 200.
fn wait_ready(url: &str, timeout: Duration) -> Result<(), String> {
    let address = url.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let deadline = Instant::now() + timeout;
    loop {
        if http_get_status(&address, "/moto-api/") == Some(200) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("no emulator answered at {url} within {}s", timeout.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A minimal HTTP/1.0 GET, enough for a readiness probe without an HTTP client dependency.
fn http_get_status(address: &str, path: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// The real AWS adapters for one AWS config, with the in-memory store and embedder (until the
/// embedded Qdrant store and MiniLM land), ready to run the sync use case.
#[derive(Debug)]
pub struct SyncWorld {
    pub files: cloudops_aws::AwsConfigFiles,
    pub accounts: cloudops_aws::AwsAccounts,
    pub source: cloudops_aws::AwsEstateSource,
    pub oracle: cloudops_aws::AutoOracle,
    pub store: cloudops_fakes::MemoryEstateStore,
    pub embedder: cloudops_fakes::HashEmbedder,
}

impl SyncWorld {
    pub fn new(paths: &AwsConfigPaths) -> Self {
        Self::with_files(cloudops_aws::AwsConfigFiles {
            config: Some(paths.config.clone()),
            credentials: Some(paths.credentials.clone()),
            discovered: None,
        })
    }

    pub fn with_files(files: cloudops_aws::AwsConfigFiles) -> Self {
        Self {
            accounts: cloudops_aws::AwsAccounts::new(files.clone()),
            source: cloudops_aws::AwsEstateSource::new(files.clone()),
            oracle: cloudops_aws::AutoOracle::new(files.clone()),
            store: Default::default(),
            embedder: Default::default(),
            files,
        }
    }

    pub fn ports(&self) -> cloudops_app::sync::SyncPorts<'_> {
        cloudops_app::sync::SyncPorts {
            accounts: &self.accounts,
            source: &self.source,
            oracle: &self.oracle,
            store: &self.store,
            embedder: &self.embedder,
            clock: &cloudops_ports::SystemClock,
            sink: &cloudops_ports::NoProgress,
        }
    }
}

/// CPU time (user + system) process `pid` (`self` for this one) has used, in seconds; None
/// without /proc. /proc reports it in USER_HZ ticks, 100 per second on Linux.
pub fn cpu_seconds_of(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) in parentheses: state is the 3rd
    // field of the line, utime the 14th and stime the 15th.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Peak resident memory of this process (VmHWM), for the benchmarks; None without /proc.
pub fn peak_rss_mib() -> Option<f64> {
    peak_rss_mib_of("self")
}

/// Peak resident memory of process `pid` (`self` for this one), in MiB; None without /proc.
pub fn peak_rss_mib_of(pid: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 =
        status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb / 1024.0)
}

/// The `p`-quantile (0.0..=1.0) of `sorted` durations, in milliseconds (benches).
pub fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx].as_secs_f64() * 1000.0
}
