//! The hand-written OpenAPI document against the wire types: every field the types write is
//! documented, every documented required field is written, and nothing documented is gone.

use cloudops_domain::risk::assess;
use cloudops_domain::testing::resource;
use cloudops_domain::*;
use serde_json::{Value, json};

const DOC: &str = include_str!("../src/openapi.json");

fn schema(name: &str) -> Value {
    let doc: Value = serde_json::from_str(DOC).expect("openapi.json is JSON");
    doc["components"]["schemas"][name].clone()
}

/// The documented property names and required names of an object schema.
fn documented(schema: &Value) -> (Vec<String>, Vec<String>) {
    let mut props: Vec<String> = schema["properties"].as_object().expect("properties").keys().cloned().collect();
    let mut required: Vec<String> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    props.sort();
    required.sort();
    (props, required)
}

fn keys(value: &Value) -> Vec<String> {
    let mut k: Vec<String> = value.as_object().expect("an object").keys().cloned().collect();
    k.sort();
    k
}

fn check(name: &str, full: &Value) {
    let (props, required) = documented(&schema(name));
    assert_eq!(keys(full), props, "{name}: the document and the type disagree on the fields");
    assert!(required.iter().all(|r| props.contains(r)), "{name}: a required field is not a property");
}

#[test]
fn the_document_matches_the_wire_types() {
    let r = resource(ResourceKind::RdsInstance, "pg-main", "available");
    let mut identified = IdentifiedResource::from_resource(&r, 1.0);
    identified.name = Some("pg-main".into());
    identified.account_alias = Some("acme".into());
    identified.unknown = [Facet::Tags].into();
    let request = PlanRequest {
        prompt: "stop pg-main".into(),
        identified_resources: vec![identified.clone()],
        user_context: UserContext {
            default_region: Some("us-east-1".parse().unwrap()),
            recent_turns: vec![ChatTurn { role: ChatRole::User, text: "hi".into() }],
            client: Some("test".into()),
        },
    };
    let request = serde_json::to_value(&request).unwrap();
    check("PlanRequest", &request);
    check("IdentifiedResource", &request["identified_resources"][0]);
    let context_props = keys(&schema("PlanRequest")["properties"]["user_context"]["properties"]);
    assert_eq!(keys(&request["user_context"]), context_props);

    let call = AwsCall {
        service: "rds".into(),
        operation: "StopDBInstance".into(),
        parameters: [("DBInstanceIdentifier".to_owned(), json!("pg-main"))].into(),
        region: r.region.clone(),
        account_id: r.account_id.clone(),
    };
    let mut step = PlanStep::new("stop", "Stop pg-main", call);
    step.depends_on = vec!["x".into()];
    step.wait = Some(WaitFor { state: "stopped".into(), timeout_seconds: 60 });
    step.kind = StepKind::AwsCli;
    let script = Script { steps: vec![step] };
    let risk = assess(&RiskInput {
        action: ActionClass::Disruptive,
        operation: "stop",
        exposure: Default::default(),
        targets: std::slice::from_ref(&r),
    });
    let response = PlanResponse {
        explain_plan: "x".into(),
        script: script.clone(),
        risk_assessment: risk,
        approval_required: true,
        playbook: Some(PlaybookRef { id: "rds-stop-instance".into(), version: "abc".into(), digest: Some("d".into()) }),
        clarification: Some(Clarification {
            question: "q".into(),
            missing: vec!["m".into()],
            candidates: vec![r.arn.clone()],
        }),
        blocked: vec![Blocker { rule: BlockRule::Precondition, resource: r.arn.clone(), message: "m".into() }],
        rollback: Some(script),
        warnings: vec!["w".into()],
    };
    let response = serde_json::to_value(&response).unwrap();
    check("PlanResponse", &response);
    check("PlanStep", &response["script"]["steps"][0]);
    check("AwsCall", &response["script"]["steps"][0]["call"]);
    let risk_props = keys(&schema("PlanResponse")["properties"]["risk_assessment"]["properties"]);
    assert_eq!(keys(&response["risk_assessment"]), risk_props);
}
