//! Snapshot of the planner wire format. The JSON files under `tests/snapshots/` are the
//! contract between client and server: a change to them is a change of the public API and
//! shows in review. Regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p cloudops-domain`.

use std::path::PathBuf;

use cloudops_domain::risk::{ExposureChange, RiskInput, assess};
use cloudops_domain::testing::resource;
use cloudops_domain::{
    ActionClass, AwsCall, ChatRole, ChatTurn, IamPermissions, IdentifiedResource, PlanRequest, PlanResponse, PlanStep,
    PlaybookRef, ResourceConfig, ResourceKind, Script, UserContext, WaitFor, constraints,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

fn seed_resource() -> cloudops_domain::Resource {
    let mut r = resource(ResourceKind::RdsInstance, "pg-instance-main1", "available");
    r.account_alias = Some("staging".into());
    r.tags = [("env", "staging"), ("app", "main"), ("team", "data")].into_iter().collect();
    r.config = ResourceConfig {
        instance_type: Some("db.t3.medium".into()),
        engine: Some("postgres".into()),
        engine_version: Some("16.3".into()),
        multi_az: Some(false),
        backup_retention_days: Some(7),
        deletion_protection: Some(false),
        ..Default::default()
    };
    r.iam = Some(IamPermissions {
        allowed: ["rds:StopDBInstance", "rds:StartDBInstance", "rds:DescribeDBInstances"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect(),
        denied_explicit: ["rds:DeleteDBInstance".parse().unwrap()].into(),
        ..Default::default()
    });
    r.constraints = constraints::derive(&r, 0);
    r
}

fn request() -> PlanRequest {
    PlanRequest {
        prompt: "stop pg-instance-main1".into(),
        identified_resources: vec![IdentifiedResource::from_resource(&seed_resource(), 0.97)],
        user_context: UserContext {
            default_region: Some("us-east-1".parse().unwrap()),
            recent_turns: vec![ChatTurn { role: ChatRole::User, text: "show my databases in staging".into() }],
            client: Some("cloudops-cli/0.1.0".into()),
        },
    }
}

fn response() -> PlanResponse {
    let r = seed_resource();
    let call = AwsCall {
        service: "rds".into(),
        operation: "StopDBInstance".into(),
        parameters: [("DBInstanceIdentifier".to_owned(), serde_json::json!("pg-instance-main1"))].into(),
        region: r.region.clone(),
        account_id: r.account_id.clone(),
    };
    let mut step = PlanStep::new("stop-db", "Stop the RDS instance pg-instance-main1", call);
    step.wait = Some(WaitFor { state: "stopped".into(), timeout_seconds: 900 });
    let targets = [r];
    let risk = assess(&RiskInput {
        action: ActionClass::Disruptive,
        operation: "stop",
        exposure: ExposureChange::None,
        targets: &targets,
    });
    PlanResponse {
        explain_plan: "Stops pg-instance-main1 (postgres, db.t3.medium) in 123456789012/us-east-1.".into(),
        script: Script { steps: vec![step] },
        approval_required: risk.approval_required,
        risk_assessment: risk,
        playbook: Some(PlaybookRef {
            id: "rds-stop-instance".into(),
            version: "0123456789abcdef0123456789abcdef01234567".into(),
            digest: Some("5f1c0ffee5f1c0ffee5f1c0ffee5f1c0ffee5f1c0ffee5f1c0ffee5f1c0ffee0".into()),
        }),
        clarification: None,
        blocked: Vec::new(),
        rollback: None,
        warnings: Vec::new(),
    }
}

fn check_snapshot<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(name: &str, value: &T) {
    // The crate's directory at run time: a binary reused from another checkout's build must
    // read this checkout's snapshots.
    let crate_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let path = crate_dir.join("tests/snapshots").join(name);
    let json = serde_json::to_string_pretty(value).unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &json).unwrap();
    }
    let stored = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; create it with UPDATE_SNAPSHOTS=1", path.display()));
    assert_eq!(json, stored, "{name} changed: the wire format is a public API; review, then UPDATE_SNAPSHOTS=1");
    let parsed: T = serde_json::from_str(&stored).unwrap();
    assert_eq!(&parsed, value, "{name} does not round-trip");
}

#[test]
fn plan_request_snapshot() {
    check_snapshot("plan_request.json", &request());
}

#[test]
fn plan_response_snapshot() {
    let response = response();
    assert_eq!(response.risk_assessment.level, cloudops_domain::RiskLevel::Medium);
    assert!(response.approval_required);
    check_snapshot("plan_response.json", &response);
}

#[test]
fn requests_with_unknown_fields_or_bad_ids_are_rejected() {
    let mut value = serde_json::to_value(request()).unwrap();
    value["aws_secret_access_key"] = serde_json::json!("x");
    let err = serde_json::from_value::<PlanRequest>(value).unwrap_err().to_string();
    assert!(err.contains("unknown field `aws_secret_access_key`"), "{err}");

    let mut value = serde_json::to_value(request()).unwrap();
    value["identified_resources"][0]["account_id"] = serde_json::json!("1234");
    let err = serde_json::from_value::<PlanRequest>(value).unwrap_err().to_string();
    assert!(err.contains("12 digits"), "{err}");

    let mut value = serde_json::to_value(response()).unwrap();
    value["script"]["steps"][0]["shell"] = serde_json::json!("rm -rf /");
    assert!(serde_json::from_value::<PlanResponse>(value).is_err(), "steps must not accept unknown fields");
}
