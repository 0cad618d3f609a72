//! The `aws_cli` step kind: spawns the installed AWS CLI — never a shell — with the call's
//! parameters as `--cli-input-json`, the step's region and the user's profile (the CLI reads
//! the same config files and environment, so it acts as the same principal). Nothing secret is
//! put on the command line.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cloudops_domain::{AwsCall, plan::kebab_case};
use cloudops_ports::{CallOutcome, PortError, PortResult, Profile};

use crate::AwsConfigFiles;
use serde_json::Value;

/// How long one CLI call may take.
const CLI_TIMEOUT: Duration = Duration::from_secs(300);

/// The first `name` on PATH that is an executable file.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file() || path.with_extension("exe").is_file()
}

/// The CLI's name of an SDK service.
fn cli_service(service: &str) -> &str {
    match service {
        "s3" => "s3api",
        other => other,
    }
}

/// The argument list (after `aws`) for `call` as `profile`.
pub fn arguments(call: &AwsCall, profile: &Profile, dry_run: bool) -> PortResult<Vec<String>> {
    let mut input: serde_json::Map<String, Value> = call.parameters.clone().into_iter().collect();
    if dry_run {
        input.insert("DryRun".into(), Value::Bool(true));
    }
    let json = serde_json::to_string(&input).map_err(|e| PortError::Invalid(e.to_string()))?;
    Ok(vec![
        cli_service(&call.service).to_owned(),
        kebab_case(&call.operation),
        "--cli-input-json".into(),
        json,
        "--region".into(),
        call.region.to_string(),
        "--profile".into(),
        profile.0.clone(),
        "--output".into(),
        "json".into(),
    ])
}

pub(super) async fn call(
    aws: &Path,
    files: &AwsConfigFiles,
    profile: &Profile,
    call: &AwsCall,
    dry_run: bool,
) -> PortResult<CallOutcome> {
    // Only EC2 has DryRun; for the others a dry run makes no call.
    if dry_run && call.service != "ec2" {
        return Ok(super::no_dry_run(&call.service));
    }
    let args = arguments(call, profile, dry_run)?;
    let mut command = tokio::process::Command::new(aws);
    command.args(&args).env("AWS_PROFILE", &profile.0).env("AWS_PAGER", "");
    // The same config files the SDK reads (explicit ones override the environment's).
    if let Some(config) = &files.config {
        command.env("AWS_CONFIG_FILE", config);
    }
    if let Some(credentials) = &files.credentials {
        command.env("AWS_SHARED_CREDENTIALS_FILE", credentials);
    }
    let child = command.stdin(std::process::Stdio::null()).kill_on_drop(true).output();
    let out = tokio::time::timeout(CLI_TIMEOUT, child)
        .await
        .map_err(|_| PortError::Other(format!("aws {} did not finish within {}s", args[1], CLI_TIMEOUT.as_secs())))?
        .map_err(|e| PortError::Unavailable {
            what: "the AWS CLI".into(),
            detail: format!("{}: {e}", aws.display()),
            hint: "Install it (pip install awscli) or remove it from the plan".into(),
        })?;
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    if dry_run && stderr.contains("DryRunOperation") {
        return Ok(CallOutcome { output: Value::Object(Default::default()), dry_run: Some(super::DRY_RUN_OK.into()) });
    }
    if !out.status.success() {
        let denied = stderr.contains("AccessDenied") || stderr.contains("UnauthorizedOperation");
        let detail = if stderr.is_empty() { format!("exit status {}", out.status) } else { stderr };
        return Err(if denied {
            PortError::Denied {
                what: format!("aws {} {}", args[0], args[1]),
                detail,
                hint: format!("Check the permissions of profile '{}'", profile.0),
            }
        } else {
            PortError::Other(format!("aws {} {} failed: {detail}", args[0], args[1]))
        });
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let output = if stdout.trim().is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_str(&stdout).unwrap_or(Value::String(stdout.trim().to_owned()))
    };
    Ok(CallOutcome { output, dry_run: None })
}
