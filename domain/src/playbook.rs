//! What the planner knows about a playbook without loading it: enough to list, route and cite.
//! (The full playbook model — parameters, preconditions, steps — arrives with the planner.)

use serde::{Deserialize, Serialize};

use crate::intent::Verb;

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
