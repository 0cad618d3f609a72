//! Approval rules: bound to the exact calls (and rollback), expiring, single-use, and `--yes`
//! refused for high and critical risk unless explicitly allowed.

use chrono::{TimeZone, Utc};
use cloudops_domain::approval::{APPROVAL_TTL, Approval, ApprovalError, ApprovalMode, needs_approval, plan_digest};
use cloudops_domain::{AwsCall, PlanResponse, PlanStep, RiskLevel, Script};
use serde_json::json;

fn response(db: &str, level: RiskLevel) -> PlanResponse {
    let call = AwsCall {
        service: "rds".into(),
        operation: "StopDBInstance".into(),
        parameters: serde_json::from_value(json!({"DBInstanceIdentifier": db})).unwrap(),
        region: "us-east-1".parse().unwrap(),
        account_id: "123456789012".parse().unwrap(),
    };
    let mut start = call.clone();
    start.operation = "StartDBInstance".into();
    let mut r: PlanResponse = serde_json::from_value(json!({
        "explain_plan": "stop it",
        "script": {"steps": []},
        "risk_assessment": {"level": "medium", "reasons": [], "impact": "", "approval_required": true},
        "approval_required": true
    }))
    .unwrap();
    r.script = Script { steps: vec![PlanStep::new("stop", "Stop", call)] };
    r.rollback = Some(Script { steps: vec![PlanStep::new("start", "Start", start)] });
    r.risk_assessment.level = level;
    r
}

#[test]
fn an_approval_binds_the_exact_calls_and_rollback() {
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
    let plan = response("pg-main", RiskLevel::Medium);
    let approval = Approval::grant("a".into(), &plan, "me", ApprovalMode::Interactive, false, now).unwrap();
    assert_eq!(approval.check(&plan, now, false), Ok(()));
    // Another resource, another region, another parameter value, another rollback: refused.
    let mut other = response("pg-other", RiskLevel::Medium);
    assert!(matches!(approval.check(&other, now, false), Err(ApprovalError::Mismatch { .. })));
    other = plan.clone();
    other.script.steps[0].call.region = "eu-west-1".parse().unwrap();
    assert!(matches!(approval.check(&other, now, false), Err(ApprovalError::Mismatch { .. })));
    other = plan.clone();
    other.rollback.as_mut().unwrap().steps[0].call.operation = "DeleteDBInstance".into();
    assert!(matches!(approval.check(&other, now, false), Err(ApprovalError::Mismatch { .. })));
    // What does not run (descriptions, CLI renderings for people) is not bound.
    other = plan.clone();
    other.script.steps[0].description = "Stop it now".into();
    assert_eq!(plan_digest(&other), plan_digest(&plan));
}

#[test]
fn an_approval_expires_and_is_used_once() {
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
    let plan = response("pg-main", RiskLevel::Medium);
    let approval = Approval::grant("a".into(), &plan, "me", ApprovalMode::Preapproved, false, now).unwrap();
    let ttl = chrono::Duration::from_std(APPROVAL_TTL).unwrap();
    assert_eq!(approval.check(&plan, now + ttl - chrono::Duration::seconds(1), false), Ok(()));
    assert!(matches!(approval.check(&plan, now + ttl, false), Err(ApprovalError::Expired { .. })));
    assert!(matches!(approval.check(&plan, now, true), Err(ApprovalError::Used { .. })));
}

#[test]
fn yes_alone_does_not_approve_high_risk() {
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
    for level in [RiskLevel::High, RiskLevel::Critical] {
        let plan = response("pg-main", level);
        let refused = Approval::grant("a".into(), &plan, "me", ApprovalMode::Preapproved, false, now).unwrap_err();
        assert!(matches!(refused, ApprovalError::HighRisk { .. }));
        assert!(refused.to_string().contains("--allow-high-risk"), "{refused}");
        assert!(Approval::grant("a".into(), &plan, "me", ApprovalMode::Preapproved, true, now).is_ok());
        assert!(Approval::grant("a".into(), &plan, "me", ApprovalMode::Interactive, false, now).is_ok());
    }
}

#[test]
fn the_client_decides_what_needs_approval() {
    let mut plan = response("pg-main", RiskLevel::Low);
    plan.approval_required = false;
    plan.risk_assessment.approval_required = false;
    assert!(needs_approval(&plan), "a stop needs approval whatever the server says");
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
    let err = Approval::grant("a".into(), &plan, "me", ApprovalMode::NotRequired, false, now).unwrap_err();
    assert_eq!(err, ApprovalError::Missing);
    plan.script.steps[0].call.operation = "DescribeDBInstances".into();
    assert!(!needs_approval(&plan), "a read needs none");
}
