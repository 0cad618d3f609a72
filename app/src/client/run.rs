//! Approving, rejecting and running a reviewed plan: every decision is in the audit log
//! before anything runs; a run is a handle with a live event stream and cancel, and its
//! `finish` re-syncs what changed and reads the resources' states back.

use std::collections::{BTreeMap, BTreeSet};

use cloudops_domain::approval::{Approval, ApprovalMode};
use cloudops_domain::{AccountId, IdentifiedResource, PointId, Region, ResourceKind};
use cloudops_ports::{AuditEvent, Profile, SyncSink};
use tokio::sync::mpsc;

use super::review::{Outcome, ResourceAfter, Review, Verdict};
use super::{Client, ClientError, read_keys};
use crate::execute::{Engine, ExecutionEvent, ExecutionReport, RunOptions};
use crate::status;
use crate::sync::{DEFAULT_CONCURRENCY, SyncRequest};

/// A running execution. Events arrive as steps start, wait and finish (the last one is
/// `Finished`); [`RunHandle::finish`] waits for the end.
pub struct RunHandle {
    pub id: String,
    pub events: mpsc::UnboundedReceiver<ExecutionEvent>,
    join: tokio::task::JoinHandle<ExecutionReport>,
    engine: std::sync::Arc<Engine>,
    client: Client,
    profiles: BTreeMap<AccountId, Profile>,
    scopes: BTreeSet<(AccountId, Region, ResourceKind)>,
    identified: Vec<IdentifiedResource>,
}

impl std::fmt::Debug for RunHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunHandle").field("id", &self.id).finish_non_exhaustive()
    }
}

/// How a run ended: the report, and the identified resources' states after a re-sync (when
/// a call was made).
#[derive(Debug, Clone)]
pub struct Finished {
    pub outcome: Outcome,
    pub report: ExecutionReport,
    pub resources_after: Vec<ResourceAfter>,
}

impl RunHandle {
    /// Stops the execution: pending steps are skipped, waits stop (a call already made is not
    /// undone). Answers whether it was still running.
    pub fn cancel(&self) -> bool {
        self.engine.cancel(&self.id)
    }

    /// Waits for the end (events not yet received are dropped), then re-syncs each affected
    /// (account, region, kind) and reads the identified resources' states back. A failed
    /// re-sync is [`ClientError::Resync`]: the change was made.
    pub async fn finish(self) -> Result<Finished, ClientError> {
        let report = self.join.await.map_err(|e| ClientError::Execution(e.to_string()))?;
        let outcome = Outcome::of(&report);
        let mut resources_after = Vec::new();
        if report.steps.iter().any(|s| s.called) {
            resources_after = self
                .client
                .resync(&self.profiles, &self.scopes, &self.identified)
                .await
                .map_err(|e| ClientError::Resync(Box::new(e)))?;
        }
        Ok(Finished { outcome, report, resources_after })
    }
}

impl Client {
    /// Approves `review` as this machine's user: bound to its digest, single use, expiring.
    /// `Preapproved` (`--yes`) is refused for high or critical risk unless `allow_high_risk`.
    /// The approval, or why it was refused, goes to the audit log.
    pub async fn approve(
        &self,
        review: &Review,
        mode: ApprovalMode,
        allow_high_risk: bool,
    ) -> Result<Approval, ClientError> {
        let audit = self.audit(self.ring().await?);
        let now = self.parts().clock.now();
        let id = uuid::Uuid::new_v4().to_string();
        match Approval::grant(id, review.response(), &self.parts().user, mode, allow_high_risk, now) {
            Ok(approval) => {
                let event = AuditEvent::Approval {
                    approval_id: approval.id.clone(),
                    digest: approval.digest.clone(),
                    approved_by: approval.approved_by.clone(),
                    mode: approval.mode,
                    expires_at: approval.expires_at,
                };
                audit.append(now, event).await?;
                Ok(approval)
            }
            Err(e) => {
                let reason = e.to_string();
                self.reject(review, &reason).await?;
                Err(ClientError::ApprovalRefused(reason))
            }
        }
    }

    /// Records that `review` will not run, and why (the user said no, no answer could be had).
    pub async fn reject(&self, review: &Review, reason: &str) -> Result<(), ClientError> {
        let audit = self.audit(self.ring().await?);
        let event = AuditEvent::Refusal { digest: Some(review.digest.clone()), reason: reason.to_owned() };
        audit.append(self.parts().clock.now(), event).await?;
        Ok(())
    }

    /// Starts `review` with the user's profiles (the one whose sync reached each account).
    /// Only a plan the guard passed can start; the engine checks the approval (digest, expiry,
    /// single use) and audits every call. A refusal to start is audited; nothing ran.
    pub async fn run(
        &self,
        review: Review,
        approval: Option<Approval>,
        options: RunOptions,
    ) -> Result<RunHandle, ClientError> {
        let Some(checked) = review.checked.filter(|_| matches!(review.verdict, Verdict::Ready { .. })) else {
            let why = match &review.verdict {
                Verdict::Question => "the planner asks a question first: answer it",
                Verdict::Blocked => "the planner blocked it (see its reasons)",
                Verdict::Refused(_) => "the client's plan guard refused it",
                Verdict::NothingToRun | Verdict::Ready { .. } => "it has no call to make",
            };
            return Err(ClientError::NotRunnable(why.into()));
        };
        let profiles = status::profiles_by_account(&self.statuses().await?);
        let engine = self.engine().await?;
        let scopes = checked.affected_scopes();
        let identified = checked.identified().to_vec();
        let execution = engine.start(checked, approval, &profiles, options).await?;
        Ok(RunHandle {
            id: execution.id,
            events: execution.events,
            join: execution.handle,
            engine,
            client: self.clone(),
            profiles,
            scopes,
            identified,
        })
    }

    /// Re-syncs each affected (account, region) for the affected kinds, then reads the
    /// identified resources' states back from the store.
    async fn resync(
        &self,
        profiles: &BTreeMap<AccountId, Profile>,
        scopes: &BTreeSet<(AccountId, Region, ResourceKind)>,
        identified: &[IdentifiedResource],
    ) -> Result<Vec<ResourceAfter>, ClientError> {
        let mut by_scope: BTreeMap<(Profile, Region), Vec<ResourceKind>> = BTreeMap::new();
        for (account, region, kind) in scopes {
            if let Some(profile) = profiles.get(account) {
                by_scope.entry((profile.clone(), region.clone())).or_default().push(*kind);
            }
        }
        for ((profile, region), kinds) in by_scope {
            let request = SyncRequest {
                profiles: vec![profile],
                regions: vec![region],
                kinds,
                concurrency: DEFAULT_CONCURRENCY,
                full: false,
                organization: None,
            };
            self.sync_and_record(&request, &cloudops_ports::NoProgress as &dyn SyncSink).await?;
        }
        let open = self.opened().await?;
        let mut out = Vec::new();
        let affected: Vec<&IdentifiedResource> = identified
            .iter()
            .filter(|r| scopes.contains(&(r.account_id.clone(), r.region.clone(), r.resource_type)))
            .collect();
        for r in affected {
            let point = PointId::for_resource(r.resource_type, &r.account_id, &r.region, &r.identifier);
            let stored = open.estate.get(point).await?;
            out.push(ResourceAfter { arn: r.arn.to_string(), state: stored.map(|s| s.resource.state.to_string()) });
        }
        Ok(out)
    }

    /// The profile to act in each account with, from the sync statuses.
    pub async fn profiles_by_account(&self) -> Result<BTreeMap<AccountId, Profile>, ClientError> {
        Ok(status::profiles_by_account(&self.statuses().await?))
    }

    /// The sync statuses (empty before the first sync; reading them needs no store lock).
    pub async fn statuses(&self) -> Result<Vec<crate::sync::SyncStatus>, ClientError> {
        if !self.paths().data_dir.join(status::STATUS_FILE).exists() {
            return Ok(Vec::new());
        }
        let ring = self.ring().await?;
        let keys = read_keys(&ring)?;
        Ok(status::load(&self.paths().data_dir, &keys)?)
    }

    /// The audit log's last `limit` entries (none, and no key needed, before anything ran).
    pub async fn history(&self, limit: usize) -> Result<Vec<cloudops_ports::AuditEntry>, ClientError> {
        if !self.parts().stores.audit_exists() {
            return Ok(Vec::new());
        }
        let entries = self.audit(self.ring().await?).entries().await?;
        let skip = entries.len().saturating_sub(limit);
        Ok(entries.into_iter().skip(skip).collect())
    }

    /// Checks the audit log's hash chain.
    pub async fn verify_audit(&self) -> Result<cloudops_ports::AuditVerification, ClientError> {
        if !self.parts().stores.audit_exists() {
            return Ok(cloudops_ports::AuditVerification { entries: 0, first_broken: None, problem: None });
        }
        Ok(self.audit(self.ring().await?).verify().await?)
    }
}
