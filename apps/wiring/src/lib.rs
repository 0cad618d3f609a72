//! The one wiring function: [`open`] builds THE cloudops [`Client`] on this machine's real
//! adapters — the AWS SDK, the embedded qdrant-edge store, MiniLM, the OS keychain (or the
//! key file), the planning server or the in-process planner — from paths, config and key
//! storage. The CLI and the desktop app call it once per process; neither builds adapters
//! itself. The few store operations that must run with the store closed (restore, key
//! rotation) are here too, as they act on the adapters' files.

mod embedder;
mod maintenance;
mod planner;
mod stores;

use std::path::PathBuf;
use std::sync::Arc;

use cloudops_app::config::KeyStorage;
use cloudops_app::{AppPaths, Client, ClientError, ClientParts, Config};
use cloudops_aws::{AutoOracle, AwsAccounts, AwsConfigFiles, AwsEstateSource, AwsExecutor, ScanLimits};
use cloudops_keychain::{FileSecretStore, KeychainSecretStore};
use cloudops_playbooks::{BuiltinPlaybookSource, DirPlaybookSource};
use cloudops_ports::{BackupTarget, PlannerClient, PlaybookSource, SecretStore, SystemClock};

pub use maintenance::{RestoreReport, RotateReport, restore, rotate};
pub use stores::EdgeLocalStores;

/// What a front end knows before the client exists: its flags and environment.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--data-dir` / CLOUDOPS_DATA_DIR (else the platform default).
    pub data_dir: Option<PathBuf>,
    /// `--config` / CLOUDOPS_CONFIG (else the platform default).
    pub config: Option<PathBuf>,
    /// `--key-storage` (else the config's).
    pub key_storage: Option<KeyStorage>,
    /// `--server` / CLOUDOPS_SERVER (else the config's `[server] url`; none: plan in-process).
    pub server: Option<String>,
    pub server_token: Option<String>,
    /// Who approves on this machine (else $USER / $USERNAME).
    pub user: Option<String>,
    /// The AWS config and credentials files (else as the AWS CLI finds them: AWS_CONFIG_FILE,
    /// AWS_SHARED_CREDENTIALS_FILE, ~/.aws).
    pub aws_config_file: Option<PathBuf>,
    pub aws_credentials_file: Option<PathBuf>,
}

/// The paths of `options` (for commands that need no client, such as `doctor`).
pub fn paths(options: &Options) -> Result<AppPaths, ClientError> {
    Ok(AppPaths::resolve(options.data_dir.clone(), options.config.clone())?)
}

/// The AWS config files of `options` (by default as the AWS CLI finds them), plus the
/// profiles cloudops discovered through an AWS Organization (kept in the data dir).
pub fn aws_files(options: &Options, paths: &AppPaths) -> AwsConfigFiles {
    AwsConfigFiles {
        config: options.aws_config_file.clone(),
        credentials: options.aws_credentials_file.clone(),
        discovered: Some(paths.data_dir.join("aws-organization-profiles")),
    }
}

/// The AWS account directory (profiles, caller identity), for `doctor`.
pub fn accounts(options: &Options, paths: &AppPaths) -> AwsAccounts {
    AwsAccounts::new(aws_files(options, paths))
}

/// Checks a planning server URL before it is saved to the config.
pub fn check_server_url(url: &str) -> Result<(), ClientError> {
    cloudops_http::HttpPlannerClient::new(url, None)?;
    Ok(())
}

fn user_name(options: &Options) -> String {
    options
        .user
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// The secret store in effect, and what to say when a key is created in it.
pub(crate) fn secret_store(
    paths: &AppPaths,
    config: &Config,
    flag: Option<KeyStorage>,
) -> (Arc<dyn SecretStore>, Option<String>) {
    match flag.unwrap_or(config.store.key_storage) {
        KeyStorage::Keychain => (Arc::new(KeychainSecretStore::default()), None),
        KeyStorage::File => (
            Arc::new(FileSecretStore::new(paths.keys_dir())),
            Some(format!(
                "{}. The data key was just created in {}; set `key_storage = \"keychain\"` under [store] on a \
                 machine with a keychain",
                FileSecretStore::WARNING,
                paths.keys_dir().display()
            )),
        ),
    }
}

/// The client's own playbooks: the configured directory, else the built-in ones.
fn client_playbooks(config: &Config) -> Arc<dyn PlaybookSource> {
    match &config.server.playbooks {
        Some(dir) => Arc::new(DirPlaybookSource::new(dir)),
        None => Arc::new(BuiltinPlaybookSource),
    }
}

/// The configured S3 backup target, if any (`[backup] s3_bucket`).
async fn s3_target(config: &Config) -> Option<Arc<dyn BackupTarget>> {
    let bucket = config.backup.s3_bucket.as_deref()?;
    let profile = config
        .backup
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".into());
    let sdk = cloudops_aws::sdk_config(&AwsConfigFiles::default(), &profile, None).await;
    Some(Arc::new(cloudops_aws::S3BackupTarget::new(&sdk, &profile, bucket, &config.backup.s3_prefix)))
}

/// Opens the client of this machine: reads the config, picks the key storage and the
/// planner, and builds every adapter. Opens no store and loads no model yet (the client does
/// that on first use), so it is cheap; call it once per process and share the client.
pub async fn open(options: &Options) -> Result<Client, ClientError> {
    let paths = paths(options)?;
    let config = Config::load(&paths.config_file)?;
    let (secrets, key_created_notice) = secret_store(&paths, &config, options.key_storage);
    let files = aws_files(options, &paths);
    let playbooks = client_playbooks(&config);
    let embedder = embedder::discover();
    let server = options.server.clone().or_else(|| config.server.url.clone()).filter(|s| !s.is_empty());
    let (planner, planner_name): (Arc<dyn PlannerClient>, String) = match server {
        Some(url) => {
            let token = options.server_token.clone().or_else(|| config.server.token.clone());
            (Arc::new(cloudops_http::HttpPlannerClient::new(&url, token)?), url)
        }
        None => (Arc::new(planner::LazyLocalPlanner::new(playbooks.clone(), embedder.clone())), "local".to_owned()),
    };
    let limits = ScanLimits {
        calls_per_account_service: config.sync.calls_per_service.get(),
        scope_timeout: std::time::Duration::from_secs(config.sync.scope_timeout_secs.get()),
    };
    let parts = ClientParts {
        user: user_name(options),
        secrets,
        stores: Arc::new(
            EdgeLocalStores::new(paths.clone()).with_wait(std::time::Duration::from_secs(config.store.lock_wait_secs)),
        ),
        embedder,
        planner,
        planner_name,
        playbooks,
        accounts: Arc::new(AwsAccounts::new(files.clone())),
        source: Arc::new(AwsEstateSource::new(files.clone()).with_limits(limits)),
        oracle: Arc::new(AutoOracle::new(files.clone())),
        executor: Arc::new(AwsExecutor::new(files)),
        backup_target: s3_target(&config).await,
        clock: Arc::new(SystemClock),
        key_created_notice,
        paths,
        config,
    };
    Ok(Client::new(parts))
}
