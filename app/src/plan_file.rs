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
}

fn body_hash(plan: &SavedPlan) -> Result<Vec<u8>, AppError> {
    let bytes = serde_json::to_vec(plan).map_err(|e| AppError::PlanFile(format!("cannot serialize the plan: {e}")))?;
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
        let sealed = ring.seal(RECORD, &body_hash(self)?).map_err(|e| AppError::PlanFile(e.to_string()))?;
        let file = PlanFile { plan: self.clone(), seal: sealed.to_json() };
        let text = serde_json::to_string_pretty(&file).map_err(|e| AppError::PlanFile(e.to_string()))?;
        crate::backup::write_atomic(path, text.as_bytes())
    }

    /// Reads a plan file: it must parse, its seal must open with this store's key and match
    /// its content, and it must not have expired at `now`.
    pub fn read(path: &Path, ring: &KeyRing, now: DateTime<Utc>) -> Result<Self, AppError> {
        let text = std::fs::read_to_string(path).map_err(|source| AppError::Io { path: path.to_owned(), source })?;
        let file: PlanFile = serde_json::from_str(&text).map_err(|e| {
            AppError::PlanFile(format!(
                "{} is not a cloudops plan file ({e}); make one with `cloudops plan --out`",
                path.display()
            ))
        })?;
        if file.plan.format != FORMAT {
            return Err(AppError::PlanFile(format!(
                "{} has format '{}', this cloudops reads '{FORMAT}': plan again",
                path.display(),
                file.plan.format
            )));
        }
        let tampered = || {
            AppError::PlanFile(format!(
                "{} was modified after it was planned (or sealed by another store's key): nothing ran; plan again",
                path.display()
            ))
        };
        let sealed = Sealed::from_json(&file.seal).map_err(|_| tampered())?;
        let expected = ring.open(RECORD, &sealed).map_err(|_| tampered())?;
        if expected != body_hash(&file.plan)? {
            return Err(tampered());
        }
        if now >= file.plan.expires_at {
            return Err(AppError::PlanFile(format!(
                "{} expired at {} (plans are valid for {} minutes, the estate moves on): nothing ran; plan again",
                path.display(),
                file.plan.expires_at,
                PLAN_FILE_TTL.as_secs() / 60
            )));
        }
        Ok(file.plan)
    }
}
