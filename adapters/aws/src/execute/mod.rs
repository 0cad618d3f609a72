//! The executor: makes a plan step's AWS call with the user's profile, through the SDK (the
//! default) or the installed AWS CLI (`aws_cli` steps), and observes resource states for
//! waits. It makes exactly the call it is given; checking the plan is the caller's job.

mod cli;
mod ec2;
mod elbv2;
mod lambda;
mod params;
mod rds;
mod request_id;
mod s3;

use std::collections::HashMap;
use std::path::PathBuf;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use cloudops_domain::{AwsCall, PlanStep, StepKind};
use cloudops_ports::{CallOutcome, Executor, PortError, PortResult, Profile};
use serde_json::{Value, json};
use tokio::sync::Mutex;

pub use cli::{arguments as cli_arguments, find_on_path};
use params::Params;

use crate::{AwsConfigFiles, sdk_config};

/// The (service, operation) pairs the SDK executor makes; `aws_cli` steps may make others.
pub const SDK_OPERATIONS: &[(&str, &str)] = &[
    ("ec2", "StartInstances"),
    ("ec2", "StopInstances"),
    ("ec2", "RebootInstances"),
    ("ec2", "TerminateInstances"),
    ("ec2", "DescribeInstances"),
    ("ec2", "CreateSnapshot"),
    ("ec2", "CreateImage"),
    ("ec2", "ModifyInstanceAttribute"),
    ("rds", "StopDBInstance"),
    ("rds", "StartDBInstance"),
    ("rds", "RebootDBInstance"),
    ("rds", "ModifyDBInstance"),
    ("rds", "CreateDBSnapshot"),
    ("rds", "DescribeDBInstances"),
    ("rds", "StopDBCluster"),
    ("rds", "StartDBCluster"),
    ("rds", "FailoverDBCluster"),
    ("rds", "CreateDBClusterSnapshot"),
    ("s3", "PutPublicAccessBlock"),
    ("s3", "PutBucketVersioning"),
    ("s3", "ListBuckets"),
    ("s3", "DeleteBucket"),
    ("s3", "EmptyBucket"),
    ("lambda", "UpdateFunctionConfiguration"),
    ("lambda", "PutFunctionConcurrency"),
    ("lambda", "DeleteFunctionConcurrency"),
    ("lambda", "PublishVersion"),
    ("lambda", "GetFunction"),
    ("elbv2", "RegisterTargets"),
    ("elbv2", "DeregisterTargets"),
    ("elbv2", "DescribeTargetHealth"),
];

const DRY_RUN_OK: &str = "DryRunOperation: AWS says the request would have succeeded";

fn no_dry_run(service: &str) -> CallOutcome {
    CallOutcome { output: json!({}), dry_run: Some(format!("not called: {service} has no DryRun")) }
}

fn unsupported(service: &str, operation: &str) -> PortError {
    PortError::Invalid(format!(
        "the SDK executor does not make {service}:{operation}: mark the playbook step `kind: aws_cli` to run it with the AWS CLI"
    ))
}

/// An AWS error: its code (`DryRunOperation`, `InvalidDBInstanceState`) and full text.
pub(crate) struct Failure {
    code: Option<String>,
    message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Failure {
    fn from_sdk<E, R>(err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        let code = err.code().map(str::to_owned);
        let message = match err.message() {
            Some(m) => format!("{}: {m}", code.as_deref().unwrap_or("error")),
            None => DisplayErrorContext(&err).to_string(),
        };
        Self { code, message }
    }

    fn into_port(self) -> PortError {
        let denied =
            matches!(self.code.as_deref(), Some("AccessDenied" | "UnauthorizedOperation" | "AccessDeniedException"));
        if denied {
            PortError::Denied {
                what: "AWS".into(),
                detail: self.message,
                hint: "Your credentials lack this permission; ask for it or use another profile".into(),
            }
        } else {
            PortError::Other(self.message)
        }
    }
}

/// The result of an EC2 call, where a dry run's `DryRunOperation` error means success.
fn finish(out: Result<Value, Failure>, dry_run: bool) -> PortResult<CallOutcome> {
    match out {
        Ok(output) => Ok(CallOutcome { output, dry_run: dry_run.then(|| DRY_RUN_OK.to_owned()) }),
        Err(f) if dry_run && f.code.as_deref() == Some("DryRunOperation") => {
            Ok(CallOutcome { output: json!({}), dry_run: Some(DRY_RUN_OK.into()) })
        }
        Err(f) => Err(f.into_port()),
    }
}

/// Makes plan steps' calls with the user's AWS profiles.
#[derive(Debug)]
pub struct AwsExecutor {
    files: AwsConfigFiles,
    aws_cli: Option<PathBuf>,
    configs: Mutex<HashMap<(String, String), SdkConfig>>,
}

impl AwsExecutor {
    /// Uses the AWS config `files` and the `aws` found on PATH, if any.
    pub fn new(files: AwsConfigFiles) -> Self {
        Self { files, aws_cli: find_on_path("aws"), configs: Mutex::default() }
    }

    /// Uses this AWS CLI (or none) for `aws_cli` steps.
    pub fn with_aws_cli(mut self, aws: Option<PathBuf>) -> Self {
        self.aws_cli = aws;
        self
    }

    pub fn aws_cli(&self) -> Option<&PathBuf> {
        self.aws_cli.as_ref()
    }

    /// One SDK config per (profile, region), so credentials (and assumed roles) are reused
    /// across the calls and polls of an execution.
    async fn config(&self, profile: &Profile, region: &str) -> SdkConfig {
        let key = (profile.0.clone(), region.to_owned());
        let mut configs = self.configs.lock().await;
        if let Some(c) = configs.get(&key) {
            return c.clone();
        }
        let config = sdk_config(&self.files, &profile.0, Some(region)).await;
        configs.insert(key, config.clone());
        config
    }
}

/// One step's call through the SDK (EC2 with its DryRun; the other services make no call in a
/// dry run).
async fn sdk_call(config: &SdkConfig, call: &AwsCall, dry_run: bool) -> PortResult<CallOutcome> {
    let p = Params { operation: &call.operation, map: &call.parameters };
    let op = call.operation.as_str();
    if call.service == "ec2" {
        return ec2::call(config, op, &p, dry_run).await;
    }
    if !SDK_OPERATIONS.contains(&(call.service.as_str(), op)) {
        return Err(unsupported(&call.service, op));
    }
    if dry_run {
        return Ok(no_dry_run(&call.service));
    }
    let output = match call.service.as_str() {
        "rds" => rds::call(config, op, &p).await?,
        "s3" => s3::call(config, op, &p).await?,
        "lambda" => lambda::call(config, op, &p).await?,
        "elbv2" => elbv2::call(config, op, &p).await?,
        other => return Err(unsupported(other, op)),
    };
    Ok(CallOutcome { output, dry_run: None })
}

#[async_trait]
impl Executor for AwsExecutor {
    async fn call(&self, profile: &Profile, step: &PlanStep, dry_run: bool) -> PortResult<CallOutcome> {
        let call = &step.call;
        if step.kind == StepKind::AwsCli {
            let Some(aws) = &self.aws_cli else {
                return Err(PortError::Unavailable {
                    what: "the AWS CLI".into(),
                    detail: format!(
                        "step '{}' runs {}:{} with `aws`, which is not on PATH",
                        step.id, call.service, call.operation
                    ),
                    hint: "Install it (pip install awscli, or AWS's installer) and run again".into(),
                });
            };
            return cli::call(aws, &self.files, profile, call, dry_run).await;
        }
        let config = self.config(profile, call.region.as_str()).await;
        let (outcome, request_id) = request_id::recording(sdk_call(&config, call, dry_run)).await;
        outcome.map(|o| CallOutcome { output: request_id::with_request_id(o.output, request_id), ..o })
    }

    async fn observe(&self, profile: &Profile, step: &PlanStep) -> PortResult<Vec<String>> {
        let call = &step.call;
        let config = self.config(profile, call.region.as_str()).await;
        let p = Params { operation: &call.operation, map: &call.parameters };
        match call.service.as_str() {
            "ec2" if call.parameters.contains_key("InstanceIds") || call.parameters.contains_key("InstanceId") => {
                ec2::observe(&config, &p).await
            }
            "rds" => rds::observe(&config, &p).await,
            _ => Ok(Vec::new()),
        }
    }
}
