//! Which profiles the user's AWS config defines, read from the same files the AWS CLI reads.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cloudops_ports::{PortError, Profile};

/// The AWS config and credentials files to use. `None` means what the AWS CLI uses:
/// `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` / `~/.aws/credentials`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsConfigFiles {
    pub config: Option<PathBuf>,
    pub credentials: Option<PathBuf>,
    /// cloudops' own profiles file: accounts discovered through an AWS Organization (see
    /// [`AccountDirectory::organization`](cloudops_ports::AccountDirectory::organization)),
    /// read after the user's files. `None`: no discovered accounts.
    pub discovered: Option<PathBuf>,
}

impl AwsConfigFiles {
    /// The config file path in effect.
    pub fn config_path(&self) -> Option<PathBuf> {
        self.config.clone().or_else(|| env_or_home("AWS_CONFIG_FILE", "config"))
    }
    /// The credentials file path in effect.
    pub fn credentials_path(&self) -> Option<PathBuf> {
        self.credentials.clone().or_else(|| env_or_home("AWS_SHARED_CREDENTIALS_FILE", "credentials"))
    }
}

fn env_or_home(var: &str, file: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => dirs::home_dir().map(|h| h.join(".aws").join(file)),
    }
}

/// Profile names defined in the config file (`[default]`, `[profile NAME]`) and the
/// credentials file (`[NAME]`), sorted, without duplicates. `[sso-session …]` and
/// `[services …]` sections are not profiles. Missing files define no profiles; values are
/// never read.
pub fn list_profiles(files: &AwsConfigFiles) -> Result<Vec<Profile>, PortError> {
    let mut names = BTreeSet::new();
    if let Some(path) = files.config_path() {
        for section in sections(&path)? {
            if section == "default" {
                names.insert(section);
            } else if let Some(name) = section.strip_prefix("profile ") {
                names.insert(name.trim().to_owned());
            }
        }
    }
    if let Some(path) = files.credentials_path() {
        names.extend(sections(&path)?);
    }
    if let Some(path) = &files.discovered {
        names.extend(sections(path)?.iter().filter_map(|s| s.strip_prefix("profile ")).map(|n| n.trim().to_owned()));
    }
    Ok(names.into_iter().map(Profile).collect())
}

fn sections(path: &Path) -> Result<Vec<String>, PortError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(PortError::Invalid(format!("cannot read the AWS config file {}: {e}", path.display()))),
    };
    Ok(text
        .lines()
        .filter_map(|l| l.trim().strip_prefix('[')?.strip_suffix(']').map(|s| s.trim().to_owned()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_come_from_both_files_like_the_cli() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        let credentials = dir.path().join("credentials");
        std::fs::write(
            &config,
            "[default]\nregion = us-east-1\n[profile prod]\nrole_arn = arn:aws:iam::123456789012:role/x\n\
             [sso-session corp]\nsso_start_url = https://x\n[services local]\ns3 =\n  endpoint_url = http://x\n",
        )
        .unwrap();
        std::fs::write(&credentials, "[default]\naws_access_key_id = A\n[ci]\naws_access_key_id = B\n").unwrap();
        let discovered = dir.path().join("discovered");
        std::fs::write(&discovered, "# generated\n[profile org-data]\nrole_arn = arn:aws:iam::111111111111:role/r\n")
            .unwrap();
        let files =
            AwsConfigFiles { config: Some(config), credentials: Some(credentials), discovered: Some(discovered) };
        let names: Vec<String> = list_profiles(&files).unwrap().into_iter().map(|p| p.0).collect();
        assert_eq!(names, ["ci", "default", "org-data", "prod"]);
    }

    #[test]
    fn missing_files_define_no_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let files = AwsConfigFiles {
            config: Some(dir.path().join("nope")),
            credentials: Some(dir.path().join("nope2")),
            discovered: Some(dir.path().join("nope3")),
        };
        assert!(list_profiles(&files).unwrap().is_empty());
    }
}
