//! Recent chat turns in a planner request: the conversation's last turns, not too old, with
//! every resource they name but this request's replaced by `[resource]`.

use chrono::{Duration, TimeZone, Utc};
use cloudops_app::lookup::Lookup;
use cloudops_app::request::{recent_turns, record_turns};
use cloudops_domain::testing::resource_in;
use cloudops_domain::{ChatRole, IdentifiedResource, PlanResponse, ResourceKind};
use cloudops_fakes::MemoryChatStore;
use cloudops_ports::ConversationId;

fn response(first_line: &str) -> PlanResponse {
    serde_json::from_value(serde_json::json!({
        "explain_plan": format!("{first_line}\nmore"),
        "script": {"steps": []},
        "risk_assessment": {"level": "low", "reasons": [], "impact": "", "approval_required": false},
        "approval_required": false
    }))
    .unwrap()
}

#[tokio::test]
async fn turns_are_recent_and_name_only_this_requests_resources() {
    let db = resource_in(ResourceKind::RdsInstance, "pg-main", "available", "111111111111", "us-east-1");
    let web = resource_in(ResourceKind::Ec2Instance, "web-1", "running", "111111111111", "us-east-1");
    let lookup = Lookup::from_resources(vec![db.clone(), web.clone()]);
    let chat = MemoryChatStore::default();
    let cli = ConversationId("cli".into());
    let t0 = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
    record_turns(&chat, &cli, "an old question about web-1", &response("old"), t0 - Duration::hours(2)).await.unwrap();
    record_turns(&chat, &cli, "stop pg-main, then web-1.", &response(&format!("Stop {}", db.arn)), t0).await.unwrap();
    let other = ConversationId("desktop".into());
    record_turns(&chat, &other, "elsewhere", &response("x"), t0).await.unwrap();

    let identified = [IdentifiedResource::from_resource(&web, 1.0)];
    let turns = recent_turns(&chat, &cli, &lookup, &identified, t0 + Duration::minutes(1)).await.unwrap();
    assert_eq!(turns.len(), 2, "the two-hour-old turns are not context: {turns:?}");
    assert_eq!(turns[0].role, ChatRole::User);
    assert_eq!(turns[0].text, "stop [resource], then web-1.", "web-1 is in this request; pg-main is not");
    assert_eq!(turns[1].role, ChatRole::Assistant);
    assert_eq!(turns[1].text, "Stop [resource]", "ARNs are resources too");
}
