//! Approval of a plan: bound to the digest of exactly what will run, single-use, expiring.
//! Whether a plan may be approved without a person at the keyboard (`--yes`) depends on its
//! risk. Pure: the caller supplies the time, the id and whether the approval was used.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use thiserror::Error;

use crate::risk::RiskLevel;
use crate::wire::PlanResponse;

/// How long an approval stays valid: long enough to read the plan and confirm, short enough
/// that the estate it was planned on has not moved on.
pub const APPROVAL_TTL: Duration = Duration::from_secs(10 * 60);

/// What an approval is bound to: the steps' digest (service, operation, parameters, account,
/// region, dependencies of every step, in order) and the rollback's. Changing any call, adding
/// or removing a step, or changing the rollback changes it.
pub fn plan_digest(response: &PlanResponse) -> String {
    let rollback = response.rollback.as_ref().map(crate::plan::Script::digest).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(response.script.digest().as_bytes());
    h.update(b"\0rollback\0");
    h.update(rollback.as_bytes());
    hex::encode(h.finalize())
}

/// How the plan was approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalMode {
    /// A person confirmed it at a prompt.
    Interactive,
    /// `--yes`: approved in advance by a script.
    Preapproved,
    /// Nothing mutates (a read-only plan, or a dry run): no approval was needed.
    NotRequired,
}

/// A user's approval of one plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// Unique; an approval is used once.
    pub id: String,
    /// [`plan_digest`] of the plan approved.
    pub digest: String,
    /// Who approved (the local user name).
    pub approved_by: String,
    pub mode: ApprovalMode,
    pub approved_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Why an approval does not allow a plan to run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApprovalError {
    #[error(
        "the plan changed after it was approved (approved {approved}, now {actual}): nothing ran; review the new plan and approve it"
    )]
    Mismatch { approved: String, actual: String },
    #[error("the approval expired at {expired_at}: nothing ran; plan again and approve the fresh plan")]
    Expired { expired_at: DateTime<Utc> },
    #[error("approval {id} was already used: an approval runs a plan once; approve it again to run it again")]
    Used { id: String },
    #[error(
        "the plan's risk is {level}: --yes alone does not approve it; confirm it interactively, or add --allow-high-risk"
    )]
    HighRisk { level: String },
    #[error("the plan changes your estate and needs approval: run it in a terminal to confirm, or pass --yes")]
    Missing,
}

impl Approval {
    /// An approval of `response` granted at `now`, valid for [`APPROVAL_TTL`]. `--yes`
    /// (`Preapproved`) is refused for high and critical risk unless `allow_high_risk`;
    /// `NotRequired` only for plans that [`needs_approval`] says need none.
    pub fn grant(
        id: String,
        response: &PlanResponse,
        approved_by: &str,
        mode: ApprovalMode,
        allow_high_risk: bool,
        now: DateTime<Utc>,
    ) -> Result<Self, ApprovalError> {
        let level = response.risk_assessment.level;
        if mode == ApprovalMode::Preapproved && level >= RiskLevel::High && !allow_high_risk {
            return Err(ApprovalError::HighRisk { level: format!("{level:?}").to_lowercase() });
        }
        if mode == ApprovalMode::NotRequired && needs_approval(response) {
            return Err(ApprovalError::Missing);
        }
        let ttl = chrono::Duration::from_std(APPROVAL_TTL).unwrap_or(chrono::Duration::MAX);
        Ok(Self {
            id,
            digest: plan_digest(response),
            approved_by: approved_by.to_owned(),
            mode,
            approved_at: now,
            expires_at: now + ttl,
        })
    }

    /// Whether this approval lets `response` run at `now`; `used` says whether its id was used.
    pub fn check(&self, response: &PlanResponse, now: DateTime<Utc>, used: bool) -> Result<(), ApprovalError> {
        let actual = plan_digest(response);
        if actual != self.digest {
            return Err(ApprovalError::Mismatch { approved: short(&self.digest), actual: short(&actual) });
        }
        if now >= self.expires_at {
            return Err(ApprovalError::Expired { expired_at: self.expires_at });
        }
        if used {
            return Err(ApprovalError::Used { id: self.id.clone() });
        }
        Ok(())
    }
}

/// Whether running `response` needs a person's (or `--yes`) approval: the server says so, or
/// any step is not a read (`Describe*`, `Get*`, `List*`). The client decides; the server's
/// `approval_required: false` cannot waive it for a mutating call.
pub fn needs_approval(response: &PlanResponse) -> bool {
    response.approval_required
        || response.risk_assessment.approval_required
        || response.script.steps.iter().any(|s| !is_read_only(&s.call.operation))
}

/// `Describe*`, `Get*`, `List*`: operations that change nothing.
pub fn is_read_only(operation: &str) -> bool {
    ["Describe", "Get", "List"].iter().any(|p| operation.starts_with(p))
}

fn short(digest: &str) -> String {
    digest.chars().take(12).collect()
}
