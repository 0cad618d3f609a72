//! The AccountDirectory port over STS and IAM.

use async_trait::async_trait;
use cloudops_domain::AccountId;
use cloudops_ports::{AccountDirectory, CallerIdentity, PortError, PortResult, Profile};

use crate::errors::port_error;
use crate::{AwsConfigFiles, list_profiles, sdk_config};

/// The user's AWS accounts, one per configured profile.
#[derive(Debug, Clone, Default)]
pub struct AwsAccounts {
    files: AwsConfigFiles,
}

impl AwsAccounts {
    pub fn new(files: AwsConfigFiles) -> Self {
        Self { files }
    }
}

#[async_trait]
impl AccountDirectory for AwsAccounts {
    async fn profiles(&self) -> PortResult<Vec<Profile>> {
        list_profiles(&self.files)
    }

    async fn organization(&self, via: &Profile, role: &str) -> PortResult<Vec<Profile>> {
        crate::organization::discover(&self.files, via, role).await
    }

    async fn identify(&self, profile: &Profile) -> PortResult<CallerIdentity> {
        let name = profile.0.as_str();
        let known = list_profiles(&self.files)?;
        if !known.contains(profile) {
            let names: Vec<&str> = known.iter().map(|p| p.0.as_str()).collect();
            return Err(PortError::NotFound(format!(
                "AWS profile '{name}' (profiles in your AWS config: {})",
                if names.is_empty() { "none".to_owned() } else { names.join(", ") }
            )));
        }
        let config = sdk_config(&self.files, name, None).await;
        let sts = aws_sdk_sts::Client::new(&config);
        let me = sts.get_caller_identity().send().await.map_err(|e| port_error("sts:GetCallerIdentity", name, e))?;
        let account = me.account().unwrap_or_default();
        let account_id: AccountId = account
            .parse()
            .map_err(|e| PortError::Other(format!("STS returned an invalid account id for profile '{name}': {e}")))?;
        // The alias is a nicety: a principal without iam:ListAccountAliases still works.
        let iam = aws_sdk_iam::Client::new(&config);
        let account_alias = match iam.list_account_aliases().send().await {
            Ok(out) => out.account_aliases().first().cloned(),
            Err(e) => {
                tracing::debug!(profile = name, error = %aws_sdk_iam::error::DisplayErrorContext(&e), "no account alias");
                None
            }
        };
        Ok(CallerIdentity {
            profile: profile.clone(),
            account_id,
            principal_arn: me.arn().unwrap_or_default().to_owned(),
            account_alias,
            default_region: config.region().and_then(|r| r.as_ref().parse().ok()),
        })
    }
}
