use async_trait::async_trait;
use cloudops_ports::{PortError, PortResult, SecretStore};

/// Secrets in the OS keychain under one service name (`cloudops` by default), one entry per
/// secret name.
#[derive(Debug, Clone)]
pub struct KeychainSecretStore {
    service: String,
}

impl KeychainSecretStore {
    pub const DEFAULT_SERVICE: &'static str = "cloudops";

    /// `service` separates installations (tests use a unique one).
    pub fn new(service: impl Into<String>) -> Self {
        Self { service: service.into() }
    }

    fn entry(&self, name: &str) -> PortResult<keyring::Entry> {
        keyring::Entry::new(&self.service, name).map_err(|e| unavailable(&e))
    }

    async fn run<T: Send + 'static>(
        &self,
        name: &str,
        work: impl FnOnce(keyring::Entry) -> PortResult<T> + Send + 'static,
    ) -> PortResult<T> {
        let entry = self.entry(name)?;
        // Keychain calls block (D-Bus round trips, OS prompts): keep them off the runtime.
        tokio::task::spawn_blocking(move || work(entry))
            .await
            .map_err(|e| PortError::Other(format!("a keychain task failed: {e}")))?
    }
}

impl Default for KeychainSecretStore {
    fn default() -> Self {
        Self::new(Self::DEFAULT_SERVICE)
    }
}

fn unavailable(e: &keyring::Error) -> PortError {
    PortError::Unavailable {
        what: "the OS keychain".into(),
        // keyring's messages never include secret material.
        detail: e.to_string(),
        hint: "unlock or start your keychain (on Linux a Secret Service such as gnome-keyring); on a headless \
               machine without one, opt in to the key file with `key_storage = \"file\"` under [store] in the \
               config, or CLOUDOPS_KEY_STORAGE=file"
            .into(),
    }
}

#[async_trait]
impl SecretStore for KeychainSecretStore {
    async fn get(&self, name: &str) -> PortResult<Option<Vec<u8>>> {
        self.run(name, |entry| match entry.get_secret() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(&e)),
        })
        .await
    }

    async fn set(&self, name: &str, secret: &[u8]) -> PortResult<()> {
        let secret = secret.to_vec();
        self.run(name, move |entry| entry.set_secret(&secret).map_err(|e| unavailable(&e))).await
    }

    async fn delete(&self, name: &str) -> PortResult<()> {
        self.run(name, |entry| match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(&e)),
        })
        .await
    }
}
