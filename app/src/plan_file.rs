//! Plan files (`cloudops plan --out FILE`, `cloudops exec FILE`): a plan saved to run later,
//! with the resources it was planned for. Readable JSON, sealed: a MAC made with the store's
//! key covers everything in it, so an edited plan file is refused — and it is still checked by
//! the plan guard and approved before it runs. Plans go stale: a file older than
//! [`PLAN_FILE_TTL`] is refused.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use cloudops_crypto::{KeyRing, Sealed};
use cloudops_domain::{IdentifiedResource, PlanResponse};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::AppError;

/// Why a plan file cannot run, typed so a front end can say (and do) the right thing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanFileError {
    #[error("cannot read the plan file {path}: {detail}")]
    Unreadable { path: String, detail: String },
    #[error("{path} is not a cloudops plan file ({detail}); make one with `cloudops plan --out`")]
    NotAPlanFile { path: String, detail: String },
    #[error("{path} has format '{found}', this cloudops reads '{FORMAT}': plan again")]
    Format { path: String, found: String },
    #[error("{path} was modified after it was planned (or sealed by another store's key): nothing ran; plan again")]
    Tampered { path: String },
    #[error(
        "{path} was sealed by another store's key (key {fingerprint}): nothing ran; run it where it was planned, \
         or plan again here"
    )]
    OtherKey { path: String, fingerprint: String },
    #[error(
        "{path} expired at {expired_at} (plans are valid for {minutes} minutes, the estate moves on): nothing ran; plan again"
    )]
    Expired { path: String, expired_at: DateTime<Utc>, minutes: u64 },
    #[error("cannot write the plan file: {0}")]
    Write(String),
}

pub const FORMAT: &str = "cloudops-plan/1";
/// How long a saved plan may be run: the estate it was planned on changes.
pub const PLAN_FILE_TTL: Duration = Duration::from_secs(60 * 60);
const RECORD: &str = "plan-file";

/// What a plan file holds besides its seal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedPlan {
    pub format: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub prompt: String,
    /// `local` or the server's URL.
    pub planner: String,
    pub identified_resources: Vec<IdentifiedResource>,
    pub response: PlanResponse,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    plan: SavedPlan,
    seal: serde_json::Value,
    /// The fingerprint of the key that sealed it (files written before it existed have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed_by: Option<String>,
}

fn body_hash(plan: &SavedPlan) -> Result<Vec<u8>, PlanFileError> {
    let bytes =
        serde_json::to_vec(plan).map_err(|e| PlanFileError::Write(format!("cannot serialize the plan: {e}")))?;
    Ok(Sha256::digest(bytes).to_vec())
}

impl SavedPlan {
    pub fn new(
        prompt: &str,
        planner: &str,
        identified: Vec<IdentifiedResource>,
        response: PlanResponse,
        now: DateTime<Utc>,
    ) -> Self {
        let ttl = chrono::Duration::from_std(PLAN_FILE_TTL).unwrap_or(chrono::Duration::MAX);
        Self {
            format: FORMAT.into(),
            created_at: now,
            expires_at: now + ttl,
            prompt: prompt.to_owned(),
            planner: planner.to_owned(),
            identified_resources: identified,
            response,
        }
    }

    /// Writes the sealed plan to `path` atomically (a temporary file renamed over it).
    pub fn write(&self, path: &Path, ring: &KeyRing) -> Result<(), AppError> {
        let sealed = ring.seal(RECORD, &body_hash(self)?).map_err(|e| PlanFileError::Write(e.to_string()))?;
        let file =
            PlanFile { plan: self.clone(), seal: sealed.to_json(), sealed_by: Some(ring.current().fingerprint()) };
        let text = serde_json::to_string_pretty(&file).map_err(|e| PlanFileError::Write(e.to_string()))?;
        crate::backup::write_atomic(path, text.as_bytes())
    }

    /// Reads a plan file: it must parse, its seal must open with this store's key and match
    /// its content, and it must not have expired at `now`.
    pub fn read(path: &Path, ring: &KeyRing, now: DateTime<Utc>) -> Result<Self, PlanFileError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| PlanFileError::Unreadable { path: shown.clone(), detail: e.to_string() })?;
        let file: PlanFile = serde_json::from_str(&text)
            .map_err(|e| PlanFileError::NotAPlanFile { path: shown.clone(), detail: e.to_string() })?;
        if file.plan.format != FORMAT {
            return Err(PlanFileError::Format { path: shown, found: file.plan.format });
        }
        if let Some(fingerprint) = &file.sealed_by
            && !ring.holds(fingerprint)
        {
            return Err(PlanFileError::OtherKey { path: shown, fingerprint: fingerprint.clone() });
        }
        let tampered = || PlanFileError::Tampered { path: shown.clone() };
        let sealed = Sealed::from_json(&file.seal).map_err(|_| tampered())?;
        let expected = ring.open(RECORD, &sealed).map_err(|_| tampered())?;
        if expected != body_hash(&file.plan)? {
            return Err(tampered());
        }
        if now >= file.plan.expires_at {
            return Err(PlanFileError::Expired {
                path: shown,
                expired_at: file.plan.expires_at,
                minutes: PLAN_FILE_TTL.as_secs() / 60,
            });
        }
        Ok(file.plan)
    }
}
