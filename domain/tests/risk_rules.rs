//! Table test of the risk rules: each row is a plan situation and the level, reasons and
//! approval the rules must give.

use cloudops_domain::constraints;
use cloudops_domain::risk::{ExposureChange, RiskInput, RiskLevel, RiskRule, assess};
use cloudops_domain::testing::resource;
use cloudops_domain::{ActionClass, Facet, Resource, ResourceConfig, ResourceKind, Tags};

/// A target: kind, state, tags, config tweaks; constraints derived by the domain rules.
fn target(kind: ResourceKind, tags: &[(&str, &str)], cfg: ResourceConfig) -> Resource {
    let state = match kind {
        ResourceKind::Ec2Instance => "running",
        _ => "available",
    };
    let mut r = resource(kind, "target-1", state);
    r.tags = tags.iter().copied().collect::<Tags>();
    r.config = cfg;
    r.constraints = constraints::derive(&r, 0);
    r
}

fn db(tags: &[(&str, &str)], cfg: ResourceConfig) -> Resource {
    target(ResourceKind::RdsInstance, tags, cfg)
}

fn backed_up() -> ResourceConfig {
    ResourceConfig { backup_retention_days: Some(7), ..Default::default() }
}

fn many(n: usize, kind: ResourceKind) -> Vec<Resource> {
    (0..n).map(|_| target(kind, &[], ResourceConfig::default())).collect()
}

struct Case {
    name: &'static str,
    action: ActionClass,
    exposure: ExposureChange,
    targets: Vec<Resource>,
    level: RiskLevel,
    approval: bool,
    rules: &'static [RiskRule],
}

fn case(
    name: &'static str,
    action: ActionClass,
    targets: Vec<Resource>,
    level: RiskLevel,
    rules: &'static [RiskRule],
) -> Case {
    Case {
        name,
        action,
        exposure: ExposureChange::None,
        targets,
        level,
        approval: action != ActionClass::ReadOnly,
        rules,
    }
}

fn cases() -> Vec<Case> {
    use ActionClass::*;
    use ResourceKind::*;
    use RiskLevel::*;
    use RiskRule as R;
    let prod = &[("env", "production")][..];
    vec![
        case("read-only list is low, no approval", ReadOnly, vec![db(&[], backed_up())], Low, &[R::ActionClass]),
        case("read-only on production stays low", ReadOnly, vec![db(prod, ResourceConfig::default())], Low, &[]),
        case("read-only on 100 resources stays low", ReadOnly, many(100, Ec2Instance), Low, &[]),
        case("snapshot of a dev db is low", Additive, vec![db(&[], backed_up())], Low, &[R::ActionClass]),
        case("snapshot of a production db is medium", Additive, vec![db(prod, backed_up())], Medium, &[R::Production]),
        case("tagging an instance is low", Additive, vec![target(Ec2Instance, &[], Default::default())], Low, &[]),
        case(
            "stop a backed-up single-AZ db is medium",
            Disruptive,
            vec![db(&[], backed_up())],
            Medium,
            &[R::ActionClass],
        ),
        case(
            "stop a db without backups is medium with a reason",
            Disruptive,
            vec![db(&[], Default::default())],
            Medium,
            &[R::NoBackups],
        ),
        case(
            "stop a multi-AZ db is medium with a reason",
            Disruptive,
            vec![db(&[], ResourceConfig { multi_az: Some(true), ..backed_up() })],
            Medium,
            &[R::MultiAz],
        ),
        case("stop a production db is high", Disruptive, vec![db(prod, backed_up())], High, &[R::Production]),
        case(
            "reboot a db with replicas is high",
            Disruptive,
            vec![db(&[], ResourceConfig { read_replicas: vec!["r1".into(), "r2".into()], ..backed_up() })],
            High,
            &[R::ReadReplicas],
        ),
        case(
            "reboot a production db with replicas is critical",
            Disruptive,
            vec![db(prod, ResourceConfig { read_replicas: vec!["r1".into()], ..backed_up() })],
            Critical,
            &[R::Production, R::ReadReplicas],
        ),
        case(
            "terminate a dev instance is high",
            Destructive,
            vec![target(Ec2Instance, &[], Default::default())],
            High,
            &[R::Deletion],
        ),
        case(
            "terminate a production instance is critical",
            Destructive,
            vec![target(Ec2Instance, &[("Environment", "Prod")], Default::default())],
            Critical,
            &[R::Deletion, R::Production],
        ),
        case(
            "delete a db without backups is critical",
            Destructive,
            vec![db(&[], Default::default())],
            Critical,
            &[R::NoBackups, R::Deletion],
        ),
        case("delete a backed-up dev db is high", Destructive, vec![db(&[], backed_up())], High, &[R::Deletion]),
        case(
            "delete an unversioned bucket is critical",
            Destructive,
            vec![target(S3Bucket, &[], Default::default())],
            Critical,
            &[R::NoBackups],
        ),
        case(
            "delete a versioned dev bucket is high",
            Destructive,
            vec![target(S3Bucket, &[], ResourceConfig { versioning: Some("Enabled".into()), ..Default::default() })],
            High,
            &[R::Deletion],
        ),
        case(
            "modify a publicly accessible db is medium with a reason",
            Configuration,
            vec![db(&[], ResourceConfig { publicly_accessible: Some(true), ..backed_up() })],
            Medium,
            &[R::PublicExposure],
        ),
        Case {
            exposure: ExposureChange::Increases,
            ..case(
                "opening a security group is high",
                Configuration,
                vec![target(SecurityGroup, &[], Default::default())],
                High,
                &[R::ExposureIncrease],
            )
        },
        Case {
            exposure: ExposureChange::Decreases,
            ..case(
                "blocking public access on a public bucket stays medium and says why",
                Configuration,
                vec![target(S3Bucket, &[], ResourceConfig { publicly_accessible: Some(true), ..Default::default() })],
                Medium,
                &[R::ExposureDecrease],
            )
        },
        case("stopping 9 instances is medium", Disruptive, many(9, Ec2Instance), Medium, &[]),
        case("stopping 10 instances is high", Disruptive, many(10, Ec2Instance), High, &[R::ManyTargets]),
        case("tagging 12 instances is medium", Additive, many(12, Ec2Instance), Medium, &[R::ManyTargets]),
        case("tagging 50 instances is critical", Additive, many(50, Ec2Instance), Critical, &[R::ManyTargets]),
        case(
            "resizing a lambda function is medium",
            Configuration,
            vec![target(LambdaFunction, &[], Default::default())],
            Medium,
            &[R::ActionClass],
        ),
        case(
            "failover of a production multi-AZ cluster is high",
            Disruptive,
            vec![target(RdsCluster, prod, ResourceConfig { multi_az: Some(true), ..backed_up() })],
            High,
            &[R::MultiAz, R::Production],
        ),
        case(
            "stop a db whose tags could not be read is high, as if production",
            Disruptive,
            vec![unknown(db(&[], backed_up()), Facet::Tags)],
            High,
            &[R::UnknownFacts],
        ),
        case(
            "stop a production db whose tags could not be read is high once, not twice",
            Disruptive,
            vec![unknown(db(prod, backed_up()), Facet::Tags)],
            High,
            &[R::Production],
        ),
        case(
            "tagging a bucket whose settings could not be read is medium",
            Additive,
            vec![unknown(target(S3Bucket, &[], Default::default()), Facet::Attributes)],
            Medium,
            &[R::UnknownFacts],
        ),
        case(
            "unknown permissions are said, without a level of their own",
            Disruptive,
            vec![unknown(db(&[], backed_up()), Facet::Permissions)],
            Medium,
            &[R::UnknownFacts],
        ),
        case(
            "reading what could not be read is still low",
            ReadOnly,
            vec![unknown(db(&[], backed_up()), Facet::Tags)],
            Low,
            &[],
        ),
    ]
}

fn unknown(mut r: Resource, facet: Facet) -> Resource {
    r.unknown.insert(facet);
    r
}

#[test]
fn risk_rules_table() {
    let cases = cases();
    assert!(cases.len() >= 20, "the risk rules need at least 20 table cases");
    let mut failures = Vec::new();
    for c in &cases {
        let operation = "operate";
        let got = assess(&RiskInput { action: c.action, operation, exposure: c.exposure, targets: &c.targets });
        let rules: Vec<RiskRule> = got.reasons.iter().map(|r| r.rule).collect();
        let missing: Vec<&RiskRule> = c.rules.iter().filter(|r| !rules.contains(r)).collect();
        if got.level != c.level || got.approval_required != c.approval || !missing.is_empty() {
            failures.push(format!(
                "{}: got {} approval={} rules={rules:?}; want {} approval={} with {:?}",
                c.name, got.level, got.approval_required, c.level, c.approval, c.rules
            ));
        }
        assert!(!got.impact.is_empty(), "{}: impact must be explained", c.name);
    }
    assert!(failures.is_empty(), "risk rule failures:\n{}", failures.join("\n"));
}

#[test]
fn impact_names_the_targets_and_the_consequence() {
    let t = vec![db(&[], backed_up())];
    let got = assess(&RiskInput {
        action: ActionClass::Disruptive,
        operation: "stop",
        exposure: ExposureChange::None,
        targets: &t,
    });
    assert_eq!(
        got.impact,
        "Stop RDS instance target-1 in 123456789012/us-east-1; the service is interrupted until it is available again."
    );
    let t = many(7, ResourceKind::Ec2Instance);
    let got = assess(&RiskInput {
        action: ActionClass::Destructive,
        operation: "terminate",
        exposure: ExposureChange::None,
        targets: &t,
    });
    assert!(got.impact.contains("2 more") && got.impact.ends_with("cannot be undone."), "{}", got.impact);
}
