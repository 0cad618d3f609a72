//! Planning and reviewing: a prompt becomes a [`Planned`] answer (what was sent, what came
//! back), and a [`Review`] of it: audited, checked by the plan guard, with its [`Verdict`].

use cloudops_domain::approval::{Approval, needs_approval, plan_digest};
use cloudops_domain::pseudonym::Pseudonyms;
use cloudops_domain::{IdentifiedResource, PlanRequest, PlanResponse, PlanStep, RiskLevel};
use cloudops_ports::{AuditEvent, ConversationId};
use serde::Serialize;

use super::conversation::Resolved;
use super::open::Open;
use super::{Client, ClientError};
use crate::checked::CheckedPlan;
use crate::execute::{ExecutionReport, ExecutionStatus};
use crate::plan_file::SavedPlan;
use crate::request;

/// How many lookup candidates a filter-only request may bring.
const LOOKUP_LIMIT: usize = request::MAX_FILTER_MATCHES;

/// The planner's answer to a prompt. Serialised as `cloudops plan --json` prints it (a public
/// interface): the response's fields, `identified_resources` and `planner`.
#[derive(Debug, Clone, Serialize)]
pub struct Planned {
    #[serde(skip)]
    pub prompt: String,
    #[serde(flatten)]
    pub response: PlanResponse,
    /// What was sent as identified resources (all the planner learnt about the estate).
    pub identified_resources: Vec<IdentifiedResource>,
    /// `local` or the server URL.
    pub planner: String,
    /// The exact request that went to the planner (none for a plan read from a file).
    #[serde(skip)]
    pub sent: Option<PlanRequest>,
    /// How a follow-up ("stop it") was resolved against the conversation.
    #[serde(skip)]
    pub follow_up: Option<super::FollowUp>,
    /// The answer to an estate question, from the local store (then nothing was sent and
    /// nothing can run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<super::Insights>,
}

impl From<SavedPlan> for Planned {
    fn from(saved: SavedPlan) -> Self {
        Self {
            prompt: saved.prompt,
            response: saved.response,
            identified_resources: saved.identified_resources,
            planner: saved.planner,
            sent: None,
            follow_up: None,
            answer: None,
        }
    }
}

/// What the client makes of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The planner asks (which resource, a missing value): answer with a new prompt.
    Question,
    /// The planner refused (IAM deny, failed precondition).
    Blocked,
    /// The client's plan guard refused it; the reasons. Audited.
    Refused(Vec<String>),
    /// It passed, but changes nothing.
    NothingToRun,
    /// It may run: with an approval when `needs_approval` (a dry run needs none).
    Ready { needs_approval: bool, risk: RiskLevel },
}

/// A plan as the user reviews it: the explanation, every exact call, the risk, warnings,
/// what was sent, and what happens next.
#[derive(Debug, Clone)]
pub struct Review {
    pub planned: Planned,
    /// What an approval is bound to.
    pub digest: String,
    pub verdict: Verdict,
    /// The guard's warnings and the planner's, each once.
    pub warnings: Vec<String>,
    pub(super) checked: Option<CheckedPlan>,
}

impl Review {
    pub fn response(&self) -> &PlanResponse {
        &self.planned.response
    }

    /// The calls that will run, in the plan's order (each with its exact AWS CLI line).
    pub fn steps(&self) -> &[PlanStep] {
        &self.planned.response.script.steps
    }

    /// The record of this plan as `ask --json` prints it, before anything ran.
    pub fn record(&self) -> RunRecord {
        let outcome = match &self.verdict {
            Verdict::Question => Outcome::Question,
            Verdict::Blocked => Outcome::Blocked,
            Verdict::Refused(_) => Outcome::Refused,
            Verdict::NothingToRun | Verdict::Ready { .. } => Outcome::NothingToRun,
        };
        RunRecord {
            outcome,
            prompt: self.planned.prompt.clone(),
            planner: self.planned.planner.clone(),
            digest: self.digest.clone(),
            plan: self.planned.response.clone(),
            identified_resources: self.planned.identified_resources.clone(),
            warnings: self.warnings.clone(),
            refusal: match &self.verdict {
                Verdict::Refused(reasons) => reasons.clone(),
                _ => Vec::new(),
            },
            approval: None,
            execution: None,
            resources_after: Vec::new(),
            answer: self.planned.answer.clone(),
        }
    }
}

/// How it ended, for scripts: `--json`'s `outcome` and the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The planner asks a question (e.g. which of two resources): nothing ran.
    Question,
    /// The planner refused (IAM deny, failed precondition): nothing ran.
    Blocked,
    /// The client's plan guard or approval check refused the plan: nothing ran.
    Refused,
    /// The user answered no.
    Declined,
    NothingToRun,
    DryRun,
    Succeeded,
    Failed,
    RolledBack,
    RollbackFailed,
    Cancelled,
}

impl Outcome {
    /// 0 for success (and a completed dry run), 2 when nothing ran by decision, 1 on failure.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Succeeded | Self::DryRun | Self::NothingToRun => 0,
            Self::Question | Self::Blocked | Self::Refused | Self::Declined => 2,
            Self::Failed | Self::RolledBack | Self::RollbackFailed | Self::Cancelled => 1,
        }
    }

    /// The outcome of a finished execution.
    pub fn of(report: &ExecutionReport) -> Self {
        match report.status {
            _ if report.dry_run && report.status == ExecutionStatus::Succeeded => Self::DryRun,
            ExecutionStatus::Succeeded => Self::Succeeded,
            ExecutionStatus::Failed => Self::Failed,
            ExecutionStatus::RolledBack => Self::RolledBack,
            ExecutionStatus::RollbackFailed => Self::RollbackFailed,
            ExecutionStatus::Cancelled => Self::Cancelled,
        }
    }
}

/// A resource's state after the execution, from the re-sync.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceAfter {
    pub arn: String,
    pub state: Option<String>,
}

/// Everything about one plan from request to result: `ask --json` and `exec --json` (a public
/// interface: keep the field names).
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    pub outcome: Outcome,
    pub prompt: String,
    pub planner: String,
    pub digest: String,
    pub plan: PlanResponse,
    pub identified_resources: Vec<IdentifiedResource>,
    pub warnings: Vec<String>,
    /// Why the client refused, when it did.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refusal: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution: Option<ExecutionReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources_after: Vec<ResourceAfter>,
    /// The answer to an estate question (nothing ran).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<super::Insights>,
}

impl RunRecord {
    /// Marks the record refused for `reason` (nothing ran).
    pub fn refused(&mut self, reason: String) {
        self.outcome = Outcome::Refused;
        self.refusal = vec![reason];
    }
}

impl Client {
    /// Plans `prompt` in `conversation`: looks its resources up on this machine (a follow-up
    /// like "stop it" or "now the staging one" resolves against the conversation), sends only
    /// those facts and the conversation's recent, redacted turns to the planner, and records
    /// the prompt and the answer in the conversation.
    pub async fn plan(&self, prompt: &str, conversation: &ConversationId) -> Result<Planned, ClientError> {
        if prompt.trim().is_empty() {
            return Err(ClientError::EmptyPrompt);
        }
        if let Some(question) = cloudops_domain::insights::asked(prompt) {
            return self.answer_question(prompt, question, conversation).await;
        }
        let open = self.opened_with_data().await?;
        let resolved = self.resolve(&open, prompt, conversation, LOOKUP_LIMIT).await?;
        self.plan_resolved(&open, prompt, prompt, resolved, conversation).await
    }

    /// Answers the planner's question about `planned` and plans the same request again, in
    /// the same conversation: `answer` is one of the clarification's candidate ARNs (then that
    /// resource alone is identified), or words that complete the request (a missing value, a
    /// narrower name).
    pub async fn answer(
        &self,
        planned: &Planned,
        answer: &str,
        conversation: &ConversationId,
    ) -> Result<Planned, ClientError> {
        let answer = answer.trim();
        if answer.is_empty() {
            return Err(ClientError::EmptyPrompt);
        }
        let candidates = planned.response.clarification.iter().flat_map(|c| &c.candidates);
        if candidates.into_iter().any(|arn| arn.to_string() == answer) {
            let open = self.opened_with_data().await?;
            let lookup = self.search_in(&open, answer, LOOKUP_LIMIT).await?;
            let resolved = Resolved { prompt: planned.prompt.clone(), lookup, follow_up: None };
            // The turn recorded is the choice: a later "stop it" means that resource.
            return self.plan_resolved(&open, &planned.prompt, answer, resolved, conversation).await;
        }
        self.plan(&format!("{} {answer}", planned.prompt.trim()), conversation).await
    }

    /// The request `prompt` would send to the planner, exactly as [`Client::plan`] would
    /// send it (pseudonymised when configured): the egress manifest. Nothing is sent and
    /// nothing recorded. `None` when the prompt is an estate question, answered here.
    pub async fn request(
        &self,
        prompt: &str,
        conversation: &ConversationId,
    ) -> Result<Option<PlanRequest>, ClientError> {
        if prompt.trim().is_empty() {
            return Err(ClientError::EmptyPrompt);
        }
        if cloudops_domain::insights::asked(prompt).is_some() {
            return Ok(None);
        }
        let open = self.opened_with_data().await?;
        let resolved = self.resolve(&open, prompt, conversation, LOOKUP_LIMIT).await?;
        Ok(Some(self.outgoing(&open, &resolved, conversation).await?.0))
    }

    /// The request built from a resolved lookup as it leaves, with its pseudonyms (when
    /// configured), and the identified resources with their real values.
    async fn outgoing(
        &self,
        open: &Open,
        resolved: &Resolved,
        conversation: &ConversationId,
    ) -> Result<(PlanRequest, Option<Pseudonyms>, Vec<IdentifiedResource>), ClientError> {
        let lookup = &resolved.lookup;
        let identified = request::identified(lookup);
        let now = self.parts().clock.now();
        let turns = request::recent_turns(open.chat.as_ref(), conversation, &open.lookup(), &identified, now).await?;
        let default_region = self.config().aws.regions.first().cloned();
        let real = request::build(&resolved.prompt, lookup, default_region, turns);
        if !self.config().server.pseudonymize {
            let identified = real.identified_resources.clone();
            return Ok((real, None, identified));
        }
        let pseudonyms = Pseudonyms::new(&self.pseudonym_secret().await?, &real);
        let hidden = pseudonyms
            .hide(&real)
            .map_err(|e| ClientError::Internal(format!("cannot pseudonymise the request: {e}")))?;
        Ok((hidden, Some(pseudonyms), real.identified_resources))
    }

    /// The secret pseudonyms are keyed by: derived from the store's data key, so tokens are
    /// stable for this store and meaningless without it.
    async fn pseudonym_secret(&self) -> Result<[u8; 32], ClientError> {
        use sha2::{Digest, Sha256};
        let ring = self.ring().await?;
        let keys = super::read_keys(&ring)?;
        let mut h = Sha256::new();
        h.update(b"cloudops pseudonyms v1\0");
        h.update(keys.current().bytes());
        Ok(h.finalize().into())
    }

    /// Builds the request from a resolved lookup, asks the planner, records the turns
    /// (`recorded` as the user's).
    async fn plan_resolved(
        &self,
        open: &Open,
        typed: &str,
        recorded: &str,
        resolved: Resolved,
        conversation: &ConversationId,
    ) -> Result<Planned, ClientError> {
        let now = self.parts().clock.now();
        let (sent, pseudonyms, identified) = self.outgoing(open, &resolved, conversation).await?;
        let mut response = self.parts().planner.plan(&sent).await?;
        if let Some(p) = &pseudonyms {
            response = p
                .reveal(&response)
                .map_err(|e| ClientError::Internal(format!("cannot map the plan's pseudonyms back: {e}")))?;
        }
        request::record_turns(open.chat.as_ref(), conversation, recorded, &response, now).await?;
        Ok(Planned {
            prompt: typed.to_owned(),
            response,
            identified_resources: identified,
            planner: self.planner_name().to_owned(),
            sent: Some(sent),
            follow_up: resolved.follow_up,
            answer: None,
        })
    }

    /// Audits the request and the plan, runs the client's plan guard and says what may happen
    /// next. A refusal by the guard is audited too.
    pub async fn review(&self, planned: Planned) -> Result<Review, ClientError> {
        let ring = self.ring().await?;
        let audit = self.audit(ring);
        let now = || self.parts().clock.now();
        let response = &planned.response;
        let digest = plan_digest(response);
        let request = AuditEvent::Request {
            prompt: planned.prompt.clone(),
            identified: planned.identified_resources.iter().map(|r| r.arn.to_string()).collect(),
            planner: planned.planner.clone(),
        };
        audit.append(now(), request).await?;
        audit.append(now(), plan_event(response, &digest)).await?;
        let mut review = Review {
            warnings: response.warnings.clone(),
            digest,
            verdict: Verdict::NothingToRun,
            checked: None,
            planned,
        };
        if review.planned.answer.is_some() {
            // Answered from the local store: nothing to check, nothing to run.
            return Ok(review);
        }
        if review.planned.response.clarification.is_some() {
            review.verdict = Verdict::Question;
            return Ok(review);
        }
        if !review.planned.response.blocked.is_empty() {
            review.verdict = Verdict::Blocked;
            return Ok(review);
        }
        let catalog = self.parts().playbooks.load().map_err(ClientError::Playbooks)?;
        let planned = &review.planned;
        // The words the planner saw: a verbless follow-up ("now the staging one") carries the
        // verb it borrowed from the conversation.
        let prompt = planned.sent.as_ref().map_or(planned.prompt.as_str(), |sent| sent.prompt.as_str());
        match CheckedPlan::check(prompt, planned.response.clone(), &planned.identified_resources, &catalog) {
            Err(refusal) => {
                let event = AuditEvent::Refusal { digest: Some(review.digest.clone()), reason: refusal.to_string() };
                audit.append(now(), event).await?;
                review.verdict = Verdict::Refused(refusal.reasons.iter().map(ToString::to_string).collect());
            }
            Ok(checked) => {
                review.warnings = checked.warnings();
                review.warnings.dedup();
                if checked.is_runnable() {
                    let response = checked.response();
                    review.verdict = Verdict::Ready {
                        needs_approval: needs_approval(response),
                        risk: response.risk_assessment.level,
                    };
                }
                review.checked = Some(checked);
            }
        }
        Ok(review)
    }
}

fn plan_event(response: &PlanResponse, digest: &str) -> AuditEvent {
    AuditEvent::Plan {
        playbook: response.playbook.as_ref().map(|p| p.id.clone()),
        version: response.playbook.as_ref().map(|p| p.version.clone()),
        digest: digest.to_owned(),
        risk: format!("{:?}", response.risk_assessment.level).to_lowercase(),
        calls: response.script.steps.iter().map(|s| s.call.clone()).collect(),
        rollback: response.rollback.iter().flat_map(|r| &r.steps).map(|s| s.call.clone()).collect(),
    }
}
