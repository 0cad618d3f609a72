//! Bad input through HTTP on the real server: every refusal is a 4xx with a JSON error that
//! says what was wrong; nothing is a 500. Plus the open routes (health, metrics, OpenAPI).

use std::path::Path;
use std::sync::OnceLock;

use cloudops_e2e::planner::{Answer, ServerProcess, TOKEN};
use serde_json::json;

fn server() -> &'static ServerProcess {
    static SERVER: OnceLock<ServerProcess> = OnceLock::new();
    SERVER.get_or_init(|| {
        ServerProcess::start(
            Path::new(env!("CARGO_BIN_EXE_cloudops-server")),
            &["--no-llm", "--body-limit-bytes", "65536"],
        )
    })
}

fn post(body: &[u8], token: Option<&str>) -> Answer {
    server().request("POST", "/v1/plan", token, Some(body)).expect("the server answers")
}

fn assert_error(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.len() > 10), "{body}");
}

fn valid() -> serde_json::Value {
    json!({"prompt": "stop pg-main", "identified_resources": [{
        "resource_type": "rds_instance", "arn": "arn:aws:rds:us-east-1:111111111111:db:pg-main",
        "identifier": "pg-main", "account_id": "111111111111", "region": "us-east-1", "state": "available",
        "constraints": {"can_stop": true, "backups_enabled": true}}]})
}

#[test]
fn malformed_json_is_400() {
    assert_error(&post(b"{\"prompt\": \"stop", Some(TOKEN)), 400, "malformed_json");
    assert_error(&post(b"", Some(TOKEN)), 400, "malformed_json");
}

#[test]
fn wrong_types_unknown_fields_and_bad_ids_are_422() {
    let mut wrong_type = valid();
    wrong_type["identified_resources"] = json!("pg-main");
    let mut unknown = valid();
    unknown["aws_secret_access_key"] = json!("AKIA...");
    let mut bad_account = valid();
    bad_account["identified_resources"][0]["account_id"] = json!("12");
    let mut bad_kind = valid();
    bad_kind["identified_resources"][0]["resource_type"] = json!("mainframe");
    for body in [wrong_type, unknown, bad_account, bad_kind, json!({"prompt": 5}), json!([1, 2])] {
        assert_error(&post(&serde_json::to_vec(&body).unwrap(), Some(TOKEN)), 422, "invalid_request");
    }
    let mut empty = valid();
    empty["prompt"] = json!("   ");
    assert_error(&post(&serde_json::to_vec(&empty).unwrap(), Some(TOKEN)), 422, "invalid_request");
    let mut long = valid();
    long["prompt"] = json!("stop ".repeat(1000));
    assert_error(&post(&serde_json::to_vec(&long).unwrap(), Some(TOKEN)), 422, "invalid_request");
}

#[test]
fn huge_bodies_are_413() {
    let mut huge = valid();
    huge["prompt"] = json!("x".repeat(200_000));
    assert_error(&post(&serde_json::to_vec(&huge).unwrap(), Some(TOKEN)), 413, "body_too_large");
}

#[test]
fn missing_or_wrong_auth_is_401() {
    let body = serde_json::to_vec(&valid()).unwrap();
    assert_error(&post(&body, None), 401, "unauthorized");
    assert_error(&post(&body, Some("not-the-token-at-all")), 401, "unauthorized");
    let list = server().request("GET", "/v1/playbooks", None, None).unwrap();
    assert_error(&list, 401, "unauthorized");
}

#[test]
fn wrong_content_type_route_and_method_are_json_errors() {
    let s = server();
    let mut stream_answer = s.request("POST", "/v1/plan", Some(TOKEN), None).unwrap();
    // No body and no content type.
    assert_error(&stream_answer, 415, "unsupported_media_type");
    stream_answer = s.request("GET", "/v2/nothing", Some(TOKEN), None).unwrap();
    assert_error(&stream_answer, 404, "not_found");
    stream_answer = s.request("GET", "/v1/plan", Some(TOKEN), None).unwrap();
    assert_error(&stream_answer, 405, "method_not_allowed");
}

#[test]
fn a_valid_request_plans_and_the_open_routes_answer() {
    let s = server();
    let answer = post(&serde_json::to_vec(&valid()).unwrap(), Some(TOKEN));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let plan = answer.json();
    assert_eq!(plan["playbook"]["id"], "rds-stop-instance");
    assert_eq!(plan["script"]["steps"][0]["call"]["operation"], "StopDBInstance", "{plan}");

    let health = s.request("GET", "/healthz", None, None).unwrap().json();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["llm"], false);
    assert!(health["playbooks"].as_u64().unwrap() >= 30, "{health}");

    let metrics = s.request("GET", "/metrics", None, None).unwrap();
    assert!(
        metrics.body.contains("cloudops_http_requests_total{route=\"/v1/plan\",status=\"200\"}"),
        "{}",
        metrics.body
    );
    assert!(metrics.body.contains("cloudops_plan_seconds_bucket{decided_by=\"router\""), "{}", metrics.body);

    let openapi = s.request("GET", "/openapi.json", None, None).unwrap().json();
    for path in ["/v1/plan", "/v1/playbooks", "/healthz", "/metrics", "/openapi.json"] {
        assert!(openapi["paths"][path].is_object(), "{path} is not documented");
    }
    let example = openapi["components"]["schemas"]["PlanRequest"]["examples"][0].clone();
    serde_json::from_value::<cloudops_domain::PlanRequest>(example).expect("the documented example is a valid request");

    let list = s.request("GET", "/v1/playbooks", Some(TOKEN), None).unwrap().json();
    let stop = list["playbooks"].as_array().unwrap().iter().find(|p| p["id"] == "rds-stop-instance").unwrap().clone();
    assert!(stop["uses"].as_u64().unwrap() >= 1, "{stop}");
    assert_eq!(stop["version"], list["version"]);
}

#[test]
fn each_token_is_rate_limited() {
    let limited = ServerProcess::start(
        Path::new(env!("CARGO_BIN_EXE_cloudops-server")),
        &["--no-llm", "--rate-limit-per-minute", "3"],
    );
    let body = serde_json::to_vec(&valid()).unwrap();
    let statuses: Vec<u16> =
        (0..5).map(|_| limited.request("POST", "/v1/plan", Some(TOKEN), Some(&body)).unwrap().status).collect();
    // A window boundary may fall between the requests; at least one is refused either way.
    assert!(statuses.contains(&429), "{statuses:?}");
    let refused = (0..3)
        .map(|_| limited.request("POST", "/v1/plan", Some(TOKEN), Some(&body)).unwrap())
        .find(|a| a.status == 429)
        .unwrap();
    assert_error(&refused, 429, "rate_limited");
    assert!(refused.headers.to_ascii_lowercase().contains("retry-after: 60"), "{}", refused.headers);
}

#[test]
fn with_redis_usage_counts_survive_a_server_restart() {
    let Some(redis) = cloudops_e2e::redis::RedisProcess::start() else { return };
    let binary = Path::new(env!("CARGO_BIN_EXE_cloudops-server"));
    let args = ["--no-llm", "--redis-url", redis.url.as_str()];
    let uses = |s: &ServerProcess| -> u64 {
        let list = s.request("GET", "/v1/playbooks", Some(TOKEN), None).unwrap().json();
        list["playbooks"].as_array().unwrap().iter().find(|p| p["id"] == "rds-stop-instance").unwrap()["uses"]
            .as_u64()
            .unwrap()
    };
    let body = serde_json::to_vec(&valid()).unwrap();
    {
        let first = ServerProcess::start(binary, &args);
        assert_eq!(first.request("GET", "/healthz", None, None).unwrap().json()["counters"], "redis");
        for _ in 0..2 {
            assert_eq!(first.request("POST", "/v1/plan", Some(TOKEN), Some(&body)).unwrap().status, 200);
        }
        assert_eq!(uses(&first), 2);
    }
    let second = ServerProcess::start(binary, &args);
    assert_eq!(uses(&second), 2, "the counts live in Redis, not in the process");
}

#[test]
fn the_server_writes_nothing_about_a_request() {
    let dir = tempfile::tempdir().unwrap();
    let (log, tmp) = (dir.path().join("server.log"), dir.path().join("tmp"));
    std::fs::create_dir(&tmp).unwrap();
    let server =
        ServerProcess::start_logging(Path::new(env!("CARGO_BIN_EXE_cloudops-server")), &["--no-llm"], &log, &tmp);
    let secret_name = "zz-payroll-db-4242";
    let mut body = valid();
    body["prompt"] = json!(format!("stop {secret_name}"));
    body["identified_resources"][0]["identifier"] = json!(secret_name);
    body["identified_resources"][0]["arn"] = json!(format!("arn:aws:rds:us-east-1:111111111111:db:{secret_name}"));
    let answer = server.request("POST", "/v1/plan", Some(TOKEN), Some(&serde_json::to_vec(&body).unwrap())).unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains(secret_name), "the answer names it");
    drop(server);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("\"message\":\"plan\"") && logged.contains("decided_by"), "the plan is logged: {logged}");
    assert!(!logged.contains(secret_name) && !logged.contains("payroll"), "the log names the resource: {logged}");
    for (path, bytes) in cloudops_fakes::at_rest::files_under(&tmp) {
        assert!(memchr::memmem::find(&bytes, secret_name.as_bytes()).is_none(), "{path} names the resource");
    }
}
