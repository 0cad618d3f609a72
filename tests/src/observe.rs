//! What the emulator says about a resource, read with the AWS SDK through the test's own AWS
//! config (the end-to-end tests check that a change really happened there).

use cloudops_domain::AccountId;

use crate::AwsConfigPaths;

/// The SDK config of `profile` in us-east-1 (where the seed's resources the tests act on are).
pub async fn sdk(aws: &AwsConfigPaths, profile: &str) -> aws_config::SdkConfig {
    let files = cloudops_aws::AwsConfigFiles {
        config: Some(aws.config.clone()),
        credentials: Some(aws.credentials.clone()),
        discovered: None,
    };
    cloudops_aws::sdk_config(&files, profile, Some("us-east-1")).await
}

/// The DB instance's status, as the emulator reports it.
pub async fn db_status(aws: &AwsConfigPaths, profile: &str, db: &str) -> String {
    let out = aws_sdk_rds::Client::new(&sdk(aws, profile).await)
        .describe_db_instances()
        .db_instance_identifier(db)
        .send()
        .await
        .expect("describe the DB in the emulator");
    out.db_instances()[0].db_instance_status().unwrap().to_owned()
}

/// The EC2 instance's state, as the emulator reports it.
pub async fn instance_state(aws: &AwsConfigPaths, profile: &str, id: &str) -> String {
    let out = aws_sdk_ec2::Client::new(&sdk(aws, profile).await)
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
