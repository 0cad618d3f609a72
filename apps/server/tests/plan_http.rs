//! `POST /v1/plan` through HTTP on the real server process (real MiniLM, embedded Qdrant
//! index of the repository's playbooks, the LLM when `cargo xtask setup` installed it):
//! the seed example, a prompt per playbook, clarifications, precondition failures, IAM
//! denials. Printed: who decided each case.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use cloudops_domain::PlanResponse;
use cloudops_domain::{IamAction, IdentifiedResource, ResourceKind as K};
use cloudops_e2e::planner::{ServerProcess, identified};
use cloudops_playbooks::DirPlaybookSource;
use cloudops_ports::PlaybookSource;
use serde_json::{Value, json};

fn server() -> &'static ServerProcess {
    static SERVER: OnceLock<ServerProcess> = OnceLock::new();
    SERVER.get_or_init(|| ServerProcess::start(Path::new(env!("CARGO_BIN_EXE_cloudops-server")), &[]))
}

enum Expect {
    /// A plan from this playbook whose first step calls this operation.
    Plan(&'static str, &'static str),
    /// A question naming this missing piece.
    Clarify(&'static str),
    /// Refused by this rule.
    Blocked(&'static str),
}

struct Case {
    prompt: &'static str,
    resources: Vec<IdentifiedResource>,
    expect: Expect,
}

fn rds(name: &str, state: &str) -> IdentifiedResource {
    identified(K::RdsInstance, name, state, |r| {
        r.config.engine = Some("postgres".into());
        r.config.instance_type = Some("db.t3.medium".into());
        r.config.backup_retention_days = Some(7);
        r.tags.insert("env", "staging");
    })
}
fn multi_az_rds(name: &str) -> IdentifiedResource {
    identified(K::RdsInstance, name, "available", |r| {
        r.config.backup_retention_days = Some(7);
        r.config.multi_az = Some(true);
    })
}
fn cluster(name: &str, state: &str) -> IdentifiedResource {
    identified(K::RdsCluster, name, state, |r| {
        r.config.engine = Some("aurora-postgresql".into());
        r.config.backup_retention_days = Some(7);
        r.config.multi_az = Some(true);
    })
}
fn ec2(name: &str, state: &str) -> IdentifiedResource {
    identified(K::Ec2Instance, name, state, |r| {
        r.config.instance_type = Some("t3.medium".into());
        r.config.root_device_type = Some("ebs".into());
    })
}
fn bucket(name: &str) -> IdentifiedResource {
    identified(K::S3Bucket, name, "available", |_| {})
}
fn function(name: &str) -> IdentifiedResource {
    identified(K::LambdaFunction, name, "active", |r| {
        r.config.memory_mb = Some(512);
        r.config.timeout_seconds = Some(30);
        r.config.engine = Some("python3.12".into());
    })
}
fn alb(name: &str, groups: usize) -> IdentifiedResource {
    identified(K::LoadBalancer, name, "active", |r| {
        let arns: Vec<Value> = (0..groups)
            .map(|i| {
                json!(format!(
                    "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/{name}-tg{i}/0123456789abcdef"
                ))
            })
            .collect();
        r.config.extra.insert("TargetGroupArns".into(), Value::Array(arns));
    })
}

fn cases() -> Vec<Case> {
    use Expect::*;
    let c = |prompt, resources, expect| Case { prompt, resources, expect };
    let sg = identified(K::SecurityGroup, "web-sg", "available", |r| r.config.publicly_accessible = Some(true));
    let volume = identified(K::EbsVolume, "data-vol", "in-use", |r| r.config.size_gb = Some(100));
    let mut denied = rds("pg-main", "available");
    denied.iam_permissions.allowed.clear();
    denied.iam_permissions.denied_explicit.insert("rds:StopDBInstance".parse::<IamAction>().unwrap());
    let mut no_allow = ec2("web-1", "running");
    no_allow.iam_permissions.allowed.clear();
    no_allow.iam_permissions.denied_implicit.insert("ec2:RebootInstances".parse::<IamAction>().unwrap());
    let replica =
        identified(K::RdsInstance, "pg-replica", "available", |r| r.config.replica_source = Some("pg-main".into()));
    let protected = identified(K::Ec2Instance, "protected-1", "running", |r| r.config.deletion_protection = Some(true));
    let mut other_account = rds("pg-main", "available");
    other_account.account_id = "222222222222".parse().unwrap();
    other_account.arn = "arn:aws:rds:us-east-1:222222222222:db:pg-main".parse().unwrap();
    vec![
        // The seed example.
        c(
            "stop pg-instance-main1",
            vec![rds("pg-instance-main1", "available")],
            Plan("rds-stop-instance", "StopDBInstance"),
        ),
        // RDS instances and clusters. A plain stop is never the stop-with-snapshot playbook.
        c(
            "stop reporting-db in staging",
            vec![rds("reporting-db", "available")],
            Plan("rds-stop-instance", "StopDBInstance"),
        ),
        c(
            "shut down zz-payroll-db-4242",
            vec![rds("zz-payroll-db-4242", "available")],
            Plan("rds-stop-instance", "StopDBInstance"),
        ),
        c("start pg-reports", vec![rds("pg-reports", "stopped")], Plan("rds-start-instance", "StartDBInstance")),
        c("reboot pg-main", vec![rds("pg-main", "available")], Plan("rds-reboot-instance", "RebootDBInstance")),
        c(
            "take a snapshot of pg-main",
            vec![rds("pg-main", "available")],
            Plan("rds-snapshot-instance", "CreateDBSnapshot"),
        ),
        c(
            "stop pg-main with a final snapshot",
            vec![rds("pg-main", "available")],
            Plan("rds-stop-with-snapshot", "StopDBInstance"),
        ),
        c(
            "change the instance class of pg-main to db.r6g.large",
            vec![rds("pg-main", "available")],
            Plan("rds-modify-instance-class", "ModifyDBInstance"),
        ),
        c(
            "enable deletion protection on pg-main",
            vec![rds("pg-main", "available")],
            Plan("rds-enable-deletion-protection", "ModifyDBInstance"),
        ),
        c(
            "fail over pg-ha to its standby",
            vec![multi_az_rds("pg-ha")],
            Plan("rds-reboot-with-failover", "RebootDBInstance"),
        ),
        c(
            "fail over the aurora cluster orders-cluster",
            vec![cluster("orders-cluster", "available")],
            Plan("rds-failover-cluster", "FailoverDBCluster"),
        ),
        c(
            "stop the aurora cluster orders-cluster",
            vec![cluster("orders-cluster", "available")],
            Plan("rds-stop-cluster", "StopDBCluster"),
        ),
        c(
            "start orders-cluster",
            vec![cluster("orders-cluster", "stopped")],
            Plan("rds-start-cluster", "StartDBCluster"),
        ),
        c(
            "snapshot the cluster orders-cluster",
            vec![cluster("orders-cluster", "available")],
            Plan("rds-snapshot-cluster", "CreateDBClusterSnapshot"),
        ),
        c(
            "show me the details of pg-main",
            vec![rds("pg-main", "available")],
            Plan("rds-describe-instances", "DescribeDBInstances"),
        ),
        c(
            "which databases have no backups",
            vec![rds("pg-a", "available"), rds("pg-b", "available")],
            Plan("rds-find-instances-without-backups", "DescribeDBInstances"),
        ),
        // EC2.
        c("stop web-1", vec![ec2("web-1", "running")], Plan("ec2-stop-instances", "StopInstances")),
        c("start web-2", vec![ec2("web-2", "stopped")], Plan("ec2-start-instances", "StartInstances")),
        c("reboot web-1", vec![ec2("web-1", "running")], Plan("ec2-reboot-instances", "RebootInstances")),
        c(
            "terminate old-worker",
            vec![ec2("old-worker", "running")],
            Plan("ec2-terminate-instances", "TerminateInstances"),
        ),
        c("resize web-1 to m5.xlarge", vec![ec2("web-1", "running")], Plan("ec2-resize-instance", "StopInstances")),
        c("create an AMI of web-1", vec![ec2("web-1", "running")], Plan("ec2-create-image", "CreateImage")),
        c("describe web-1", vec![ec2("web-1", "running")], Plan("ec2-describe-instances", "DescribeInstances")),
        // The prompts (verb safety, phrasal verbs): never the action the words contradict.
        c("delete web-2", vec![ec2("web-2", "stopped")], Plan("ec2-terminate-instances", "TerminateInstances")),
        c("get rid of web-2", vec![ec2("web-2", "stopped")], Plan("ec2-terminate-instances", "TerminateInstances")),
        c(
            "bring pg-reports back up",
            vec![rds("pg-reports", "stopped")],
            Plan("rds-start-instance", "StartDBInstance"),
        ),
        c("turn web-2 back on", vec![ec2("web-2", "stopped")], Plan("ec2-start-instances", "StartInstances")),
        c("shut pg-main down", vec![rds("pg-main", "available")], Plan("rds-stop-instance", "StopDBInstance")),
        c("snapshot the volume data-vol", vec![volume], Plan("ec2-snapshot-volume", "CreateSnapshot")),
        c("close port 22 on web-sg", vec![sg], Plan("ec2-revoke-open-ingress", "RevokeSecurityGroupIngress")),
        // S3.
        c(
            "block public access on assets-bucket",
            vec![bucket("assets-bucket")],
            Plan("s3-block-public-access", "PutPublicAccessBlock"),
        ),
        c(
            "enable versioning on assets-bucket",
            vec![bucket("assets-bucket")],
            Plan("s3-enable-versioning", "PutBucketVersioning"),
        ),
        c(
            "expire old versions in logs-bucket after 90 days",
            vec![bucket("logs-bucket")],
            Plan("s3-add-lifecycle-rule", "PutBucketLifecycleConfiguration"),
        ),
        c(
            "empty and delete the bucket old-exports",
            vec![bucket("old-exports")],
            Plan("s3-empty-and-delete", "EmptyBucket"),
        ),
        c("list my s3 buckets", vec![bucket("a-bucket"), bucket("b-bucket")], Plan("s3-list-buckets", "ListBuckets")),
        // Lambda.
        c(
            "set the memory of image-resizer to 1024 MB",
            vec![function("image-resizer")],
            Plan("lambda-update-memory", "UpdateFunctionConfiguration"),
        ),
        c(
            "set the timeout of image-resizer to 60 seconds",
            vec![function("image-resizer")],
            Plan("lambda-update-timeout", "UpdateFunctionConfiguration"),
        ),
        c(
            "set the reserved concurrency of image-resizer to 50",
            vec![function("image-resizer")],
            Plan("lambda-set-concurrency", "PutFunctionConcurrency"),
        ),
        c(
            "publish a new version of image-resizer",
            vec![function("image-resizer")],
            Plan("lambda-publish-version", "PublishVersion"),
        ),
        c(
            "describe the function image-resizer",
            vec![function("image-resizer")],
            Plan("lambda-describe-function", "GetFunction"),
        ),
        // ELB.
        c(
            "deregister web-1 from alb-prod",
            vec![alb("alb-prod", 1), ec2("web-1", "running")],
            Plan("elbv2-deregister-targets", "DeregisterTargets"),
        ),
        c(
            "register web-1 with alb-prod",
            vec![alb("alb-prod", 1), ec2("web-1", "running")],
            Plan("elbv2-register-targets", "RegisterTargets"),
        ),
        c(
            "which targets are unhealthy behind alb-prod",
            vec![alb("alb-prod", 1)],
            Plan("elbv2-describe-target-health", "DescribeTargetHealth"),
        ),
        // Tags.
        c("tag web-1 with env=prod", vec![ec2("web-1", "running")], Plan("tags-add", "TagResources")),
        c("remove tag owner from web-1", vec![ec2("web-1", "running")], Plan("tags-remove", "UntagResources")),
        // Clarifications: ambiguous target, no target, missing parameter, a choice, no intent.
        c("stop pg-main", vec![rds("pg-main", "available"), other_account], Clarify("target")),
        c("stop the database", vec![], Clarify("target")),
        c("resize web-1", vec![ec2("web-1", "running")], Clarify("instance_type")),
        c("set the memory of image-resizer", vec![function("image-resizer")], Clarify("memory_size")),
        c(
            "deregister web-1 from alb-two",
            vec![alb("alb-two", 2), ec2("web-1", "running")],
            Clarify("target_group_arn"),
        ),
        // Preconditions.
        c("stop pg-old", vec![rds("pg-old", "stopped")], Blocked("precondition")),
        c("start web-1", vec![ec2("web-1", "running")], Blocked("precondition")),
        c("stop pg-replica", vec![replica], Blocked("precondition")),
        c("terminate protected-1", vec![protected], Blocked("precondition")),
        // IAM.
        c("stop pg-main", vec![denied], Blocked("iam_denied")),
        c("reboot web-1", vec![no_allow], Blocked("iam_denied")),
    ]
}

#[test]
fn prompts_plan_clarify_or_refuse_through_http() {
    let server = server();
    let mut failures = Vec::new();
    let mut planned = BTreeSet::new();
    // The client's own copy of the playbooks, for its plan guard.
    let catalog = DirPlaybookSource::new(cloudops_e2e::workspace_root().join("playbooks")).load().unwrap();
    let cases = cases();
    for case in &cases {
        let body = json!({"prompt": case.prompt, "identified_resources": case.resources});
        let answer = server.plan(&body);
        if answer.status != 200 {
            failures.push(format!("{:?}: HTTP {} {}", case.prompt, answer.status, answer.body));
            continue;
        }
        let r = answer.json();
        let decided = answer.header("x-cloudops-decided-by").unwrap_or_default();
        let playbook = r["playbook"]["id"].as_str().unwrap_or("-").to_owned();
        let outcome = match &case.expect {
            Expect::Plan(id, op) => {
                let first = &r["script"]["steps"][0]["call"];
                let ok = playbook == *id
                    && first["operation"] == *op
                    && r["clarification"].is_null()
                    && r["blocked"].is_null();
                planned.insert(id.to_string());
                // Every plan the server makes passes the client's guard.
                let plan: PlanResponse = serde_json::from_value(r.clone()).expect("a strict PlanResponse");
                let guard = cloudops_app::checked::CheckedPlan::check(case.prompt, plan, &case.resources, &catalog);
                if let Err(refusal) = &guard {
                    failures.push(format!("{:?}: the guard rejects the server's plan: {refusal}", case.prompt));
                }
                (ok && guard.is_ok(), format!("plan {id}/{op}"))
            }
            Expect::Clarify(missing) => {
                let names: Vec<&str> = r["clarification"]["missing"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let ok = names.contains(missing) && r["script"]["steps"].as_array().is_some_and(Vec::is_empty);
                (ok, format!("clarify {missing}"))
            }
            Expect::Blocked(rule) => {
                let ok = r["blocked"][0]["rule"] == *rule
                    && r["script"]["steps"].as_array().is_some_and(Vec::is_empty)
                    && r["approval_required"] == false;
                (ok, format!("blocked {rule}"))
            }
        };
        println!(
            "{:<55} {:<32} {:<6} {:<13} {playbook}",
            case.prompt,
            outcome.1,
            if outcome.0 { "ok" } else { "FAILED" },
            decided
        );
        if !outcome.0 {
            failures.push(format!(
                "{:?}: expected {}, got {}",
                case.prompt,
                outcome.1,
                serde_json::to_string_pretty(&r).unwrap_or_default()
            ));
        }
    }
    assert!(cases.len() >= 40, "the issue asks for at least 40 prompts");
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
    let all: BTreeSet<String> =
        server.request("GET", "/v1/playbooks", Some(cloudops_e2e::planner::TOKEN), None).unwrap().json()["playbooks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect();
    let unplanned: Vec<&String> = all.difference(&planned).collect();
    assert!(unplanned.is_empty(), "playbooks no case plans: {unplanned:?}");
}

#[test]
fn the_seed_example_is_exact() {
    let body =
        json!({"prompt": "stop pg-instance-main1", "identified_resources": [rds("pg-instance-main1", "available")]});
    let r = server().plan(&body).json();
    let step = &r["script"]["steps"][0];
    assert_eq!(step["call"]["service"], "rds");
    assert_eq!(step["call"]["operation"], "StopDBInstance");
    assert_eq!(step["call"]["parameters"], json!({"DBInstanceIdentifier": "pg-instance-main1"}));
    assert_eq!(step["call"]["region"], "us-east-1");
    assert_eq!(step["cli"], "aws rds stop-db-instance --db-instance-identifier pg-instance-main1 --region us-east-1");
    assert_eq!(r["risk_assessment"]["level"], "medium");
    assert_eq!(r["approval_required"], true);
    assert_eq!(r["playbook"]["id"], "rds-stop-instance");
    let version = r["playbook"]["version"].as_str().unwrap();
    assert!(version.len() >= 40 && version[..40].bytes().all(|b| b.is_ascii_hexdigit()), "a commit id: {version}");
    assert!(r["explain_plan"].as_str().unwrap().contains("pg-instance-main1"));
}
