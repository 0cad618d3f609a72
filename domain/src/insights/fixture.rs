//! An estate with every finding and, beside each, its near-misses (what the rule must not
//! flag). Every resource carries owner and env tags unless it is the missing-tag case.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::{RuleId, Severity};
use crate::resource::{Dependency, IngressRule, Relation, Resource, ResourceKind};
use crate::testing::resource;

pub(super) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 10, 12, 0, 0).single().expect("valid date")
}

fn tagged(kind: ResourceKind, name: &str, state: &str, env: &str) -> Resource {
    let mut r = resource(kind, name, state);
    r.tags.insert("owner", "platform");
    r.tags.insert("env", env);
    r
}

fn ingress(protocol: &str, port: Option<i32>, source: &str) -> IngressRule {
    IngressRule { protocol: protocol.into(), from_port: port, to_port: port, sources: vec![source.into()] }
}

type Expected = Vec<(RuleId, &'static str, Severity)>;

pub(super) fn estate() -> (Vec<Resource>, Expected) {
    use ResourceKind::*;
    use RuleId::*;
    let mut out = Vec::new();
    let mut want: Expected = Vec::new();
    let mut db = |name: &'static str, env: &str, f: &dyn Fn(&mut Resource)| {
        let mut r = tagged(RdsInstance, name, "available", env);
        r.config.backup_retention_days = Some(7);
        r.config.deletion_protection = Some(true);
        r.config.encrypted = Some(true);
        f(&mut r);
        out.push(r);
    };
    db("pg-ledger-prod", "production", &|r| r.config.backup_retention_days = Some(0));
    want.push((UnbackedDatabases, "pg-ledger-prod", Severity::High));
    db("pg-reports-replica", "production", &|r| {
        r.config.backup_retention_days = Some(0);
        r.config.replica_source = Some("pg-ledger-prod".into());
    });
    db("pg-orders-prod", "production", &|r| r.config.deletion_protection = Some(false));
    want.push((UnprotectedDatabases, "pg-orders-prod", Severity::High));
    db("pg-orders-staging", "staging", &|r| {
        r.config.deletion_protection = Some(false);
        r.config.encrypted = Some(false);
    });
    want.push((UnprotectedDatabases, "pg-orders-staging", Severity::Low));
    want.push((UnencryptedStorage, "pg-orders-staging", Severity::Medium));
    db("aurora-ledger-1", "production", &|r| {
        r.config.backup_retention_days = Some(0);
        r.config.deletion_protection = Some(false);
        r.config.encrypted = Some(false);
        let arn = "arn:aws:rds:us-east-1:123456789012:cluster:aurora-ledger".parse().expect("valid ARN");
        r.dependencies.push(Dependency { relation: Relation::MemberOf, arn });
    });
    db("pg-healthy-prod", "production", &|_| {});

    let mut volume = tagged(EbsVolume, "vol-data-prod", "in-use", "prod");
    volume.config.encrypted = Some(false);
    out.push(volume);
    want.push((UnencryptedStorage, "vol-data-prod", Severity::High));
    let mut volume = tagged(EbsVolume, "vol-data-encrypted", "in-use", "prod");
    volume.config.encrypted = Some(true);
    out.push(volume);

    for (name, policy, unblocked) in [
        ("acme-public-site", Some(true), Some(true)),
        ("acme-unblocked", Some(false), Some(true)),
        ("acme-private", Some(false), Some(false)),
    ] {
        let mut b = tagged(S3Bucket, name, "available", "production");
        b.config.public_policy = policy;
        b.config.publicly_accessible = unblocked;
        out.push(b);
    }
    want.push((PublicBuckets, "acme-public-site", Severity::Critical));
    want.push((PublicBuckets, "acme-unblocked", Severity::Low));

    for (name, rules) in [
        ("sg-bastion", vec![ingress("tcp", Some(22), "0.0.0.0/0")]),
        ("sg-allow-all", vec![ingress("-1", None, "0.0.0.0/0")]),
        ("sg-web", vec![ingress("tcp", Some(443), "0.0.0.0/0"), ingress("tcp", Some(22), "10.0.0.0/8")]),
    ] {
        let mut g = resource(SecurityGroup, name, "available");
        g.config.ingress = rules;
        out.push(g);
    }
    want.push((OpenAdminPorts, "sg-bastion", Severity::High));
    want.push((OpenAdminPorts, "sg-allow-all", Severity::Critical));

    for (name, public) in [("public-web-alb", true), ("internal-api-alb", false)] {
        let mut lb = tagged(LoadBalancer, name, "active", "production");
        lb.config.publicly_accessible = Some(public);
        out.push(lb);
    }
    want.push((InternetFacingLoadBalancers, "public-web-alb", Severity::Low));

    for (name, state, ago) in [
        ("legacy-batch", "stopped", Some(Duration::days(60))),
        ("build-agent", "stopped", Some(Duration::days(2))),
        ("web-1", "running", None),
    ] {
        let mut i = tagged(Ec2Instance, name, state, "staging");
        i.config.state_since = ago.map(|d| now() - d);
        out.push(i);
    }
    want.push((StoppedInstances, "legacy-batch", Severity::Low));
    want.push((StoppedInstances, "build-agent", Severity::Info));

    for (name, runtime) in [("old-python", "python3.8"), ("soon-ruby", "ruby3.2"), ("fresh-python", "python3.12")] {
        let mut f = tagged(LambdaFunction, name, "active", "staging");
        f.config.engine = Some(runtime.into());
        out.push(f);
    }
    want.push((DeprecatedRuntimes, "old-python", Severity::Medium));
    want.push((DeprecatedRuntimes, "soon-ruby", Severity::Low));

    let mut orphan = resource(Ec2Instance, "orphan-box", "running");
    orphan.tags.insert("Name", "orphan-box");
    out.push(orphan);
    want.push((MissingOwnerOrEnvTag, "orphan-box", Severity::Low));
    let mut no_env = resource(S3Bucket, "acme-no-env", "available");
    no_env.tags.insert("team", "data");
    no_env.config.publicly_accessible = Some(false);
    no_env.config.public_policy = Some(false);
    out.push(no_env);
    want.push((MissingOwnerOrEnvTag, "acme-no-env", Severity::Low));
    let mut unread = resource(LambdaFunction, "tags-unreadable", "active");
    unread.unknown.insert(crate::resource::Facet::Tags);
    out.push(unread);
    // Network plumbing without tags is not a finding.
    out.push(resource(Vpc, "default-vpc", "available"));
    (out, want)
}
