//! The client's side of a plan: the server is not trusted, so a plan runs only as a
//! [`CheckedPlan`], which can only be made by passing the plan guard against this request's
//! identified resources and the client's own copy of the playbook the server cited.

use std::collections::BTreeSet;

use cloudops_domain::guard::{self, Rejection};
use cloudops_domain::{AccountId, Catalog, IdentifiedResource, PlanResponse, Region, ResourceKind};
use thiserror::Error;

/// The plan guard refused a plan: nothing from it may run.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("the plan was refused and nothing ran: {}", reasons.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct GuardRefusal {
    pub reasons: Vec<Rejection>,
}

/// A plan that passed the guard. Its fields are private: the execution engine accepts only
/// this type, so an unchecked plan cannot reach the executor through the use cases.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedPlan {
    response: PlanResponse,
    identified: Vec<IdentifiedResource>,
    warnings: Vec<String>,
}

impl CheckedPlan {
    /// Runs the plan guard: the cited playbook must be in the client's `catalog`, its verb one
    /// the `prompt`'s words allow, and every step (and rollback step) must be one of its calls,
    /// on identified resources only, not explicitly denied by IAM. A playbook version other than
    /// the client's is a warning (the client's operations still bound what may run).
    pub fn check(
        prompt: &str,
        response: PlanResponse,
        identified: &[IdentifiedResource],
        catalog: &Catalog,
    ) -> Result<Self, GuardRefusal> {
        let playbook = response.playbook.as_ref().and_then(|p| catalog.playbooks.get(&p.id));
        let operations = playbook.map(|p| p.operations()).unwrap_or_default();
        let verb = playbook.and_then(|p| guard::check_verb(prompt, identified, p.verb).err());
        let mut warnings = match (verb, guard::check(&response, identified, &operations)) {
            (None, Ok(warnings)) => warnings,
            (verb, calls) => {
                let reasons = verb.into_iter().chain(calls.err().into_iter().flatten()).collect();
                return Err(GuardRefusal { reasons });
            }
        };
        // Content, not labels: a server built from the same playbooks (a Git checkout) as the
        // client's built-in copy cites the same digest under another version label.
        let differs = |cited: &cloudops_domain::PlaybookRef| match (&cited.digest, playbook) {
            (Some(digest), Some(ours)) => *digest != ours.digest(),
            _ => cited.version != catalog.version,
        };
        if let Some(cited) = &response.playbook
            && differs(cited)
        {
            warnings.push(format!(
                "the server planned with playbook {} version {}, whose content differs from this client's (version {}); the client's operations were enforced",
                cited.id, cited.version, catalog.version
            ));
        }
        Ok(Self { response, identified: identified.to_vec(), warnings })
    }

    pub fn response(&self) -> &PlanResponse {
        &self.response
    }

    pub fn identified(&self) -> &[IdentifiedResource] {
        &self.identified
    }

    /// The guard's warnings (IAM unknowns, version drift) and the server's.
    pub fn warnings(&self) -> Vec<String> {
        let mut all = self.warnings.clone();
        all.extend(self.response.warnings.iter().cloned());
        all
    }

    /// Whether there is anything to run.
    pub fn is_runnable(&self) -> bool {
        !self.response.script.steps.is_empty()
    }

    /// The (account, region, kind) of every identified resource a step acts in: what to
    /// re-sync after the execution.
    pub fn affected_scopes(&self) -> BTreeSet<(AccountId, Region, ResourceKind)> {
        let steps = &self.response.script.steps;
        self.identified
            .iter()
            .filter(|r| steps.iter().any(|s| s.call.account_id == r.account_id && s.call.region == r.region))
            .map(|r| (r.account_id.clone(), r.region.clone(), r.resource_type))
            .collect()
    }
}
