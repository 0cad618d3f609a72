//! The planner's wire types: what a client sends to the server and what it gets back.
//!
//! Requests are strict (`deny_unknown_fields`): a field the server does not know is an error,
//! not silently dropped. Nothing here can carry a credential: the request holds resource
//! facts, IAM evaluation results and chat text only.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::constraints::Constraints;
use crate::iam::IamPermissions;
use crate::ids::{AccountId, Arn, Region, ResourceId};
use crate::plan::Script;
use crate::resource::{Facet, Resource, ResourceConfig, ResourceKind, ResourceState};
use crate::risk::RiskAssessment;
use crate::tags::Tags;

/// A resource the client resolved from the prompt, with only the non-secret facts the planner
/// needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentifiedResource {
    pub resource_type: ResourceKind,
    pub arn: Arn,
    pub identifier: ResourceId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub account_id: AccountId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_alias: Option<String>,
    pub region: Region,
    pub state: ResourceState,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub metadata: ResourceConfig,
    #[serde(default)]
    pub constraints: Constraints,
    #[serde(default)]
    pub iam_permissions: IamPermissions,
    /// Parts the client's sync could not read (their fields above are empty because unknown):
    /// the risk rules assume the worst of them.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub unknown: BTreeSet<Facet>,
    /// How well it matched the prompt, 0..1.
    #[serde(default)]
    pub match_score: f32,
}

impl IdentifiedResource {
    /// The resource these facts describe, for the risk rules (no dependencies; synced time
    /// unknown, so the epoch).
    pub fn to_resource(&self) -> Resource {
        Resource {
            kind: self.resource_type,
            arn: self.arn.clone(),
            identifier: self.identifier.clone(),
            name: self.name.clone(),
            account_id: self.account_id.clone(),
            account_alias: self.account_alias.clone(),
            region: self.region.clone(),
            state: self.state.clone(),
            tags: self.tags.clone(),
            config: self.metadata.clone(),
            dependencies: Vec::new(),
            iam: Some(self.iam_permissions.clone()),
            constraints: self.constraints.clone(),
            last_synced: chrono::DateTime::UNIX_EPOCH,
            unknown: self.unknown.clone(),
        }
    }

    /// The name people know it by, else its id.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(self.identifier.as_str())
    }

    pub fn from_resource(r: &Resource, match_score: f32) -> Self {
        Self {
            resource_type: r.kind,
            arn: r.arn.clone(),
            identifier: r.identifier.clone(),
            name: r.name.clone(),
            account_id: r.account_id.clone(),
            account_alias: r.account_alias.clone(),
            region: r.region.clone(),
            state: r.state.clone(),
            tags: r.tags.clone(),
            metadata: r.config.clone(),
            constraints: r.constraints.clone(),
            iam_permissions: r.iam.clone().unwrap_or_default(),
            unknown: r.unknown.clone(),
            match_score,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatRole {
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatTurn {
    pub role: ChatRole,
    pub text: String,
}

/// Context about the user that is not a credential.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserContext {
    /// The region to assume when the prompt names none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_region: Option<Region>,
    /// The last few turns of this conversation, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recent_turns: Vec<ChatTurn>,
    /// `cloudops-cli/0.1.0`, for the server's logs and compatibility decisions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

/// `POST /v1/plan` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    pub prompt: String,
    pub identified_resources: Vec<IdentifiedResource>,
    #[serde(default)]
    pub user_context: UserContext,
}

/// Which playbook produced the plan, at which version (the playbook repo's commit id), and
/// the digest of its content (`Playbook::digest`): a client compares content, not labels —
/// the same playbook is the same whether it came from a Git checkout or was compiled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaybookRef {
    pub id: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// The server needs more before it can plan: what is missing, and the choices when the
/// target is ambiguous.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clarification {
    pub question: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Arn>,
}

/// Why the planner refuses to plan for a resource: the playbook fits, but the resource's
/// state or the user's permissions do not allow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockRule {
    /// A playbook precondition failed (a stopped DB cannot be stopped).
    Precondition,
    /// An IAM action the plan needs is denied to the user on this resource.
    IamDenied,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Blocker {
    pub rule: BlockRule,
    pub resource: Arn,
    pub message: String,
}

/// `POST /v1/plan` answer.
///
/// When `clarification` is set or `blocked` is not empty, `script` is empty: there is
/// nothing to run until the user answers or the cause is fixed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanResponse {
    pub explain_plan: String,
    pub script: Script,
    pub risk_assessment: RiskAssessment,
    pub approval_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub playbook: Option<PlaybookRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clarification: Option<Clarification>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<Blocker>,
    /// Steps that undo the script (the playbook's rollback), run only on request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<Script>,
    /// Things the user should know that do not stop the plan (permissions not evaluated…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}
