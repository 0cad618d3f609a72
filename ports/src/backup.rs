use async_trait::async_trait;

use crate::PortResult;

/// Off-machine storage of encrypted store snapshots (an S3 bucket the user chose).
///
/// Contract: `put` then `get` of a name returns the same bytes; `list` returns the names under
/// this target only, oldest first; `ensure_retention` is idempotent and leaves any other
/// retention rule the user has on the bucket untouched. Bytes are already encrypted by the
/// caller: a target never sees plaintext.
#[async_trait]
pub trait BackupTarget: Send + Sync {
    /// Where the backups go, for messages (`s3://bucket/prefix/`).
    fn location(&self) -> String;
    async fn ensure_retention(&self, days: u32) -> PortResult<()>;
    async fn put(&self, name: &str, bytes: Vec<u8>) -> PortResult<()>;
    async fn get(&self, name: &str) -> PortResult<Vec<u8>>;
    async fn list(&self) -> PortResult<Vec<String>>;
}
