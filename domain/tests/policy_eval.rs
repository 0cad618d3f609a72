//! Table test of the local IAM policy evaluator: each row is a set of identity policies, a
//! request and the verdict IAM gives (or `Unknown` where it cannot be decided offline).

use cloudops_domain::PermissionVerdict::{self, Allowed, ExplicitDeny, ImplicitDeny, Unknown};
use cloudops_domain::policy::{PolicyDocument, RequestContext, evaluate};

const DB: &str = "arn:aws:rds:us-east-1:123456789012:db:pg-instance-main1";
const INSTANCE: &str = "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc";
const BUCKET: &str = "arn:aws:s3:::acme-logs";

fn ctx() -> RequestContext {
    RequestContext::new()
        .with("aws:RequestedRegion", "us-east-1")
        .with("aws:SecureTransport", "true")
        .with("aws:ResourceTag/env", "staging")
        .with("aws:PrincipalArn", "arn:aws:iam::123456789012:role/ops")
        .with_values("aws:TagKeys", &["env", "team"])
        .decidable("aws:ResourceTag/")
        .decidable("aws:RequestTag/")
}

fn allow(action: &str, resource: &str) -> String {
    format!(r#"{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}"#)
}

fn deny(action: &str, resource: &str) -> String {
    format!(r#"{{"Effect":"Deny","Action":"{action}","Resource":"{resource}"}}"#)
}

fn with_condition(effect: &str, action: &str, condition: &str) -> String {
    format!(r#"{{"Effect":"{effect}","Action":"{action}","Resource":"*","Condition":{condition}}}"#)
}

fn doc(statements: &[String]) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{}]}}"#, statements.join(","))
}

struct Case {
    name: &'static str,
    policies: Vec<String>,
    action: &'static str,
    resource: &'static str,
    want: PermissionVerdict,
}

fn case(
    name: &'static str,
    policies: Vec<String>,
    action: &'static str,
    resource: &'static str,
    want: PermissionVerdict,
) -> Case {
    Case { name, policies, action, resource, want }
}

fn cases() -> Vec<Case> {
    let cond = |e: &str, a: &str, c: &str| doc(&[with_condition(e, a, c)]);
    vec![
        case("no policies: implicit deny", vec![], "rds:StopDBInstance", DB, ImplicitDeny),
        case("exact allow", vec![doc(&[allow("rds:StopDBInstance", DB)])], "rds:StopDBInstance", DB, Allowed),
        case("other action only: implicit deny", vec![doc(&[allow("rds:StartDBInstance", DB)])], "rds:StopDBInstance", DB, ImplicitDeny),
        case("action wildcard suffix", vec![doc(&[allow("rds:Stop*", "*")])], "rds:StopDBInstance", DB, Allowed),
        case("action wildcard service", vec![doc(&[allow("rds:*", "*")])], "rds:RebootDBInstance", DB, Allowed),
        case("full admin", vec![doc(&[allow("*", "*")])], "ec2:TerminateInstances", INSTANCE, Allowed),
        case("action case-insensitive", vec![doc(&[allow("RDS:stopdbinstance", "*")])], "rds:StopDBInstance", DB, Allowed),
        case("question-mark wildcard", vec![doc(&[allow("ec2:?topInstances", "*")])], "ec2:StopInstances", INSTANCE, Allowed),
        case("resource wildcard match", vec![doc(&[allow("rds:*", "arn:aws:rds:us-east-1:123456789012:db:pg-*")])], "rds:StopDBInstance", DB, Allowed),
        case("resource wildcard miss", vec![doc(&[allow("rds:*", "arn:aws:rds:us-east-1:123456789012:db:mysql-*")])], "rds:StopDBInstance", DB, ImplicitDeny),
        case("resource is case-sensitive", vec![doc(&[allow("rds:*", "arn:aws:rds:us-east-1:123456789012:db:PG-*")])], "rds:StopDBInstance", DB, ImplicitDeny),
        case(
            "explicit deny beats allow in the same policy",
            vec![doc(&[allow("rds:*", "*"), deny("rds:StopDBInstance", "*")])],
            "rds:StopDBInstance",
            DB,
            ExplicitDeny,
        ),
        case(
            "explicit deny beats allow across policies",
            vec![doc(&[allow("*", "*")]), doc(&[deny("rds:Stop*", DB)])],
            "rds:StopDBInstance",
            DB,
            ExplicitDeny,
        ),
        case("deny of another resource does not apply", vec![doc(&[allow("rds:*", "*"), deny("rds:*", "arn:aws:rds:*:*:db:prod-*")])], "rds:StopDBInstance", DB, Allowed),
        case("deny alone is explicit", vec![doc(&[deny("ec2:*", "*")])], "ec2:StopInstances", INSTANCE, ExplicitDeny),
        case(
            "NotAction allow covers other actions",
            vec![doc(&[r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#.into()])],
            "ec2:StopInstances",
            INSTANCE,
            Allowed,
        ),
        case(
            "NotAction allow excludes the listed ones",
            vec![doc(&[r#"{"Effect":"Allow","NotAction":["ec2:Terminate*","rds:Delete*"],"Resource":"*"}"#.into()])],
            "ec2:TerminateInstances",
            INSTANCE,
            ImplicitDeny,
        ),
        case(
            "NotAction deny denies everything else",
            vec![doc(&[allow("*", "*"), r#"{"Effect":"Deny","NotAction":"ec2:Describe*","Resource":"*"}"#.into()])],
            "ec2:StopInstances",
            INSTANCE,
            ExplicitDeny,
        ),
        case(
            "NotAction deny spares the listed ones",
            vec![doc(&[allow("*", "*"), r#"{"Effect":"Deny","NotAction":"ec2:Describe*","Resource":"*"}"#.into()])],
            "ec2:DescribeInstances",
            INSTANCE,
            Allowed,
        ),
        case(
            "NotResource allow",
            vec![doc(&[r#"{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret-*"}"#.into()])],
            "s3:DeleteBucket",
            BUCKET,
            Allowed,
        ),
        case(
            "NotResource deny protects everything but the listed",
            vec![doc(&[allow("s3:*", "*"), r#"{"Effect":"Deny","Action":"s3:Delete*","NotResource":"arn:aws:s3:::scratch-*"}"#.into()])],
            "s3:DeleteBucket",
            BUCKET,
            ExplicitDeny,
        ),
        case(
            "region condition holds",
            vec![cond("Allow", "rds:*", r#"{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}"#)],
            "rds:StopDBInstance",
            DB,
            Allowed,
        ),
        case(
            "region condition fails",
            vec![cond("Allow", "rds:*", r#"{"StringEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1"]}}"#)],
            "rds:StopDBInstance",
            DB,
            ImplicitDeny,
        ),
        case(
            "deny outside approved regions (StringNotEquals)",
            vec![doc(&[allow("*", "*"), with_condition("Deny", "*", r#"{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}"#)])],
            "rds:StopDBInstance",
            DB,
            ExplicitDeny,
        ),
        case(
            "resource tag condition (StringLike)",
            vec![cond("Allow", "rds:Stop*", r#"{"StringLike":{"aws:ResourceTag/env":"stag*"}}"#)],
            "rds:StopDBInstance",
            DB,
            Allowed,
        ),
        case(
            "deny on production tag does not apply to staging",
            vec![doc(&[allow("*", "*"), with_condition("Deny", "rds:*", r#"{"StringEquals":{"aws:ResourceTag/env":"production"}}"#)])],
            "rds:StopDBInstance",
            DB,
            Allowed,
        ),
        case(
            "missing tag key fails a plain condition",
            vec![cond("Allow", "rds:*", r#"{"StringEquals":{"aws:ResourceTag/team":"data"}}"#)],
            "rds:StopDBInstance",
            DB,
            ImplicitDeny,
        ),
        case(
            "missing tag key passes IfExists",
            vec![cond("Allow", "rds:*", r#"{"StringEqualsIfExists":{"aws:ResourceTag/team":"data"}}"#)],
            "rds:StopDBInstance",
            DB,
            Allowed,
        ),
        case(
            "Null condition: tag absent",
            vec![cond("Allow", "rds:*", r#"{"Null":{"aws:ResourceTag/team":"true"}}"#)],
            "rds:StopDBInstance",
            DB,
            Allowed,
        ),
        case(
            "Bool on SecureTransport",
            vec![doc(&[allow("s3:*", "*"), with_condition("Deny", "s3:*", r#"{"Bool":{"aws:SecureTransport":"false"}}"#)])],
            "s3:DeleteBucket",
            BUCKET,
            Allowed,
        ),
        case(
            "MFA condition cannot be known offline",
            vec![cond("Allow", "ec2:*", r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#)],
            "ec2:StopInstances",
            INSTANCE,
            Unknown,
        ),
        case(
            "source IP condition cannot be known offline",
            vec![cond("Allow", "ec2:*", r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#)],
            "ec2:StopInstances",
            INSTANCE,
            Unknown,
        ),
        case(
            "an unknowable deny makes an allow unknown",
            vec![doc(&[allow("*", "*"), with_condition("Deny", "ec2:*", r#"{"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}"#)])],
            "ec2:StopInstances",
            INSTANCE,
            Unknown,
        ),
        case(
            "an unknowable deny with no allow is still a deny",
            vec![doc(&[with_condition("Deny", "ec2:*", r#"{"Bool":{"aws:MultiFactorAuthPresent":"false"}}"#)])],
            "ec2:StopInstances",
            INSTANCE,
            ImplicitDeny,
        ),
        case(
            "a known allow beats an unknowable allow",
            vec![doc(&[allow("ec2:*", "*"), with_condition("Allow", "ec2:*", r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#)])],
            "ec2:StopInstances",
            INSTANCE,
            Allowed,
        ),
        case(
            "ForAnyValue over request tag keys",
            vec![cond("Allow", "ec2:CreateTags", r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["team"]}}"#)],
            "ec2:CreateTags",
            INSTANCE,
            Allowed,
        ),
        case(
            "ForAllValues over request tag keys fails on an extra key",
            vec![cond("Allow", "ec2:CreateTags", r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}"#)],
            "ec2:CreateTags",
            INSTANCE,
            ImplicitDeny,
        ),
        case(
            "ArnLike on the principal",
            vec![cond("Allow", "rds:*", r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/ops"}}"#)],
            "rds:StopDBInstance",
            DB,
            Allowed,
        ),
        case(
            "several conditions must all hold",
            vec![cond(
                "Allow",
                "rds:*",
                r#"{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"StringLike":{"aws:ResourceTag/env":"prod*"}}"#,
            )],
            "rds:StopDBInstance",
            DB,
            ImplicitDeny,
        ),
        case(
            "policy variable in resource is unknown offline",
            vec![doc(&[allow("s3:*", "arn:aws:s3:::${aws:username}-*")])],
            "s3:DeleteBucket",
            BUCKET,
            Unknown,
        ),
        case(
            "a single Statement object (not a list)",
            vec![r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["ec2:Stop*","ec2:Start*"],"Resource":["*"]}}"#.into()],
            "ec2:StartInstances",
            INSTANCE,
            Allowed,
        ),
    ]
}

#[test]
fn policy_evaluation_table() {
    let cases = cases();
    assert!(cases.len() >= 30, "the evaluator needs at least 30 table cases");
    let mut failures = Vec::new();
    for c in &cases {
        let policies: Vec<PolicyDocument> = c
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| PolicyDocument::parse(&format!("p{i}"), p).unwrap_or_else(|e| panic!("{}: {e}", c.name)))
            .collect();
        let got = evaluate(&policies, c.action, c.resource, &ctx());
        if got.verdict != c.want {
            failures.push(format!("{}: got {:?} (by {:?}), want {:?}", c.name, got.verdict, got.decided_by, c.want));
        }
    }
    assert!(failures.is_empty(), "policy evaluation failures:\n{}", failures.join("\n"));
}

#[test]
fn the_deciding_statement_is_named() {
    let policies = [PolicyDocument::parse(
        "ops",
        &doc(&[allow("*", "*"), r#"{"Sid":"NoStops","Effect":"Deny","Action":"rds:Stop*","Resource":"*"}"#.into()]),
    )
    .unwrap()];
    let got = evaluate(&policies, "rds:StopDBInstance", DB, &ctx());
    assert_eq!(got.decided_by.as_deref(), Some("ops/NoStops"));
    let got = evaluate(&policies, "rds:StartDBInstance", DB, &ctx());
    assert_eq!(got.decided_by.as_deref(), Some("ops#0"));
}

#[test]
fn malformed_policies_are_rejected_with_the_reason() {
    for (json, needle) in [
        ("not json", "not JSON"),
        (r#"{"Version":"2012-10-17"}"#, "no Statement"),
        (r#"{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}"#, "Effect must be Allow or Deny"),
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"x","Resource":"*"}]}"#,
            "both Action and NotAction",
        ),
        (r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#, "neither Action nor NotAction"),
        (r#"{"Statement":[{"Effect":"Allow","Action":7,"Resource":"*"}]}"#, "Action must be"),
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Foo:StringEquals":{"a":"b"}}}]}"#,
            "qualifier",
        ),
    ] {
        let err = PolicyDocument::parse("bad", json).unwrap_err().to_string();
        assert!(err.contains("'bad'") && err.contains(needle), "{json}: {err}");
    }
}
