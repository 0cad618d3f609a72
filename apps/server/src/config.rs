//! Server settings: flags, then environment, then the config file, then defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, bail};
use clap::Parser;
use serde::Deserialize;

/// The stateless cloudops planning server: it classifies requests, retrieves playbooks and
/// returns plans. It holds no AWS credentials and stores nothing about any estate.
#[derive(Debug, Parser)]
#[command(name = "cloudops-server", version)]
pub struct Args {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "CLOUDOPS_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// The playbook repository (a directory of YAML files in a Git work tree).
    #[arg(long, env = "CLOUDOPS_PLAYBOOKS", value_name = "DIR")]
    pub playbooks: Option<PathBuf>,
    /// A TOML config file (keys: listen, playbooks, tokens, redis_url, rate_limit_per_minute,
    /// body_limit_bytes, llm).
    #[arg(long, env = "CLOUDOPS_SERVER_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A bearer token clients must send (repeatable; env: comma-separated).
    #[arg(
        long = "token",
        env = "CLOUDOPS_SERVER_TOKENS",
        value_delimiter = ',',
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub tokens: Vec<String>,
    /// Serve without authentication. Refused unless listening on a loopback address.
    #[arg(long)]
    pub no_auth: bool,
    /// Keep rate-limit counters and playbook usage in this Redis (redis://host:port/db).
    #[arg(long, env = "CLOUDOPS_REDIS_URL", value_name = "URL")]
    pub redis_url: Option<String>,
    /// Plans per token per minute [default: 600]
    #[arg(long, env = "CLOUDOPS_RATE_LIMIT", value_name = "N")]
    pub rate_limit_per_minute: Option<u64>,
    /// Largest request body accepted, in bytes [default: 1048576]
    #[arg(long, env = "CLOUDOPS_BODY_LIMIT", value_name = "BYTES")]
    pub body_limit_bytes: Option<usize>,
    /// Do not load the language model (router only; unclear requests get a question).
    #[arg(long)]
    pub no_llm: bool,
    /// Shut down when standard input closes (for supervisors and tests that own the process).
    #[arg(long, hide = true)]
    pub exit_on_stdin_eof: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    listen: Option<SocketAddr>,
    playbooks: Option<PathBuf>,
    #[serde(default)]
    tokens: Vec<String>,
    redis_url: Option<String>,
    rate_limit_per_minute: Option<u64>,
    body_limit_bytes: Option<usize>,
    llm: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub playbooks: PathBuf,
    /// Empty means no authentication (loopback only).
    pub tokens: Vec<String>,
    pub redis_url: Option<String>,
    pub rate_limit_per_minute: u64,
    pub body_limit_bytes: usize,
    pub llm: bool,
    pub exit_on_stdin_eof: bool,
}

static BODY_LIMIT: OnceLock<usize> = OnceLock::new();

/// The body limit in words, for error messages.
pub fn limit_text() -> String {
    format!("{} bytes", BODY_LIMIT.get().copied().unwrap_or(DEFAULT_BODY_LIMIT))
}

pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

fn read_file(path: &Path) -> anyhow::Result<File> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("the config file {} is invalid", path.display()))
}

impl ServerConfig {
    pub fn resolve(args: Args) -> anyhow::Result<Self> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => File::default(),
        };
        let listen = args.listen.or(file.listen).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let Some(playbooks) = args.playbooks.or(file.playbooks) else {
            bail!(
                "no playbook repository: pass --playbooks DIR (e.g. the repository's playbooks/), set CLOUDOPS_PLAYBOOKS, or `playbooks` in --config"
            );
        };
        let tokens: Vec<String> = if args.tokens.is_empty() { file.tokens } else { args.tokens }
            .into_iter()
            .filter(|t| !t.is_empty())
            .collect();
        if let Some(short) = tokens.iter().find(|t| t.len() < 16) {
            bail!(
                "a bearer token of {} characters is too short to be secret: use at least 16 (e.g. `openssl rand -hex 24`)",
                short.len()
            );
        }
        if tokens.is_empty() && !args.no_auth {
            bail!(
                "no bearer tokens configured: pass --token TOKEN (or CLOUDOPS_SERVER_TOKENS, or `tokens` in --config); for local use on a loopback address, --no-auth"
            );
        }
        if tokens.is_empty() && !listen.ip().is_loopback() {
            bail!(
                "--no-auth is allowed only on a loopback address, not {listen}: configure tokens to listen on the network"
            );
        }
        let body_limit_bytes = args.body_limit_bytes.or(file.body_limit_bytes).unwrap_or(DEFAULT_BODY_LIMIT);
        let _ = BODY_LIMIT.set(body_limit_bytes);
        Ok(Self {
            listen,
            playbooks,
            tokens,
            redis_url: args.redis_url.or(file.redis_url).filter(|u| !u.is_empty()),
            rate_limit_per_minute: args.rate_limit_per_minute.or(file.rate_limit_per_minute).unwrap_or(600).max(1),
            body_limit_bytes,
            llm: !args.no_llm && file.llm.unwrap_or(true),
            exit_on_stdin_eof: args.exit_on_stdin_eof,
        })
    }
}
