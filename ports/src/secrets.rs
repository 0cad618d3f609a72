use async_trait::async_trait;

use crate::PortResult;

/// Named secrets in the OS keychain (the store's data key, credentials of profiles added in
/// the app).
///
/// Contract: `get` of a name never set is `Ok(None)`; `set` then `get` returns the same bytes
/// across processes; secrets never appear in logs or errors.
#[async_trait]
pub trait SecretStore: Send + Sync {
    async fn get(&self, name: &str) -> PortResult<Option<Vec<u8>>>;
    async fn set(&self, name: &str, secret: &[u8]) -> PortResult<()>;
    async fn delete(&self, name: &str) -> PortResult<()>;
}
