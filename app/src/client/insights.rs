//! Estate questions answered from the local store: no AWS call, no planning server. A
//! question typed into `plan`/`ask` ("which production databases have no backups?") is
//! answered here as a read-only result, never as a mutating plan.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cloudops_domain::insights::{self, Finding, Question, Scope, Severity};
use cloudops_domain::{PlanResponse, RiskAssessment, RiskLevel, Script};
use cloudops_ports::{ConversationId, EstateFilter};
use serde::Serialize;

use super::open::Open;
use super::review::Planned;
use super::{Client, ClientError};
use crate::request;

/// What the planner name says for an answer from the local store.
pub const LOCAL_INSIGHTS: &str = "local insights";

/// The findings over the synced estate (`cloudops insights --json`, a public interface).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Insights {
    pub findings: Vec<Finding>,
    /// How many resources the rules looked at.
    pub resources_checked: usize,
    /// How many findings (flagged resources) of each severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// The oldest sync among the resources checked: the answer is as fresh as that.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synced_at: Option<DateTime<Utc>>,
    /// What was asked for (every rule over the whole estate for `cloudops insights`).
    pub scope: Scope,
}

impl Insights {
    /// The answer in words: a header, then [`insights::describe`].
    pub fn text(&self) -> String {
        let flagged: usize = self.by_severity.values().sum();
        let synced =
            self.synced_at.map(|t| format!(", as synced {}", t.format("%Y-%m-%d %H:%M UTC"))).unwrap_or_default();
        format!(
            "{flagged} finding{} over {} resource{} (from the local store{synced}; no AWS call):\n{}",
            if flagged == 1 { "" } else { "s" },
            self.resources_checked,
            if self.resources_checked == 1 { "" } else { "s" },
            insights::describe(&self.findings)
        )
    }
}

impl Client {
    /// The findings of the rules `scope` asks for over the part of the estate it keeps.
    pub async fn insights(&self, scope: &Scope) -> Result<Insights, ClientError> {
        let open = self.opened_with_data().await?;
        self.insights_in(&open, scope).await
    }

    async fn insights_in(&self, open: &Open, scope: &Scope) -> Result<Insights, ClientError> {
        let resources = open.estate.scan(&EstateFilter::default()).await?;
        let now = self.parts().clock.now();
        let findings = insights::evaluate(&resources, now, scope);
        let mut by_severity = BTreeMap::new();
        for f in &findings {
            *by_severity.entry(f.severity).or_default() += f.resources.len();
        }
        let checked: Vec<_> = resources.iter().filter(|r| scope.keeps(r)).collect();
        Ok(Insights {
            resources_checked: checked.len(),
            synced_at: checked.iter().map(|r| r.last_synced).min(),
            findings,
            by_severity,
            scope: scope.clone(),
        })
    }

    /// Answers an estate question as a plan with nothing to run: the findings are the
    /// explanation, nothing is sent to the planner. The turns are recorded in the
    /// conversation like any answer.
    pub(super) async fn answer_question(
        &self,
        prompt: &str,
        question: Question,
        conversation: &ConversationId,
    ) -> Result<Planned, ClientError> {
        let open = self.opened_with_data().await?;
        let answer = self.insights_in(&open, &question.scope).await?;
        let response = PlanResponse {
            explain_plan: answer.text(),
            script: Script::default(),
            risk_assessment: RiskAssessment {
                level: RiskLevel::Low,
                reasons: Vec::new(),
                impact: "Read-only: answered from the synced estate; nothing is called or changed.".into(),
                approval_required: false,
            },
            approval_required: false,
            playbook: None,
            clarification: None,
            blocked: Vec::new(),
            rollback: None,
            warnings: Vec::new(),
        };
        request::record_turns(open.chat.as_ref(), conversation, prompt, &response, self.parts().clock.now()).await?;
        Ok(Planned {
            prompt: prompt.to_owned(),
            response,
            identified_resources: Vec::new(),
            planner: LOCAL_INSIGHTS.to_owned(),
            sent: None,
            follow_up: None,
            answer: Some(answer),
        })
    }
}
