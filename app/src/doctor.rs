//! `doctor`: is cloudops set up? Where its data and config are, and which AWS accounts each
//! profile reaches (one STS call per profile, all at once).

use std::path::{Path, PathBuf};

use cloudops_ports::{AccountDirectory, Profile};
use serde::Serialize;

use crate::{AppError, AppPaths, Config};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirCheck {
    pub path: PathBuf,
    pub exists: bool,
    /// False when this check failed.
    pub ok: bool,
    /// Words for people: "ok", "created on first sync", "not writable: …".
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileCheck {
    pub profile: String,
    pub account_id: Option<String>,
    pub account_alias: Option<String>,
    pub principal_arn: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoctorReport {
    pub data_dir: DirCheck,
    pub config_file: DirCheck,
    pub profiles: Vec<ProfileCheck>,
}

impl DoctorReport {
    /// True when every check passed.
    pub fn healthy(&self) -> bool {
        self.data_dir.ok
            && self.config_file.ok
            && !self.profiles.is_empty()
            && self.profiles.iter().all(|p| p.error.is_none())
    }
}

/// Runs the checks. Profiles are the config's `aws.profiles`, else all the AWS config defines.
pub async fn doctor(
    paths: &AppPaths,
    config: &Config,
    accounts: &dyn AccountDirectory,
) -> Result<DoctorReport, AppError> {
    let profiles: Vec<Profile> = if config.aws.profiles.is_empty() {
        accounts.profiles().await?
    } else {
        config.aws.profiles.iter().cloned().map(Profile).collect()
    };
    let checks = futures::future::join_all(profiles.iter().map(|p| async move {
        match accounts.identify(p).await {
            Ok(id) => ProfileCheck {
                profile: p.0.clone(),
                account_id: Some(id.account_id.to_string()),
                account_alias: id.account_alias,
                principal_arn: Some(id.principal_arn),
                error: None,
            },
            Err(e) => ProfileCheck {
                profile: p.0.clone(),
                account_id: None,
                account_alias: None,
                principal_arn: None,
                error: Some(e.to_string()),
            },
        }
    }))
    .await;
    Ok(DoctorReport {
        data_dir: check_data_dir(&paths.data_dir),
        config_file: check_config(&paths.config_file),
        profiles: checks,
    })
}

fn check_data_dir(path: &Path) -> DirCheck {
    let exists = path.is_dir();
    let (ok, status) = if !exists {
        (true, "missing: created on first sync".to_owned())
    } else {
        match std::fs::metadata(path) {
            Ok(m) if m.permissions().readonly() => {
                (false, "not writable: fix its permissions or pass --data-dir".to_owned())
            }
            Ok(_) => (true, "ok".to_owned()),
            Err(e) => (false, format!("unreadable: {e}")),
        }
    };
    DirCheck { path: path.to_owned(), exists, ok, status }
}

fn check_config(path: &Path) -> DirCheck {
    let exists = path.is_file();
    let (ok, status) = match Config::load(path) {
        Ok(_) if exists => (true, "ok".to_owned()),
        Ok(_) => (true, "not found: defaults in use".to_owned()),
        Err(e) => (false, e.to_string()),
    };
    DirCheck { path: path.to_owned(), exists, ok, status }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use cloudops_ports::{CallerIdentity, PortError, PortResult};

    /// Two profiles: `good` answers, `bad` is unreachable.
    struct TwoProfiles;

    #[async_trait]
    impl AccountDirectory for TwoProfiles {
        async fn profiles(&self) -> PortResult<Vec<Profile>> {
            Ok(vec![Profile("bad".into()), Profile("good".into())])
        }
        async fn identify(&self, profile: &Profile) -> PortResult<CallerIdentity> {
            match profile.0.as_str() {
                "good" => Ok(CallerIdentity {
                    profile: profile.clone(),
                    account_id: "123456789012".parse().unwrap(),
                    principal_arn: "arn:aws:iam::123456789012:user/me".into(),
                    account_alias: Some("acme".into()),
                    default_region: None,
                }),
                other => Err(PortError::NotFound(format!("AWS profile '{other}'"))),
            }
        }
    }

    #[tokio::test]
    async fn reports_each_profile_and_the_paths() {
        let dir = tempfile::tempdir().unwrap();
        let paths = AppPaths { data_dir: dir.path().join("data"), config_file: dir.path().join("config.toml") };
        let report = doctor(&paths, &Config::default(), &TwoProfiles).await.unwrap();
        assert_eq!(report.profiles.len(), 2);
        assert_eq!(report.profiles[1].account_alias.as_deref(), Some("acme"));
        assert!(report.profiles[0].error.as_deref().unwrap().contains("'bad'"));
        assert!(!report.healthy());
        assert!(!report.data_dir.exists && report.data_dir.status.contains("first sync"));
        assert!(report.config_file.status.contains("defaults"));

        let only_good = Config {
            aws: crate::config::AwsSection { profiles: vec!["good".into()], ..Default::default() },
            ..Default::default()
        };
        assert!(doctor(&paths, &only_good, &TwoProfiles).await.unwrap().healthy());
    }
}
