//! AWS adapter: reads the user's AWS config exactly as the AWS CLI does (profiles,
//! `source_profile` + `role_arn`, SSO, `endpoint_url`, `AWS_CONFIG_FILE`…) and talks to AWS
//! with aws-sdk-rust. Credentials stay inside the SDK's providers: nothing here stores,
//! logs or returns them.

mod accounts;
mod backup;
mod errors;
mod execute;
mod organization;
mod permissions;
mod profiles;
mod scan;
mod sdk;
mod simulate;

pub use accounts::AwsAccounts;
pub use backup::{RETENTION_RULE_ID, S3BackupTarget};
pub use execute::{AwsExecutor, SDK_OPERATIONS, cli_arguments, find_on_path};
pub use permissions::{LocalPolicyOracle, decode_policy, permissions_for, principal_of, request_context};
pub use profiles::{AwsConfigFiles, list_profiles};
pub use scan::{AwsEstateSource, ScanLimits};
pub use sdk::sdk_config;
pub use simulate::{AutoOracle, SimulatedPolicyOracle, policy_source_arn};
