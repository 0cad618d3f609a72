//! Both SecretStore adapters against the port's contract. The keychain test needs a reachable
//! OS keychain; where none is (a bare container), it prints why it skips — unless
//! CLOUDOPS_REQUIRE_KEYCHAIN=1 (set by `.ci/run`, which starts a Secret Service), where that
//! is a failure.

use cloudops_keychain::{FileSecretStore, KeychainSecretStore};
use cloudops_ports::{PortError, SecretStore};

async fn contract(store: &dyn SecretStore, name: &str) {
    assert_eq!(store.get(name).await.unwrap(), None, "an unset secret is None");
    let secret: Vec<u8> = (0u8..32).collect();
    store.set(name, &secret).await.unwrap();
    assert_eq!(store.get(name).await.unwrap(), Some(secret.clone()));
    store.set(name, b"second").await.unwrap();
    assert_eq!(store.get(name).await.unwrap().as_deref(), Some(&b"second"[..]), "set replaces");
    store.delete(name).await.unwrap();
    assert_eq!(store.get(name).await.unwrap(), None, "deleted");
    store.delete(name).await.unwrap();
}

#[tokio::test]
async fn file_store_keeps_the_contract_with_private_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileSecretStore::new(dir.path().join("keys"));
    contract(&store, "data-keys").await;
    store.set("data-keys", b"k").await.unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let file = std::fs::metadata(store.dir().join("data-keys.secret")).unwrap();
        assert_eq!(file.permissions().mode() & 0o777, 0o600, "the key file is 0600");
        let dir = std::fs::metadata(store.dir()).unwrap();
        assert_eq!(dir.permissions().mode() & 0o777, 0o700, "the key directory is 0700");
    }
    let err = store.set("../escape", b"x").await.unwrap_err();
    assert!(matches!(err, PortError::Invalid(_)), "{err}");
    std::fs::write(store.dir().join("bad.secret"), "not hex!").unwrap();
    let err = store.get("bad").await.unwrap_err().to_string();
    assert!(err.contains("not hex"), "{err}");
}

#[tokio::test]
async fn os_keychain_keeps_the_contract() {
    let service = format!("cloudops-test-{}", uuid::Uuid::new_v4());
    let store = KeychainSecretStore::new(service);
    match store.get("probe").await {
        Err(PortError::Unavailable { detail, .. }) => {
            assert!(
                std::env::var("CLOUDOPS_REQUIRE_KEYCHAIN").is_err(),
                "CLOUDOPS_REQUIRE_KEYCHAIN is set but no OS keychain is reachable: {detail}"
            );
            eprintln!("SKIPPED os_keychain_keeps_the_contract: no OS keychain reachable here ({detail})");
            return;
        }
        other => {
            other.unwrap();
        }
    }
    contract(&store, "data-keys").await;
}
