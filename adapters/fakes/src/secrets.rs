use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use cloudops_ports::{PortError, PortResult, SecretStore};

/// The SecretStore contract in memory.
#[derive(Debug, Default)]
pub struct MemorySecretStore {
    secrets: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl MemorySecretStore {
    fn lock(&self) -> PortResult<std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>>> {
        self.secrets.lock().map_err(|_| PortError::Other("the in-memory secret store was poisoned".into()))
    }
}

#[async_trait]
impl SecretStore for MemorySecretStore {
    async fn get(&self, name: &str) -> PortResult<Option<Vec<u8>>> {
        Ok(self.lock()?.get(name).cloned())
    }
    async fn set(&self, name: &str, secret: &[u8]) -> PortResult<()> {
        self.lock()?.insert(name.to_owned(), secret.to_vec());
        Ok(())
    }
    async fn delete(&self, name: &str) -> PortResult<()> {
        self.lock()?.remove(name);
        Ok(())
    }
}
