//! What the emulator says about a resource, read with the AWS SDK through the test's own AWS
//! config (the end-to-end tests check that a change really happened there). The DB and
//! instance probes look in us-east-1, where the seed's resources the tests act on are;
//! [`blocking`] has them for synchronous tests.

use std::future::Future;

use cloudops_domain::AccountId;

use crate::AwsConfigPaths;

/// The SDK config of `profile` in `region`, resolved as cloudops resolves it.
pub async fn sdk(aws: &AwsConfigPaths, profile: &str, region: &str) -> aws_config::SdkConfig {
    let files = cloudops_aws::AwsConfigFiles {
        config: Some(aws.config.clone()),
        credentials: Some(aws.credentials.clone()),
        discovered: None,
    };
    cloudops_aws::sdk_config(&files, profile, Some(region)).await
}

/// Runs a probe of this module from a synchronous test, on a runtime of its own.
pub fn block_on<F: Future>(probe: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime").block_on(probe)
}

/// The probes for synchronous tests.
pub mod blocking {
    use super::{AwsConfigPaths, block_on};

    pub fn db_status(aws: &AwsConfigPaths, profile: &str, db: &str) -> String {
        block_on(super::db_status(aws, profile, db))
    }

    pub fn instance_state(aws: &AwsConfigPaths, profile: &str, id: &str) -> String {
        block_on(super::instance_state(aws, profile, id))
    }
}

/// The DB instance's status, as the emulator reports it.
pub async fn db_status(aws: &AwsConfigPaths, profile: &str, db: &str) -> String {
    let out = aws_sdk_rds::Client::new(&sdk(aws, profile, "us-east-1").await)
        .describe_db_instances()
        .db_instance_identifier(db)
        .send()
        .await
        .expect("describe the DB in the emulator");
    out.db_instances()[0].db_instance_status().unwrap().to_owned()
}

/// The EC2 instance's state, as the emulator reports it.
pub async fn instance_state(aws: &AwsConfigPaths, profile: &str, id: &str) -> String {
    let out = aws_sdk_ec2::Client::new(&sdk(aws, profile, "us-east-1").await)
        .describe_instances()
        .instance_ids(id)
        .send()
        .await
        .expect("describe the instance in the emulator");
    out.reservations()[0].instances()[0].state().unwrap().name().unwrap().as_str().to_owned()
}

/// A running, named EC2 instance of the seed in `account`, us-east-1: (name, id).
pub fn running_instance(manifest: &serde_json::Value, account: &AccountId) -> (String, String) {
    let r = manifest["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["account_id"] == account.as_str()
                && r["kind"] == "ec2_instance"
                && r["region"] == "us-east-1"
                && r["state"] == "running"
                && r["name"].is_string()
        })
        .expect("the seed has a running named instance");
    (r["name"].as_str().unwrap().to_owned(), r["identifier"].as_str().unwrap().to_owned())
}
