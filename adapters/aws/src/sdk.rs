//! Building an SDK config for a profile, the way the AWS CLI resolves it.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_runtime::env_config::file::{EnvConfigFileKind as ProfileFileKind, EnvConfigFiles as ProfileFiles};

use crate::AwsConfigFiles;

/// The region used for global calls (STS, IAM) when the profile names none.
const FALLBACK_REGION: &str = "us-east-1";

/// An SDK config for `profile`: its credential chain (static keys, `source_profile` +
/// `role_arn`, SSO, credential_process), its region, its `endpoint_url`, with timeouts so an
/// unreachable endpoint fails in seconds rather than minutes.
pub async fn sdk_config(files: &AwsConfigFiles, profile: &str, region: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .profile_name(profile)
        // Adaptive retry: backs off and rate-limits itself when AWS throttles.
        .retry_config(RetryConfig::adaptive().with_max_attempts(5))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        );
    let discovered = files.discovered.as_ref().filter(|p| p.is_file());
    if files.config.is_some() || files.credentials.is_some() || discovered.is_some() {
        // Files not given explicitly are the AWS CLI's defaults (AWS_CONFIG_FILE, ~/.aws/…).
        let mut builder = ProfileFiles::builder()
            .include_default_config_file(files.config.is_none())
            .include_default_credentials_file(files.credentials.is_none());
        if let Some(path) = &files.config {
            builder = builder.with_file(ProfileFileKind::Config, path);
        }
        if let Some(path) = &files.credentials {
            builder = builder.with_file(ProfileFileKind::Credentials, path);
        }
        if let Some(path) = discovered {
            builder = builder.with_file(ProfileFileKind::Config, path);
        }
        loader = loader.profile_files(builder.build());
    }
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_owned()));
    }
    let config = loader.load().await;
    if config.region().is_some() {
        config
    } else {
        config.into_builder().region(Region::from_static(FALLBACK_REGION)).build()
    }
}
