//! Plans: ordered AWS API calls with dependencies, each with its exact AWS CLI rendering.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::PlanError;
use crate::ids::{AccountId, Region};

/// One AWS API call: `rds:StopDBInstance {DBInstanceIdentifier: "pg-main"}` in an account and
/// region. Parameters are typed JSON values keyed by their AWS (PascalCase) names; there is
/// no free-form command line anywhere in a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsCall {
    /// SDK service name: `ec2`, `rds`, `s3`, `lambda`, `elbv2`, `resourcegroupstaggingapi`.
    pub service: String,
    /// API operation, PascalCase: `StopDBInstance`.
    pub operation: String,
    #[serde(default)]
    pub parameters: BTreeMap<String, serde_json::Value>,
    pub region: Region,
    pub account_id: AccountId,
}

/// Wait until a resource reaches a state after a step (`rds` instance `stopped`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitFor {
    pub state: String,
    pub timeout_seconds: u32,
}

/// A step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanStep {
    /// Unique within the plan: `stop-db`.
    pub id: String,
    pub description: String,
    pub call: AwsCall,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<WaitFor>,
    /// The same call as an AWS CLI command line (rendered by [`AwsCall::cli`]); for people, never
    /// executed as text (the `aws_cli` kind runs the call's own argument list).
    pub cli: String,
    /// How the client makes the call: the SDK (default) or the installed AWS CLI.
    #[serde(default, skip_serializing_if = "StepKind::is_sdk")]
    pub kind: StepKind,
}

/// How a step's call is made on the client.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Through the AWS SDK (the aws adapter).
    #[default]
    AwsSdk,
    /// By spawning the installed `aws` CLI with the profile's environment and the call's
    /// parameters as `--cli-input-json` (never a shell).
    AwsCli,
}

impl StepKind {
    pub fn is_sdk(&self) -> bool {
        *self == Self::AwsSdk
    }
}

impl PlanStep {
    /// A step whose `cli` is rendered from its call.
    pub fn new(id: &str, description: &str, call: AwsCall) -> Self {
        let cli = call.cli();
        Self {
            id: id.to_owned(),
            description: description.to_owned(),
            call,
            depends_on: Vec::new(),
            wait: None,
            cli,
            kind: StepKind::AwsSdk,
        }
    }
}

/// Converts an AWS PascalCase name to the CLI's kebab case the way botocore does:
/// `StopDBInstance` → `stop-db-instance`, `DBInstanceIdentifier` → `db-instance-identifier`.
pub fn kebab_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_is_lower) {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Quotes a word for a POSIX shell when it needs quoting.
fn shell_word(word: &str) -> String {
    let safe = !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+%".contains(&b));
    if safe { word.to_owned() } else { format!("'{}'", word.replace('\'', r"'\''")) }
}

fn is_pascal_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && name.chars().all(|c| c.is_ascii_alphanumeric())
}

impl AwsCall {
    /// The AWS CLI command that makes the same call, e.g.
    /// `aws rds stop-db-instance --db-instance-identifier pg-main --region us-east-1`.
    pub fn cli(&self) -> String {
        let service = match self.service.as_str() {
            "s3" => "s3api",
            other => other,
        };
        let mut words = vec!["aws".to_owned(), shell_word(service), shell_word(&kebab_case(&self.operation))];
        for (name, value) in &self.parameters {
            let flag = format!("--{}", kebab_case(name));
            match value {
                serde_json::Value::Bool(true) => words.push(shell_word(&flag)),
                serde_json::Value::Bool(false) => words.push(shell_word(&format!("--no-{}", kebab_case(name)))),
                serde_json::Value::Null => {}
                serde_json::Value::String(s) => {
                    words.push(shell_word(&flag));
                    words.push(shell_word(s));
                }
                serde_json::Value::Number(n) => {
                    words.push(shell_word(&flag));
                    words.push(n.to_string());
                }
                serde_json::Value::Array(items) if items.iter().all(|i| i.is_string() || i.is_number()) => {
                    words.push(shell_word(&flag));
                    for item in items {
                        let text = item.as_str().map_or_else(|| item.to_string(), str::to_owned);
                        words.push(shell_word(&text));
                    }
                }
                structured => {
                    words.push(shell_word(&flag));
                    words.push(shell_word(&structured.to_string()));
                }
            }
        }
        words.push("--region".to_owned());
        words.push(shell_word(self.region.as_str()));
        words.join(" ")
    }

    /// The IAM action this call needs (`rds:StopDBInstance`; ELBv2 calls need
    /// `elasticloadbalancing:*`, S3 calls the bucket-level action names are not derivable and
    /// are the playbook's to state).
    pub fn iam_action(&self) -> String {
        format!("{}:{}", iam_prefix(&self.service), self.operation)
    }
}

/// The IAM action prefix of an SDK service name: `elbv2` → `elasticloadbalancing`,
/// `resourcegroupstaggingapi` → `tag`, the others unchanged.
pub fn iam_prefix(service: &str) -> &str {
    match service {
        "elbv2" => "elasticloadbalancing",
        "resourcegroupstaggingapi" => "tag",
        other => other,
    }
}

/// A plan: what will run, in which order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    pub steps: Vec<PlanStep>,
}

impl Script {
    /// Checks the plan's shape: unique step ids, dependencies that exist and form no cycle,
    /// well-formed operation and parameter names.
    pub fn validate(&self) -> Result<(), PlanError> {
        let mut ids = BTreeSet::new();
        for step in &self.steps {
            if !ids.insert(step.id.as_str()) {
                return Err(PlanError::DuplicateStep(step.id.clone()));
            }
            if !is_pascal_name(&step.call.operation) {
                return Err(PlanError::Operation { step: step.id.clone(), operation: step.call.operation.clone() });
            }
            if let Some(name) = step.call.parameters.keys().find(|k| !is_pascal_name(k)) {
                return Err(PlanError::Parameter { step: step.id.clone(), name: name.clone() });
            }
        }
        for step in &self.steps {
            if let Some(missing) = step.depends_on.iter().find(|d| !ids.contains(d.as_str())) {
                return Err(PlanError::UnknownDependency { step: step.id.clone(), missing: missing.clone() });
            }
        }
        self.execution_order().map(|_| ())
    }

    /// Step indexes in an order that respects `depends_on` (stable: plan order among ready steps).
    pub fn execution_order(&self) -> Result<Vec<usize>, PlanError> {
        let index: BTreeMap<&str, usize> = self.steps.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
        let mut done = vec![false; self.steps.len()];
        let mut order = Vec::with_capacity(self.steps.len());
        while order.len() < self.steps.len() {
            let ready = (0..self.steps.len()).find(|&i| {
                !done[i] && self.steps[i].depends_on.iter().all(|d| index.get(d.as_str()).is_some_and(|&j| done[j]))
            });
            match ready {
                Some(i) => {
                    done[i] = true;
                    order.push(i);
                }
                None => {
                    let stuck = self.steps.iter().zip(&done).find(|(_, d)| !**d).map(|(s, _)| s.id.clone());
                    return Err(PlanError::Cycle(stuck.unwrap_or_default()));
                }
            }
        }
        Ok(order)
    }

    /// SHA-256 over the exact calls (service, operation, parameters, account, region) in plan
    /// order. An approval is bound to this digest: any change to what would run changes it.
    /// Descriptions and CLI renderings are not part of it (they do not run).
    pub fn digest(&self) -> String {
        let calls: Vec<(&str, &AwsCall, &Vec<String>)> =
            self.steps.iter().map(|s| (s.id.as_str(), &s.call, &s.depends_on)).collect();
        // serde_json writes BTreeMap keys sorted and struct fields in declaration order, so the
        // bytes are canonical for a given plan.
        let bytes = serde_json::to_vec(&calls).unwrap_or_default();
        hex::encode(Sha256::digest(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(op: &str, params: serde_json::Value) -> AwsCall {
        AwsCall {
            service: "rds".into(),
            operation: op.into(),
            parameters: serde_json::from_value(params).unwrap(),
            region: "us-east-1".parse().unwrap(),
            account_id: "123456789012".parse().unwrap(),
        }
    }

    #[test]
    fn kebab_case_matches_the_aws_cli() {
        for (pascal, kebab) in [
            ("StopDBInstance", "stop-db-instance"),
            ("DBInstanceIdentifier", "db-instance-identifier"),
            ("DescribeDBInstances", "describe-db-instances"),
            ("PutPublicAccessBlock", "put-public-access-block"),
            ("InstanceIds", "instance-ids"),
            ("DryRun", "dry-run"),
            ("CreateDBClusterSnapshot", "create-db-cluster-snapshot"),
            ("PutBucketVersioning", "put-bucket-versioning"),
            ("Ipv6CidrBlock", "ipv6-cidr-block"),
        ] {
            assert_eq!(kebab_case(pascal), kebab, "{pascal}");
        }
    }

    #[test]
    fn cli_rendering_is_exact_and_quoted() {
        let c = call("StopDBInstance", json!({"DBInstanceIdentifier": "pg-instance-main1"}));
        assert_eq!(c.cli(), "aws rds stop-db-instance --db-instance-identifier pg-instance-main1 --region us-east-1");
        let mut c = call("RebootInstances", json!({"InstanceIds": ["i-1", "i-2"], "DryRun": true}));
        c.service = "ec2".into();
        assert_eq!(c.cli(), "aws ec2 reboot-instances --dry-run --instance-ids i-1 i-2 --region us-east-1");
        let mut c = call(
            "PutPublicAccessBlock",
            json!({"Bucket": "it's; rm -rf /", "PublicAccessBlockConfiguration": {"BlockPublicAcls": true}}),
        );
        c.service = "s3".into();
        assert_eq!(
            c.cli(),
            r#"aws s3api put-public-access-block --bucket 'it'\''s; rm -rf /' --public-access-block-configuration '{"BlockPublicAcls":true}' --region us-east-1"#
        );
        assert_eq!(
            call("ModifyDBInstance", json!({"MultiAZ": false})).cli(),
            "aws rds modify-db-instance --no-multi-az --region us-east-1"
        );
    }

    #[test]
    fn scripts_validate_shape() {
        let mut a = PlanStep::new("snap", "snapshot", call("CreateDBSnapshot", json!({})));
        let mut b = PlanStep::new("stop", "stop", call("StopDBInstance", json!({})));
        b.depends_on = vec!["snap".into()];
        let ok = Script { steps: vec![b.clone(), a.clone()] };
        ok.validate().unwrap();
        assert_eq!(ok.execution_order().unwrap(), vec![1, 0]);

        a.depends_on = vec!["stop".into()];
        let cyclic = Script { steps: vec![a.clone(), b.clone()] };
        assert!(matches!(cyclic.validate(), Err(PlanError::Cycle(_))));

        let dup = Script { steps: vec![b.clone(), b.clone()] };
        assert!(matches!(dup.validate(), Err(PlanError::DuplicateStep(_))));

        let missing = Script { steps: vec![b.clone()] };
        assert!(matches!(missing.validate(), Err(PlanError::UnknownDependency { .. })));

        let bad_op = Script { steps: vec![PlanStep::new("x", "x", call("stop-db-instance; ls", json!({})))] };
        assert!(matches!(bad_op.validate(), Err(PlanError::Operation { .. })));
        let bad_param = Script { steps: vec![PlanStep::new("x", "x", call("StopDBInstance", json!({"--force": 1})))] };
        assert!(matches!(bad_param.validate(), Err(PlanError::Parameter { .. })));
    }

    #[test]
    fn digest_changes_with_any_executed_field_only() {
        let s = Script {
            steps: vec![PlanStep::new("stop", "stop", call("StopDBInstance", json!({"DBInstanceIdentifier": "a"})))],
        };
        let mut described = s.clone();
        described.steps[0].description = "other words".into();
        assert_eq!(s.digest(), described.digest());
        let mut other = s.clone();
        other.steps[0].call.parameters.insert("DBInstanceIdentifier".into(), json!("b"));
        assert_ne!(s.digest(), other.digest());
        let mut region = s.clone();
        region.steps[0].call.region = "us-west-2".parse().unwrap();
        assert_ne!(s.digest(), region.digest());
    }
}
