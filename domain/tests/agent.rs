//! The operations agent on hand-written playbooks: parameters, groups, preconditions, IAM,
//! clarifications. (The repository's playbooks are exercised end to end by the server tests.)

use chrono::{TimeZone, Utc};
use cloudops_domain::agent::instantiate;
use cloudops_domain::testing::resource_in;
use cloudops_domain::{
    BlockRule, IamAction, IdentifiedResource, PlanRequest, Playbook, ResourceKind, RiskLevel, UserContext,
};
use serde_json::json;

fn playbook(value: serde_json::Value) -> Playbook {
    let p: Playbook = serde_json::from_value(value).unwrap();
    p.validate(&p.id.clone()).unwrap();
    p
}

fn rds_stop() -> Playbook {
    playbook(json!({
        "id": "rds-stop-instance", "title": "Stop an RDS DB instance", "description": "Stops it.",
        "service": "rds", "verb": "stop", "targets": {"kinds": ["rds_instance"], "count": "one"},
        "utterances": ["stop the db", "shut down pg-main", "turn off the database"],
        "parameters": {"db": {"type": "string", "from": "target.identifier"}},
        "preconditions": [
            {"state": ["available"], "message": "only an available instance can be stopped"},
            {"constraint": "can_stop", "message": "this instance cannot be stopped"}
        ],
        "iam_actions": ["rds:StopDBInstance", "rds:StartDBInstance"],
        "steps": [{"id": "stop", "description": "Stop {{ target }}", "operation": "StopDBInstance",
                   "parameters": {"DBInstanceIdentifier": "{{ db }}"}, "wait": {"state": "stopped", "timeout_seconds": 1800}}],
        "rollback": [{"id": "start", "description": "Start {{ target }}", "operation": "StartDBInstance",
                      "parameters": {"DBInstanceIdentifier": "{{ db }}"}}]
    }))
}

fn rds(name: &str, state: &str, account: &str) -> IdentifiedResource {
    let mut r = resource_in(ResourceKind::RdsInstance, name, state, account, "us-east-1");
    r.constraints = cloudops_domain::constraints::derive(&r, 0);
    r.constraints.backups_enabled = true;
    let mut id = IdentifiedResource::from_resource(&r, 1.0);
    id.iam_permissions.allowed.insert("rds:StopDBInstance".parse::<IamAction>().unwrap());
    id
}

fn request(prompt: &str, resources: Vec<IdentifiedResource>) -> PlanRequest {
    PlanRequest { prompt: prompt.into(), identified_resources: resources, user_context: UserContext::default() }
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 9, 15, 0).unwrap()
}

#[test]
fn the_seed_example_plans_one_stop_with_wait_rollback_and_medium_risk() {
    let r = instantiate(
        &rds_stop(),
        "abc123",
        &request("stop pg-instance-main1", vec![rds("pg-instance-main1", "available", "111111111111")]),
        now(),
    );
    assert!(r.clarification.is_none() && r.blocked.is_empty(), "{r:#?}");
    let step = &r.script.steps[0];
    assert_eq!((step.call.service.as_str(), step.call.operation.as_str()), ("rds", "StopDBInstance"));
    assert_eq!(step.call.parameters["DBInstanceIdentifier"], json!("pg-instance-main1"));
    assert_eq!(step.call.account_id.as_str(), "111111111111");
    assert_eq!(step.description, "Stop pg-instance-main1");
    assert_eq!(step.wait.as_ref().unwrap().state, "stopped");
    assert_eq!(r.risk_assessment.level, RiskLevel::Medium);
    assert!(r.approval_required);
    assert_eq!(r.playbook.as_ref().unwrap().version, "abc123");
    assert_eq!(r.rollback.as_ref().unwrap().steps[0].call.operation, "StartDBInstance");
    assert!(
        r.explain_plan
            .contains("aws rds stop-db-instance --db-instance-identifier pg-instance-main1 --region us-east-1"),
        "{}",
        r.explain_plan
    );
}

#[test]
fn a_failed_precondition_blocks_and_plans_nothing() {
    let r = instantiate(&rds_stop(), "v", &request("stop pg", vec![rds("pg", "stopped", "111111111111")]), now());
    assert!(r.script.steps.is_empty());
    assert!(!r.approval_required);
    assert!(r.blocked.iter().all(|b| b.rule == BlockRule::Precondition) && !r.blocked.is_empty());
    assert!(
        r.blocked[0].message.contains("only an available instance can be stopped (it is stopped)"),
        "{:?}",
        r.blocked
    );
}

#[test]
fn denied_actions_block_and_unknown_ones_warn() {
    let mut denied = rds("pg", "available", "111111111111");
    denied.iam_permissions.allowed.clear();
    denied.iam_permissions.denied_explicit.insert("rds:StopDBInstance".parse().unwrap());
    let r = instantiate(&rds_stop(), "v", &request("stop pg", vec![denied]), now());
    assert_eq!(r.blocked.len(), 1);
    assert_eq!(r.blocked[0].rule, BlockRule::IamDenied);
    assert!(r.script.steps.is_empty());

    let mut unknown = rds("pg", "available", "111111111111");
    unknown.iam_permissions.allowed.clear();
    let r = instantiate(&rds_stop(), "v", &request("stop pg", vec![unknown]), now());
    assert!(r.blocked.is_empty());
    assert_eq!(r.script.steps.len(), 1);
    assert!(r.warnings[0].contains("rds:StopDBInstance"), "{:?}", r.warnings);
}

#[test]
fn two_candidates_for_one_target_are_a_question_never_a_choice() {
    let a = rds("pg-main", "available", "111111111111");
    let b = rds("pg-main", "available", "222222222222");
    let r = instantiate(&rds_stop(), "v", &request("stop pg-main", vec![a.clone(), b.clone()]), now());
    let c = r.clarification.expect("a question");
    assert_eq!(c.candidates, vec![a.arn, b.arn]);
    assert!(r.script.steps.is_empty() && !r.approval_required);
    let none = instantiate(&rds_stop(), "v", &request("stop it", vec![]), now());
    assert_eq!(none.clarification.unwrap().missing, vec!["target"]);
}

fn lambda_memory() -> Playbook {
    playbook(json!({
        "id": "lambda-update-memory", "title": "Set a Lambda function's memory", "description": "Memory.",
        "service": "lambda", "verb": "modify", "targets": {"kinds": ["lambda_function"], "count": "one"},
        "utterances": ["set memory of f to 1024", "give f more memory", "memory 512 for f"],
        "parameters": {
            "name": {"type": "string", "from": "target.identifier"},
            "memory": {"type": "integer", "from": "prompt", "pattern": "(\\d+)\\s*mb", "min": 128, "max": 10240,
                       "question": "How much memory, in MB?"}
        },
        "iam_actions": ["lambda:UpdateFunctionConfiguration"],
        "steps": [{"id": "set", "description": "Set memory", "operation": "UpdateFunctionConfiguration",
                   "parameters": {"FunctionName": "{{ name }}", "MemorySize": "{{ memory }}"}}]
    }))
}

#[test]
fn prompt_parameters_are_typed_range_checked_or_asked_for() {
    let f = IdentifiedResource::from_resource(
        &resource_in(ResourceKind::LambdaFunction, "resize-images", "active", "111111111111", "eu-west-1"),
        1.0,
    );
    let ok =
        instantiate(&lambda_memory(), "v", &request("set resize-images memory to 2048 MB", vec![f.clone()]), now());
    assert_eq!(ok.script.steps[0].call.parameters["MemorySize"], json!(2048));
    assert_eq!(ok.script.steps[0].call.region.as_str(), "eu-west-1");
    let missing =
        instantiate(&lambda_memory(), "v", &request("give resize-images more memory", vec![f.clone()]), now());
    let c = missing.clarification.unwrap();
    assert_eq!((c.question.as_str(), c.missing.clone()), ("How much memory, in MB?", vec!["memory".to_owned()]));
    let too_big = instantiate(&lambda_memory(), "v", &request("set resize-images memory to 99999 mb", vec![f]), now());
    assert!(too_big.clarification.unwrap().question.contains("outside the allowed range 128..=10240"));
}

fn lambda_timeout() -> Playbook {
    playbook(json!({
        "id": "lambda-update-timeout", "title": "Change a Lambda function's timeout", "description": "Timeout.",
        "service": "lambda", "verb": "modify", "targets": {"kinds": ["lambda_function"], "count": "one"},
        "utterances": ["set the timeout of f to 60 seconds", "give f a 300 second timeout", "timeout=30 for f"],
        "parameters": {
            "name": {"type": "string", "from": "target.identifier"},
            "timeout": {"type": "integer", "from": "prompt", "pattern": "\\bto\\s+(\\d+)\\b", "min": 1, "max": 900,
                        "unit": "seconds", "relative_to": "target.config.timeout_seconds",
                        "question": "What should the timeout be, in seconds (1 to 900)?"}
        },
        "iam_actions": ["lambda:UpdateFunctionConfiguration"],
        "steps": [{"id": "set", "description": "Set timeout", "operation": "UpdateFunctionConfiguration",
                   "parameters": {"FunctionName": "{{ name }}", "Timeout": "{{ timeout }}"}}]
    }))
}

#[test]
fn quantities_convert_into_the_parameters_unit_and_out_of_range_is_a_question() {
    let mut r = resource_in(ResourceKind::LambdaFunction, "invoice-pdf", "active", "111111111111", "eu-west-1");
    r.config.timeout_seconds = Some(30);
    let f = IdentifiedResource::from_resource(&r, 1.0);
    let plan = |prompt: &str| instantiate(&lambda_timeout(), "v", &request(prompt, vec![f.clone()]), now());
    let timeout = |prompt: &str| plan(prompt).script.steps.first().map(|s| s.call.parameters["Timeout"].clone());
    assert_eq!(timeout("give invoice-pdf a 5 minute timeout"), Some(json!(300)));
    assert_eq!(timeout("set the timeout of invoice-pdf to 90s"), Some(json!(90)));
    assert_eq!(timeout("set the timeout of invoice-pdf to 45"), Some(json!(45)), "a bare number is in seconds");
    assert_eq!(timeout("double the timeout of invoice-pdf"), Some(json!(60)), "relative to the current 30 s");
    let too_long = plan("give invoice-pdf a 20 minute timeout").clarification.expect("a question, not a clamp");
    assert!(
        too_long.question.contains("20 minute is 1200 seconds, outside the allowed range 1..=900"),
        "{}",
        too_long.question
    );
    let fraction = plan("set the timeout of invoice-pdf to 1.25 seconds").clarification.expect("a question");
    assert!(fraction.question.contains("not a whole number of seconds"), "{}", fraction.question);
}

#[test]
fn a_playbook_the_prompt_contradicts_is_a_question_naming_both_readings() {
    let r = instantiate(
        &rds_stop(),
        "v",
        &request("bring pg-instance-main1 back up", vec![rds("pg-instance-main1", "available", "111111111111")]),
        now(),
    );
    assert!(r.script.steps.is_empty(), "nothing to run");
    let c = r.clarification.expect("a question");
    assert!(c.question.contains("\"bring back up\"") && c.question.contains("would stop"), "{}", c.question);
    assert_eq!(c.missing, vec!["intent"]);
}

#[test]
fn many_targets_run_once_per_account_and_region() {
    let pb = playbook(json!({
        "id": "ec2-stop-instances", "title": "Stop EC2 instances", "description": "Stops them.",
        "service": "ec2", "verb": "stop", "targets": {"kinds": ["ec2_instance"], "count": "many"},
        "utterances": ["stop web-1", "stop the web servers", "shut down the instances"],
        "parameters": {"ids": {"type": "string_list", "from": "targets.identifier"}},
        "iam_actions": ["ec2:StopInstances"],
        "steps": [{"id": "stop", "description": "Stop {{ target }}", "operation": "StopInstances",
                   "parameters": {"InstanceIds": "{{ ids }}"}}]
    }));
    let inst = |name: &str, region: &str| {
        IdentifiedResource::from_resource(
            &resource_in(ResourceKind::Ec2Instance, name, "running", "111111111111", region),
            1.0,
        )
    };
    let r = instantiate(
        &pb,
        "v",
        &request("stop web", vec![inst("web-1", "us-east-1"), inst("web-2", "us-west-2"), inst("web-3", "us-east-1")]),
        now(),
    );
    let ids: Vec<&str> = r.script.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["stop-1", "stop-2"]);
    assert_eq!(r.script.steps[0].call.parameters["InstanceIds"].as_array().unwrap().len(), 2);
    assert_eq!(r.script.steps[1].call.region.as_str(), "us-west-2");
}
