//! [`SecretStore`](cloudops_ports::SecretStore) adapters.
//!
//! - [`KeychainSecretStore`]: the OS keychain through the `keyring` crate — macOS Keychain,
//!   Windows Credential Manager, the freedesktop Secret Service on Linux (GNOME Keyring,
//!   KWallet). This is the default.
//! - [`FileSecretStore`]: one 0600 file per secret in a 0700 directory, for headless machines
//!   without a Secret Service. Opt-in only (`key_storage = "file"`); the apps warn when it is
//!   in use, because anyone who can read the user's files can read the keys.

mod file;
mod keychain;

pub use file::FileSecretStore;
pub use keychain::KeychainSecretStore;
