//! The SimulatePrincipalPolicy oracle against recorded IAM responses served over real HTTP on
//! loopback (moto does not implement the API): verdicts, missing context, pagination, the
//! role behind an assumed-role session, throttling retries, and the fallback to the local
//! evaluator when the API is not available.

use std::sync::{Arc, Mutex};

use cloudops_aws::{AutoOracle, AwsConfigFiles, SimulatedPolicyOracle};
use cloudops_domain::testing::resource;
use cloudops_domain::{IamAction, PermissionVerdict, Resource, ResourceKind};
use cloudops_ports::{CallerIdentity, PermissionOracle, Profile};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const DB_A: &str = "arn:aws:rds:us-east-1:123456789012:db:pg-a";
const DB_B: &str = "arn:aws:rds:us-east-1:123456789012:db:pg-b";

fn member(action: &str, resource: &str, decision: &str, missing: &str) -> String {
    format!(
        "<member><EvalActionName>{action}</EvalActionName><EvalResourceName>{resource}</EvalResourceName>\
         <EvalDecision>{decision}</EvalDecision><MatchedStatements/><MissingContextValues>{missing}</MissingContextValues></member>"
    )
}

fn page(members: &[String], marker: Option<&str>) -> String {
    let truncation = match marker {
        Some(m) => format!("<IsTruncated>true</IsTruncated><Marker>{m}</Marker>"),
        None => "<IsTruncated>false</IsTruncated>".to_owned(),
    };
    format!(
        "<SimulatePrincipalPolicyResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><SimulatePrincipalPolicyResult>\
         {truncation}<EvaluationResults>{}</EvaluationResults></SimulatePrincipalPolicyResult>\
         <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></SimulatePrincipalPolicyResponse>",
        members.concat()
    )
}

const THROTTLED: &str = "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>\
    <Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>";

/// Serves recorded answers (IAM action, status, body): each request gets the next answer
/// recorded for its `Action`, the last one repeating. Records every request body.
async fn serve(answers: Vec<(&'static str, u16, String)>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    tokio::spawn(async move {
        let mut answers = answers;
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            // Read headers, then Content-Length bytes of body.
            let body = loop {
                let n = socket.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break String::new();
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let len = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if body.len() >= len {
                        break body.to_owned();
                    }
                }
            };
            let action = body.split('&').find_map(|p| p.strip_prefix("Action=")).unwrap_or_default().to_owned();
            seen.lock().unwrap().push(body);
            let same: Vec<usize> = (0..answers.len()).filter(|&i| answers[i].0 == action).collect();
            let (status, xml) = match same.as_slice() {
                [] => (500, "<Error/>".to_owned()),
                [only] => (answers[*only].1, answers[*only].2.clone()),
                [first, ..] => {
                    let (_, status, xml) = answers.remove(*first);
                    (status, xml)
                }
            };
            let response = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
                xml.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    (url, requests)
}

fn files_for(dir: &std::path::Path, url: &str) -> AwsConfigFiles {
    let config = dir.join("config");
    let credentials = dir.join("credentials");
    std::fs::write(&config, format!("[profile rec]\nregion = us-east-1\nendpoint_url = {url}\n")).unwrap();
    std::fs::write(&credentials, "[rec]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n").unwrap();
    AwsConfigFiles { config: Some(config), credentials: Some(credentials), discovered: None }
}

fn identity() -> CallerIdentity {
    CallerIdentity {
        profile: Profile("rec".into()),
        account_id: "123456789012".parse().unwrap(),
        principal_arn: "arn:aws:sts::123456789012:assumed-role/ops/me".into(),
        account_alias: None,
        default_region: None,
    }
}

fn dbs() -> Vec<Resource> {
    ["pg-a", "pg-b"]
        .iter()
        .map(|n| {
            let mut r = resource(ResourceKind::RdsInstance, n, "available");
            r.tags.insert("env", "prod");
            r
        })
        .collect()
}

fn a(s: &str) -> IamAction {
    s.parse().unwrap()
}

#[tokio::test]
async fn verdicts_pagination_and_missing_context_from_recorded_responses() {
    let first = page(
        &[
            member("rds:StopDBInstance", DB_A, "allowed", ""),
            member("rds:StopDBInstance", DB_B, "explicitDeny", ""),
            member("rds:DeleteDBInstance", DB_A, "implicitDeny", ""),
        ],
        Some("next-page"),
    );
    let second = page(
        &[
            member("rds:RebootDBInstance", DB_A, "allowed", "<member>aws:MultiFactorAuthPresent</member>"),
            member("rds:StartDBInstance", DB_B, "allowed", ""),
        ],
        None,
    );
    let sim = "SimulatePrincipalPolicy";
    let (url, requests) = serve(vec![(sim, 400, THROTTLED.into()), (sim, 200, first), (sim, 200, second)]).await;
    let dir = tempfile::tempdir().unwrap();
    let oracle = SimulatedPolicyOracle::new(files_for(dir.path(), &url));
    let perms = oracle.evaluate(&identity(), &dbs()).await.unwrap();

    assert_eq!(perms[0].verdict(&a("rds:StopDBInstance")), PermissionVerdict::Allowed);
    assert_eq!(perms[1].verdict(&a("rds:StopDBInstance")), PermissionVerdict::ExplicitDeny);
    assert_eq!(perms[0].verdict(&a("rds:DeleteDBInstance")), PermissionVerdict::ImplicitDeny);
    assert_eq!(perms[0].verdict(&a("rds:RebootDBInstance")), PermissionVerdict::Unknown, "missing context is unknown");
    assert_eq!(perms[1].verdict(&a("rds:StartDBInstance")), PermissionVerdict::Allowed);

    let requests = requests.lock().unwrap();
    assert_eq!(requests.len(), 3, "one throttled retry, then two pages");
    let body = &requests[1];
    assert!(body.contains("Action=SimulatePrincipalPolicy"), "{body}");
    // The role behind the session is simulated, both resources in one batch, with their context.
    assert!(body.contains("PolicySourceArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fops"), "{body}");
    assert!(body.contains("ResourceArns.member.1=") && body.contains("ResourceArns.member.2="), "{body}");
    assert!(body.contains("aws%3AResourceTag%2Fenv") && body.contains("aws%3ARequestedRegion"), "{body}");
    assert!(requests[2].contains("Marker=next-page"), "the second page is asked for");
}

#[tokio::test]
async fn auto_oracle_falls_back_to_local_evaluation_when_the_api_is_missing() {
    // Like moto: an HTML 500 for SimulatePrincipalPolicy. The local path then asks IAM for the
    // role's policies (recorded answers: one inline policy that allows rds:Stop*).
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"rds:Stop*","Resource":"*"}]}"#;
    let encoded: String = policy
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    let list = "<ListRolePoliciesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ListRolePoliciesResult>\
        <IsTruncated>false</IsTruncated><PolicyNames><member>ops-access</member></PolicyNames></ListRolePoliciesResult>\
        <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListRolePoliciesResponse>";
    let get = format!(
        "<GetRolePolicyResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetRolePolicyResult>\
         <RoleName>ops</RoleName><PolicyName>ops-access</PolicyName><PolicyDocument>{encoded}</PolicyDocument>\
         </GetRolePolicyResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetRolePolicyResponse>"
    );
    let attached = "<ListAttachedRolePoliciesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
        <ListAttachedRolePoliciesResult><IsTruncated>false</IsTruncated><AttachedPolicies/></ListAttachedRolePoliciesResult>\
        <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListAttachedRolePoliciesResponse>";
    let (url, requests) = serve(vec![
        ("SimulatePrincipalPolicy", 500, "<html>Not implemented</html>".into()),
        ("ListRolePolicies", 200, list.into()),
        ("GetRolePolicy", 200, get),
        ("ListAttachedRolePolicies", 200, attached.into()),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let oracle = AutoOracle::new(files_for(dir.path(), &url));
    let perms = oracle.evaluate(&identity(), &dbs()).await.unwrap();
    assert_eq!(perms[0].verdict(&a("rds:StopDBInstance")), PermissionVerdict::Allowed);
    assert_eq!(perms[1].verdict(&a("rds:DeleteDBInstance")), PermissionVerdict::ImplicitDeny);
    {
        let seen = requests.lock().unwrap();
        assert!(seen[0].contains("Action=SimulatePrincipalPolicy"), "{seen:?}");
        assert!(seen[1].contains("Action=ListRolePolicies") && seen[1].contains("RoleName=ops"), "{seen:?}");
    }
    // The account is remembered as local: no second simulation attempt.
    oracle.evaluate(&identity(), &dbs()).await.unwrap();
    let simulations = requests.lock().unwrap().iter().filter(|b| b.contains("Action=SimulatePrincipalPolicy")).count();
    assert_eq!(simulations, 1);
}
