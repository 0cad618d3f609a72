//! Plan files through the client: saved sealed with the store's key, opened only when the
//! seal matches this store's key and the content, and fresh. A plan file that cannot run is
//! refused in the audit log and is a typed [`PlanFileError`](crate::plan_file::PlanFileError).

use std::path::Path;

use cloudops_ports::AuditEvent;

use super::review::Planned;
use super::{Client, ClientError, read_keys};
use crate::plan_file::SavedPlan;

impl Client {
    /// Writes `planned` to `path` (atomically), sealed with this store's key.
    pub async fn save_plan(&self, planned: &Planned, path: &Path) -> Result<(), ClientError> {
        let ring = self.ring().await?;
        let saved = SavedPlan::new(
            &planned.prompt,
            &planned.planner,
            planned.identified_resources.clone(),
            planned.response.clone(),
            self.parts().clock.now(),
        );
        let keys = read_keys(&ring)?;
        Ok(saved.write(path, &keys)?)
    }

    /// Reads a plan file for [`Client::review`]. A file that is expired, modified, sealed by
    /// another store's key or not a plan file is refused in the audit log.
    pub async fn open_saved(&self, path: &Path) -> Result<Planned, ClientError> {
        let ring = self.ring().await?;
        let read = {
            let keys = read_keys(&ring)?;
            SavedPlan::read(path, &keys, self.parts().clock.now())
        };
        match read {
            Ok(saved) => Ok(saved.into()),
            Err(e) => {
                let event = AuditEvent::Refusal { digest: None, reason: e.to_string() };
                self.audit(ring).append(self.parts().clock.now(), event).await?;
                Err(e.into())
            }
        }
    }
}
