//! The user's cloudops config file (TOML). A missing file means defaults; a malformed one is
//! an error that names the file, the line and the fix, never silently ignored.

use std::num::{NonZeroU64, NonZeroUsize};
use std::path::Path;

use cloudops_domain::Region;
use serde::{Deserialize, Serialize};

use crate::AppError;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub aws: AwsSection,
    pub server: ServerSection,
    pub store: StoreSection,
    pub backup: BackupSection,
    pub sync: SyncSection,
}

/// Which AWS profiles and regions to sync. Empty `profiles` means every profile of the AWS
/// config; empty `regions` means each profile's own region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AwsSection {
    pub profiles: Vec<String>,
    pub regions: Vec<Region>,
    /// Also sync every account of this AWS Organization.
    pub organization: Option<OrganizationSection>,
}

/// `[aws.organization]`: list the organization's accounts through `profile` (its management
/// account or a delegated administrator; organizations:ListAccounts) and reach each one by
/// assuming `role` there (default: OrganizationAccountAccessRole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationSection {
    pub profile: String,
    #[serde(default = "default_organization_role")]
    pub role: String,
}

fn default_organization_role() -> String {
    cloudops_ports::ORGANIZATION_ACCOUNT_ACCESS_ROLE.to_owned()
}

/// The planning server. No URL: the planner runs in-process.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSection {
    pub url: Option<String>,
    /// The server's bearer token (CLOUDOPS_SERVER_TOKEN overrides it).
    pub token: Option<String>,
    /// For the in-process planner: the playbook repository (default: the playbooks this
    /// binary was built with).
    pub playbooks: Option<std::path::PathBuf>,
    /// Replace the identified resources' names, ids, ARNs, account ids and aliases with
    /// stable tokens before a request leaves, and map them back in the plan (`plan
    /// --show-request` shows what leaves).
    pub pseudonymize: bool,
}

/// Where the store's data key lives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStorage {
    /// The OS keychain (macOS Keychain, Windows Credential Manager, Secret Service).
    #[default]
    Keychain,
    /// A 0600 file under the data dir: explicit opt-in for machines without a keychain.
    File,
}

impl std::str::FromStr for KeyStorage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "keychain" => Ok(Self::Keychain),
            "file" => Ok(Self::File),
            other => Err(format!("key storage '{other}': use `keychain` or `file`")),
        }
    }
}

/// The local store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSection {
    pub key_storage: KeyStorage,
    /// A Qdrant server for the estate instead of the embedded store (scale-out option).
    pub qdrant_url: Option<String>,
    /// How long a process waits for another one to release the store before it gives up
    /// with a line naming that process (one process at a time opens the store).
    pub lock_wait_secs: u64,
}

impl Default for StoreSection {
    fn default() -> Self {
        Self { key_storage: KeyStorage::default(), qdrant_url: None, lock_wait_secs: 10 }
    }
}

/// Backups of the local store: daily local snapshots, pushed to `s3_bucket` when set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupSection {
    pub s3_bucket: Option<String>,
    pub s3_prefix: String,
    /// The AWS profile whose credentials upload backups (default: AWS_PROFILE, else `default`).
    pub profile: Option<String>,
    /// Take a snapshot automatically once a day (after a sync).
    pub daily: bool,
}

impl Default for BackupSection {
    fn default() -> Self {
        Self { s3_bucket: None, s3_prefix: "cloudops-backups".into(), profile: None, daily: true }
    }
}

/// `[sync]`: how hard a sync may push AWS. The SDK's adaptive retry mode (jittered backoff,
/// client-side rate limiting when throttled) runs under these bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncSection {
    /// (account, region, service) scans at once, over all accounts.
    pub concurrency: NonZeroUsize,
    /// Per-resource calls (tags, attributes, targets) in flight at once per account and
    /// service, over all of that account's regions.
    pub calls_per_service: NonZeroUsize,
    /// Seconds before one (account, region, service) scan is abandoned as failed; its
    /// previous resources stay in the store.
    pub scope_timeout_secs: NonZeroU64,
}

impl Default for SyncSection {
    fn default() -> Self {
        Self {
            concurrency: NonZeroUsize::new(crate::sync::DEFAULT_CONCURRENCY).unwrap_or(NonZeroUsize::MIN),
            calls_per_service: NonZeroUsize::new(8).unwrap_or(NonZeroUsize::MIN),
            scope_timeout_secs: NonZeroU64::new(300).unwrap_or(NonZeroU64::MIN),
        }
    }
}

impl Config {
    /// Loads `path`; a file that does not exist gives the defaults.
    pub fn load(path: &Path) -> Result<Self, AppError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => return Err(AppError::ConfigRead { path: path.to_owned(), source }),
        };
        toml::from_str(&text).map_err(|e| AppError::ConfigInvalid { path: path.to_owned(), message: e.to_string() })
    }

    /// Writes the config to `path` atomically (a temporary file renamed over it), 0600: it
    /// may hold the server token.
    pub fn save(&self, path: &Path) -> Result<(), AppError> {
        let text = toml::to_string_pretty(self)
            .map_err(|e| AppError::ConfigInvalid { path: path.to_owned(), message: e.to_string() })?;
        crate::backup::write_atomic(path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_defaults() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Config::load(&dir.path().join("none.toml")).unwrap(), Config::default());
    }

    #[test]
    fn valid_file_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "[aws]\nprofiles = [\"prod\"]\nregions = [\"eu-west-1\"]\n[server]\nurl = \"http://127.0.0.1:8080\"\n\
             [store]\nkey_storage = \"file\"\n[backup]\ns3_bucket = \"my-backups\"\n",
        )
        .unwrap();
        let c = Config::load(&path).unwrap();
        assert_eq!(c.aws.profiles, ["prod"]);
        assert_eq!(c.aws.regions[0].as_str(), "eu-west-1");
        assert_eq!(c.server.url.as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(c.store.key_storage, KeyStorage::File);
        assert_eq!(c.backup.s3_bucket.as_deref(), Some("my-backups"));
        assert_eq!(c.backup.s3_prefix, "cloudops-backups", "unset fields keep their defaults");
        assert!(c.backup.daily);
        assert_eq!(c.aws.organization, None);
    }

    #[test]
    fn sync_limits_load_and_zero_is_refused_with_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[sync]\ncalls_per_service = 2\n").unwrap();
        let sync = Config::load(&path).unwrap().sync;
        assert_eq!((sync.calls_per_service.get(), sync.scope_timeout_secs.get()), (2, 300));
        std::fs::write(&path, "[sync]\nscope_timeout_secs = 0\n").unwrap();
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("nonzero"), "{err}");
    }

    #[test]
    fn an_organization_needs_a_profile_and_defaults_its_role() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[aws.organization]\nprofile = \"management\"\n").unwrap();
        let org = Config::load(&path).unwrap().aws.organization.unwrap();
        assert_eq!((org.profile.as_str(), org.role.as_str()), ("management", "OrganizationAccountAccessRole"));
        std::fs::write(&path, "[aws.organization]\nrole = \"audit\"\n").unwrap();
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(err.contains("missing field `profile`"), "{err}");
    }

    #[test]
    fn bad_files_name_the_file_and_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        for (text, needle) in [
            ("[aws]\nregions = [\"oregon\"]\n", "not an AWS region code"),
            ("[aws]\nprofile = [\"x\"]\n", "unknown field `profile`"),
            ("[aws\n", "c.toml"),
            ("[store]\nkey_storage = \"disk\"\n", "unknown variant `disk`"),
        ] {
            std::fs::write(&path, text).unwrap();
            let err = Config::load(&path).unwrap_err().to_string();
            assert!(err.contains(needle) && err.contains("c.toml"), "{text:?}: {err}");
        }
    }
}
