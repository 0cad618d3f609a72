//! The AWS executor against moto over HTTP: SDK calls and their errors, EC2 DryRun, the
//! composite EmptyBucket, state observation for waits, and the `aws_cli` step kind (when the
//! AWS CLI is installed). Also: every call the playbooks make with the SDK is one the executor
//! makes.

use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use cloudops_aws::{AwsConfigFiles, AwsExecutor, SDK_OPERATIONS};
use cloudops_domain::{AccountId, AwsCall, PlanStep, StepKind};
use cloudops_e2e::Emulator;
use cloudops_playbooks::BuiltinPlaybookSource;
use cloudops_ports::{Executor, PlaybookSource, Profile};
use serde_json::json;

struct Setup {
    executor: AwsExecutor,
    sdk: aws_config::SdkConfig,
    account: AccountId,
    _dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    let emulator = Emulator::shared();
    let account = emulator.fresh_account();
    let dir = tempfile::tempdir().unwrap();
    let paths = emulator.write_aws_config(dir.path(), &[("e2e", &account)]);
    let files = AwsConfigFiles {
        config: Some(paths.config.clone()),
        credentials: Some(paths.credentials.clone()),
        discovered: None,
    };
    let sdk = cloudops_aws::sdk_config(&files, "e2e", Some("us-east-1")).await;
    Setup { executor: AwsExecutor::new(files), sdk, account, _dir: dir }
}

fn step(s: &Setup, service: &str, operation: &str, parameters: serde_json::Value) -> PlanStep {
    let call = AwsCall {
        service: service.into(),
        operation: operation.into(),
        parameters: serde_json::from_value(parameters).unwrap(),
        region: "us-east-1".parse().unwrap(),
        account_id: s.account.clone(),
    };
    PlanStep::new(operation, operation, call)
}

fn profile() -> Profile {
    Profile("e2e".into())
}

async fn instance(s: &Setup) -> String {
    let ec2 = aws_sdk_ec2::Client::new(&s.sdk);
    let out = ec2.run_instances().image_id("ami-1e749f67").min_count(1).max_count(1).send().await.unwrap();
    out.instances()[0].instance_id().unwrap().to_owned()
}

#[tokio::test]
async fn ec2_calls_dry_runs_and_observed_states() {
    let s = setup().await;
    let id = instance(&s).await;
    let stop = step(&s, "ec2", "StopInstances", json!({"InstanceIds": [id]}));
    assert_eq!(s.executor.observe(&profile(), &stop).await.unwrap(), ["running"]);

    let dry = s.executor.call(&profile(), &stop, true).await.unwrap();
    assert!(dry.dry_run.as_deref().is_some_and(|d| d.contains("DryRunOperation")), "{dry:?}");
    assert_eq!(s.executor.observe(&profile(), &stop).await.unwrap(), ["running"], "a dry run changes nothing");

    let done = s.executor.call(&profile(), &stop, false).await.unwrap();
    assert_eq!(done.output["StoppingInstances"][0]["InstanceId"], id.as_str(), "{done:?}");
    let states = s.executor.observe(&profile(), &stop).await.unwrap();
    assert!(states == ["stopped"] || states == ["stopping"], "{states:?}");

    // An instance that does not exist: AWS's error code, in words.
    let missing = step(&s, "ec2", "StartInstances", json!({"InstanceIds": ["i-0123456789abcdef0"]}));
    let err = s.executor.call(&profile(), &missing, false).await.unwrap_err().to_string();
    assert!(err.contains("InvalidInstanceID"), "{err}");
}

#[tokio::test]
async fn rds_calls_have_no_dry_run_and_report_aws_errors() {
    let s = setup().await;
    let rds = aws_sdk_rds::Client::new(&s.sdk);
    rds.create_db_instance()
        .db_instance_identifier("exec-db")
        .db_instance_class("db.t3.micro")
        .engine("postgres")
        .master_username("admin")
        .master_user_password("not-a-real-password")
        .allocated_storage(20)
        .send()
        .await
        .unwrap();
    let stop = step(&s, "rds", "StopDBInstance", json!({"DBInstanceIdentifier": "exec-db"}));
    let dry = s.executor.call(&profile(), &stop, true).await.unwrap();
    assert_eq!(dry.dry_run.as_deref(), Some("not called: rds has no DryRun"));
    assert_eq!(s.executor.observe(&profile(), &stop).await.unwrap(), ["available"]);
    s.executor.call(&profile(), &stop, false).await.unwrap();
    assert_eq!(s.executor.observe(&profile(), &stop).await.unwrap(), ["stopped"]);
    let err = s.executor.call(&profile(), &stop, false).await.unwrap_err().to_string();
    assert!(err.contains("InvalidDBInstanceState"), "stopping a stopped DB: {err}");
}

#[tokio::test]
async fn empty_bucket_deletes_every_version_and_marker() {
    let s = setup().await;
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&s.sdk).force_path_style(true).build());
    s3.create_bucket().bucket("exec-empty-me").send().await.unwrap();
    let versioning = VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build();
    s3.put_bucket_versioning().bucket("exec-empty-me").versioning_configuration(versioning).send().await.unwrap();
    for i in 0..30 {
        for _ in 0..2 {
            let body = aws_sdk_s3::primitives::ByteStream::from(vec![b'x'; 10]);
            s3.put_object().bucket("exec-empty-me").key(format!("k{i}")).body(body).send().await.unwrap();
        }
    }
    s3.delete_object().bucket("exec-empty-me").key("k0").send().await.unwrap();
    let empty = step(&s, "s3", "EmptyBucket", json!({"Bucket": "exec-empty-me"}));
    let out = s.executor.call(&profile(), &empty, false).await.unwrap();
    assert_eq!(out.output["Deleted"], 61, "60 versions and 1 delete marker: {out:?}");
    let left = s3.list_object_versions().bucket("exec-empty-me").send().await.unwrap();
    assert!(left.versions().is_empty() && left.delete_markers().is_empty());
    let delete = step(&s, "s3", "DeleteBucket", json!({"Bucket": "exec-empty-me"}));
    s.executor.call(&profile(), &delete, false).await.unwrap();
}

#[tokio::test]
async fn aws_cli_steps_run_the_installed_cli_with_the_profile() {
    let s = setup().await;
    let Some(aws) = s.executor.aws_cli().cloned() else {
        eprintln!(
            "SKIPPED aws_cli_steps_run_the_installed_cli_with_the_profile: no `aws` on PATH (pip install awscli)"
        );
        return;
    };
    eprintln!("using {}", aws.display());
    let id = instance(&s).await;
    let mut tag = step(&s, "ec2", "CreateTags", json!({"Resources": [id], "Tags": [{"Key": "owner", "Value": "cli"}]}));
    tag.kind = StepKind::AwsCli;
    let dry = s.executor.call(&profile(), &tag, true).await.unwrap();
    assert!(dry.dry_run.is_some(), "{dry:?}");
    s.executor.call(&profile(), &tag, false).await.unwrap();
    let ec2 = aws_sdk_ec2::Client::new(&s.sdk);
    let out = ec2.describe_instances().instance_ids(&id).send().await.unwrap();
    let tags = out.reservations()[0].instances()[0].tags();
    assert!(tags.iter().any(|t| t.key() == Some("owner") && t.value() == Some("cli")), "{tags:?}");
    // A CLI failure is an error with the CLI's words; no shell ever sees the parameters.
    let mut bad =
        step(&s, "ec2", "CreateTags", json!({"Resources": ["i-0000000000000000f; rm -rf /"], "Tags": "not-a-list"}));
    bad.kind = StepKind::AwsCli;
    let err = s.executor.call(&profile(), &bad, false).await.unwrap_err().to_string();
    assert!(err.contains("aws ec2 create-tags"), "{err}");
    let args = cloudops_aws::cli_arguments(&bad.call, &profile(), false).unwrap();
    assert_eq!(args[..3], ["ec2", "create-tags", "--cli-input-json"]);
    assert!(!args.iter().any(|a| a.contains("aws_secret_access_key")));
}

#[test]
fn every_sdk_step_of_the_playbooks_is_one_the_executor_makes() {
    let catalog = BuiltinPlaybookSource.load().unwrap();
    let mut checked = 0;
    for playbook in catalog.playbooks.values() {
        for step in playbook.steps.iter().chain(&playbook.rollback) {
            let service = step.service.as_deref().unwrap_or(&playbook.service);
            if step.kind == StepKind::AwsSdk {
                assert!(
                    SDK_OPERATIONS.contains(&(service, step.operation.as_str())),
                    "{}: {service}:{} is an SDK step the executor does not make (add it, or mark it kind: aws_cli)",
                    playbook.id,
                    step.operation
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 40, "{checked}");
}
