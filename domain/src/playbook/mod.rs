//! Playbooks: the planner's recipes. One YAML file each in the playbook repository; the
//! server loads and validates them ([`Playbook::validate`]), indexes their text and example
//! utterances for retrieval, and instantiates one per plan (`crate::agent`).
//!
//! A playbook says which resources it acts on, what it needs (parameters and where each comes
//! from), what must be true first (preconditions, IAM actions), and the exact AWS API calls
//! to make, in order, with waits and rollback. Step parameters are JSON templates:
//! `"{{ name }}"` alone is replaced by the parameter's typed value, `"db-{{ name }}"` is string
//! interpolation.

mod source;
mod template;
mod validate;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::intent::Verb;
use crate::resource::ResourceKind;
use crate::risk::ExposureChange;

pub use source::{Field, Source};
pub use template::{TemplateError, placeholders, render, render_text};
pub use validate::{PlaybookError, SERVICES};

/// What the planner knows about a playbook without loading it: enough to list, route and cite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaybookSummary {
    /// Stable id, the file name without `.yaml`: `rds-stop-instance`.
    pub id: String,
    /// The playbook repository's commit id.
    pub version: String,
    pub title: String,
    /// The AWS service whose resources it acts on.
    pub service: String,
    pub verbs: Vec<Verb>,
}

/// One playbook, as written in its YAML file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    /// Must equal the file name without `.yaml`.
    pub id: String,
    pub title: String,
    /// What it does and when to use it, in words: indexed for retrieval and shown to people.
    pub description: String,
    /// The AWS service (SDK name) its steps call by default: `ec2`, `rds`, `s3`, `lambda`, `elbv2`.
    pub service: String,
    pub verb: Verb,
    pub targets: Targets,
    /// How people ask for it; the router compares prompts with these.
    pub utterances: Vec<String>,
    /// Words that set it apart from playbooks with the same verb ("snapshot" for stop with a
    /// final snapshot): the router does not pick it for a prompt that says none of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub parameters: BTreeMap<String, Parameter>,
    #[serde(default)]
    pub preconditions: Vec<Precondition>,
    /// Every IAM action the steps need, checked against each target's permissions.
    pub iam_actions: Vec<String>,
    pub steps: Vec<StepTemplate>,
    /// Steps that undo the change, shown with the plan (run only if the user asks).
    #[serde(default)]
    pub rollback: Vec<StepTemplate>,
    #[serde(default)]
    pub risk: RiskFactors,
}

/// Which identified resources the playbook acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// The kind of the primary target(s), which its parameters read as `target.*`.
    pub kinds: Vec<ResourceKind>,
    pub count: TargetCount,
    /// Other resources it needs besides the primary target, by kind (an instance to register
    /// with a load balancer); read as `related.<kind>.*`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<ResourceKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetCount {
    /// Exactly one target: two candidates is an ambiguity to clarify, never a choice to make.
    One,
    /// One or more targets: steps run once per (account, region), list parameters collect
    /// the targets of that group.
    Many,
    /// Zero or more: a read that lists what is there when nothing is named.
    Any,
}

/// A parameter's type; values are checked against it before they reach a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamType {
    String,
    Integer,
    Boolean,
    /// A list of strings (instance ids of a group of targets).
    StringList,
}

/// A playbook parameter and where its value comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    #[serde(rename = "type")]
    pub kind: ParamType,
    /// The source:
    /// - `target.identifier|arn|name|region|account_id|state` — the primary target;
    /// - `target.config.<field>` (`instance_type`, `memory_mb`…, or an AWS name kept in
    ///   `extra` such as `TargetGroupArns`), `target.tag.<key>`;
    /// - `targets.identifier|arn` — the list over the step's group (type `string_list`);
    /// - `related.<kind>.identifier|arn` — a related resource (see [`Targets::related`]);
    /// - `prompt` — extracted from the prompt by `pattern`;
    /// - `template` — rendered from `template` (other parameters, `{{ now }}`).
    pub from: String,
    /// For `prompt`: a regular expression with one capture group, matched case-insensitively.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// For `template`: text with `{{ parameter }}` / `{{ now }}` placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// Used when the source gives nothing; a parameter without a default is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    /// Allowed values (strings or integers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// What to ask the user when the value is missing ("how much memory, in MB?").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// For `prompt`: the unit the value is in. A quantity the prompt states with a unit of
    /// the same dimension ("5 minutes", "1 GB") is converted into it before the pattern is
    /// tried ([`crate::quantity::in_unit`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<crate::quantity::Unit>,
    /// For `prompt`: where the current value is (a `target.config.<field>` source), so
    /// "double" / "halve" set it relative to that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_to: Option<String>,
}

/// A condition every primary target must meet before the plan is offered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Precondition {
    /// The target's state must be one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub state: Vec<String>,
    /// This constraint flag (`can_stop`, `backups_enabled`…) must be true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<String>,
    /// This constraint flag (`deletion_protection`, `is_read_replica`…) must be false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_constraint: Option<String>,
    /// Why, in words, shown when the condition fails.
    pub message: String,
}

/// One step as written in a playbook: an AWS API call with templated parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepTemplate {
    pub id: String,
    /// May use `{{ target }}` (the target's name or id) and parameters.
    pub description: String,
    /// Defaults to the playbook's service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    pub operation: String,
    #[serde(default)]
    pub parameters: BTreeMap<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<crate::plan::WaitFor>,
    /// `aws_cli` for calls the SDK executor does not make; default `aws_sdk`.
    #[serde(default, skip_serializing_if = "crate::plan::StepKind::is_sdk")]
    pub kind: crate::plan::StepKind,
}

/// A call a playbook may make: what the plan guard compares each step with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedCall {
    pub service: String,
    pub operation: String,
    pub parameters: std::collections::BTreeSet<String>,
}

/// What the risk rules cannot see from the resources alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskFactors {
    pub exposure: ExposureChange,
    /// Overrides the verb's action class when the operation is worse (or milder) than its verb
    /// suggests: emptying a bucket is `destructive` although its verb is `delete`-like.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_class: Option<crate::intent::ActionClass>,
    /// Caveats in words, added to the explanation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Playbook {
    /// SHA-256 (hex) of the playbook as parsed: equal for equal content wherever it was loaded
    /// from (a Git checkout, the built-in copy), whatever the files' comments or layout.
    pub fn digest(&self) -> String {
        use sha2::Digest as _;
        // Only ordered collections: the serialisation is deterministic.
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(sha2::Sha256::digest(bytes))
    }

    pub fn summary(&self, version: &str) -> PlaybookSummary {
        PlaybookSummary {
            id: self.id.clone(),
            version: version.to_owned(),
            title: self.title.clone(),
            service: self.service.clone(),
            verbs: vec![self.verb],
        }
    }

    /// The action class the risk rules start from.
    pub fn action_class(&self) -> crate::intent::ActionClass {
        self.risk.action_class.unwrap_or_else(|| self.verb.class())
    }

    /// The calls its steps and rollback may make — service, operation and the parameter names
    /// the templates give them: what the client's plan guard allows for a plan citing it.
    pub fn operations(&self) -> Vec<AllowedCall> {
        self.steps
            .iter()
            .chain(&self.rollback)
            .map(|s| AllowedCall {
                service: s.service.clone().unwrap_or_else(|| self.service.clone()),
                operation: s.operation.clone(),
                parameters: s.parameters.keys().cloned().collect(),
            })
            .collect()
    }

    /// IAM actions (lower-case) only the rollback needs: a denial of one of these does not
    /// stop the change, it means the user could not undo it.
    pub fn rollback_only_actions(&self) -> std::collections::BTreeSet<String> {
        let derive = |steps: &[StepTemplate]| -> std::collections::BTreeSet<String> {
            steps
                .iter()
                .filter_map(|s| validate::derived_action(s.service.as_deref().unwrap_or(&self.service), &s.operation))
                .collect()
        };
        let forward = derive(&self.steps);
        derive(&self.rollback).into_iter().filter(|a| !forward.contains(a)).collect()
    }

    /// The text indexed for retrieval besides the utterances: title and description.
    pub fn document(&self) -> String {
        format!("{}. {}", self.title, self.description.trim())
    }
}

/// A validated playbook repository at one version: what the planner serves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// The repository's commit id (see the playbooks adapter for uncommitted changes).
    pub version: String,
    pub playbooks: BTreeMap<String, std::sync::Arc<Playbook>>,
}

impl Catalog {
    pub fn get(&self, id: &str) -> Option<&std::sync::Arc<Playbook>> {
        self.playbooks.get(id)
    }

    pub fn summaries(&self) -> Vec<PlaybookSummary> {
        self.playbooks.values().map(|p| p.summary(&self.version)).collect()
    }

    /// The texts to index per playbook: its document, then each utterance.
    pub fn texts(&self) -> Vec<(String, String)> {
        self.playbooks
            .values()
            .flat_map(|p| std::iter::once(p.document()).chain(p.utterances.iter().cloned()).map(|t| (p.id.clone(), t)))
            .collect()
    }
}
