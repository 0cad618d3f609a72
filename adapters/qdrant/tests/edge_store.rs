//! The qdrant-edge stores against their contracts and the storage issue's rules: persistence
//! across reopen, nothing naming a resource in plaintext on disk, tamper / wrong key / rotation.

use std::sync::{Arc, RwLock};

use cloudops_crypto::{DataKey, KeyRing};
use cloudops_domain::Resource;
use cloudops_fakes::at_rest::files_under;
use cloudops_fakes::contract::{chat_store_contract, estate_store_contract, fixture_estate, stored};
use cloudops_ports::{ChatMessage, ChatStore, ConversationId, EstateFilter, EstateStore, PortError};
use cloudops_qdrant::{ESTATE_DIMENSIONS, EdgeChatStore, EdgeEstateStore, SharedKeyRing};

fn ring(key: DataKey) -> SharedKeyRing {
    Arc::new(RwLock::new(KeyRing::new(key, Vec::new())))
}

fn fixed_key(byte: u8, version: u32) -> DataKey {
    DataKey::from_bytes("store", version, &[byte; 32]).unwrap()
}

fn stored_estate() -> Vec<cloudops_ports::StoredResource> {
    fixture_estate().into_iter().enumerate().map(|(i, r)| stored(r, i as u64, ESTATE_DIMENSIONS)).collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

#[tokio::test]
async fn estate_store_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = EdgeEstateStore::open(dir.path(), ESTATE_DIMENSIONS, ring(fixed_key(1, 1))).unwrap();
    estate_store_contract(&store, ESTATE_DIMENSIONS).await;
}

#[tokio::test]
async fn chat_store_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    chat_store_contract(&EdgeChatStore::open(dir.path(), ring(fixed_key(1, 1))).unwrap()).await;
}

#[tokio::test]
async fn data_survives_drop_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let estate = stored_estate();
    {
        let store = EdgeEstateStore::open(dir.path(), ESTATE_DIMENSIONS, ring(fixed_key(1, 1))).unwrap();
        store.upsert(estate.clone()).await.unwrap();
        let chat = EdgeChatStore::open(dir.path(), ring(fixed_key(1, 1))).unwrap();
        let message = ChatMessage {
            conversation: ConversationId("c1".into()),
            at: chrono::Utc::now(),
            role: cloudops_domain::ChatRole::User,
            text: "stop pg-instance-main1".into(),
        };
        chat.append(message).await.unwrap();
    }
    let store = EdgeEstateStore::open(dir.path(), ESTATE_DIMENSIONS, ring(fixed_key(1, 1))).unwrap();
    assert_eq!(store.count(&EstateFilter::default()).await.unwrap(), estate.len() as u64);
    for s in &estate {
        let got = store.get(s.resource.point_id()).await.unwrap().expect("every resource survives a reopen");
        assert_eq!(got.resource, s.resource);
    }
    let tagged = EstateFilter { tags: vec!["env=prod".parse().unwrap()], ..Default::default() };
    assert_eq!(store.count(&tagged).await.unwrap(), 6, "payload indexes work after a reopen");
    let chat = EdgeChatStore::open(dir.path(), ring(fixed_key(1, 1))).unwrap();
    let recent = chat.recent(&ConversationId("c1".into()), 10).await.unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].text, "stop pg-instance-main1");
}

#[tokio::test]
async fn a_second_open_of_the_same_store_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let _first = EdgeEstateStore::open(dir.path(), ESTATE_DIMENSIONS, ring(fixed_key(1, 1))).unwrap();
    let second = EdgeEstateStore::open(dir.path(), ESTATE_DIMENSIONS, ring(fixed_key(1, 1)));
    let err = second.expect_err("two opens of one store must not both succeed").to_string();
    assert!(err.contains("is in use by"), "{err}");
    assert!(err.contains(&format!("(pid {})", std::process::id())), "the holder is named: {err}");
    assert!(err.contains("retry"), "says what to do: {err}");
    assert!(!err.contains('\n'), "one line: {err}");
}

#[tokio::test]
async fn nothing_naming_a_resource_is_written_in_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let estate = stored_estate();
    {
        let store = EdgeEstateStore::open(dir.path(), ESTATE_DIMENSIONS, ring(fixed_key(1, 1))).unwrap();
        store.upsert(estate.clone()).await.unwrap();
        let chat = EdgeChatStore::open(dir.path(), ring(fixed_key(1, 1))).unwrap();
        let text = format!("stop {}", estate[0].resource.name.clone().unwrap());
        let message = ChatMessage {
            conversation: ConversationId("c1".into()),
            at: chrono::Utc::now(),
            role: cloudops_domain::ChatRole::User,
            text,
        };
        chat.append(message).await.unwrap();
    }
    let files = files_under(dir.path());
    assert!(files.len() > 3, "the store wrote files");
    let mut probes: Vec<String> = Vec::new();
    for s in &estate {
        let r: &Resource = &s.resource;
        probes.push(r.arn.to_string());
        probes.push(r.identifier.to_string());
        probes.push(r.name.clone().unwrap());
    }
    for (path, bytes) in &files {
        for probe in &probes {
            assert!(!contains(bytes, probe.as_bytes()), "{probe} appears in plaintext in {path}");
        }
    }
    // …while the filterable fields are there, plain (the store really wrote the payloads).
    assert!(files.iter().any(|(_, b)| contains(b, b"env=prod")), "plain tag terms are stored");
}

#[tokio::test]
async fn a_wrong_key_is_a_clear_error_naming_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let estate = stored_estate();
    let id = estate[0].resource.point_id();
    {
        let store = EdgeEstateStore::open(dir.path(), ESTATE_DIMENSIONS, ring(fixed_key(1, 1))).unwrap();
        store.upsert(estate).await.unwrap();
    }
    // Same key id and version, other bytes: authentication fails.
    let store = EdgeEstateStore::open(dir.path(), ESTATE_DIMENSIONS, ring(fixed_key(2, 1))).unwrap();
    let err = store.get(id).await.expect_err("a wrong key must not decrypt");
    assert!(matches!(err, PortError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains(&id.to_string()), "the error names the record: {err}");
    // A key the ring does not hold at all.
    drop(store);
    let store = EdgeEstateStore::open(dir.path(), ESTATE_DIMENSIONS, ring(fixed_key(1, 7))).unwrap();
    let err =
        store.scan(&EstateFilter::default()).await.expect_err("an unknown key version must not decrypt").to_string();
    assert!(err.contains("v1") && err.contains("keychain"), "{err}");
}

#[tokio::test]
async fn tampered_ciphertext_on_disk_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let estate = stored_estate();
    let the_ring = ring(fixed_key(1, 1));
    {
        let store = EdgeEstateStore::open(dir.path(), ESTATE_DIMENSIONS, the_ring.clone()).unwrap();
        store.upsert(estate.clone()).await.unwrap();
    }
    // Flip one base64 character of every sealed ciphertext found in the shard's files (the
    // segments and the WAL, which is replayed on open).
    let mut flipped = 0;
    for (path, mut bytes) in files_under(&dir.path().join(EdgeEstateStore::SHARD)) {
        let needle = b"\"c\":\"";
        let hits: Vec<usize> = memchr::memmem::find_iter(&bytes, needle).collect();
        for i in &hits {
            let at = i + needle.len() + 4;
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            flipped += 1;
        }
        if !hits.is_empty() {
            std::fs::write(&path, &bytes).unwrap();
        }
    }
    assert!(flipped > 0, "the sealed payloads are stored as JSON text the test can find");
    // The engine may keep some payloads compressed, where the flip cannot reach them: every
    // record either fails its integrity check or opens exactly as written — never garbage.
    let store = EdgeEstateStore::open(dir.path(), ESTATE_DIMENSIONS, the_ring).unwrap();
    let mut corrupt = 0;
    for s in &estate {
        match store.get(s.resource.point_id()).await {
            Err(err) => {
                assert!(matches!(err, PortError::Corrupt { .. }) && err.to_string().contains("integrity"), "{err:?}");
                corrupt += 1;
            }
            Ok(got) => {
                assert_eq!(got.map(|g| g.resource), Some(s.resource.clone()), "a tampered store returned garbage")
            }
        }
    }
    assert!(corrupt > 0, "no tampered record was detected");
}

#[tokio::test]
async fn rotation_reseals_every_record_and_old_keys_can_then_go() {
    let dir = tempfile::tempdir().unwrap();
    let estate = stored_estate();
    let chat_message = ChatMessage {
        conversation: ConversationId("c1".into()),
        at: chrono::Utc::now(),
        role: cloudops_domain::ChatRole::Assistant,
        text: "done".into(),
    };
    {
        let old = ring(fixed_key(1, 1));
        let store = EdgeEstateStore::open(dir.path(), ESTATE_DIMENSIONS, old.clone()).unwrap();
        store.upsert(estate.clone()).await.unwrap();
        let chat = EdgeChatStore::open(dir.path(), old).unwrap();
        chat.append(chat_message.clone()).await.unwrap();
    }
    {
        // The rotation ring: the new current key, the old one still able to open.
        let rotating = Arc::new(RwLock::new(KeyRing::new(fixed_key(9, 2), vec![fixed_key(1, 1)])));
        let store = EdgeEstateStore::open(dir.path(), ESTATE_DIMENSIONS, rotating.clone()).unwrap();
        assert_eq!(store.reseal_stale().await.unwrap(), estate.len() as u64);
        assert_eq!(store.reseal_stale().await.unwrap(), 0, "a second pass finds nothing stale");
        let chat = EdgeChatStore::open(dir.path(), rotating).unwrap();
        assert_eq!(chat.reseal_stale().await.unwrap(), 1);
    }
    // Only the new key now.
    let new = ring(fixed_key(9, 2));
    let store = EdgeEstateStore::open(dir.path(), ESTATE_DIMENSIONS, new.clone()).unwrap();
    let all = store.scan(&EstateFilter::default()).await.unwrap();
    assert_eq!(all.len(), estate.len());
    let hashes = store.content_hashes(&EstateFilter::default()).await.unwrap();
    assert!(hashes.iter().all(|(_, h)| h.starts_with("hash-")));
    let chat = EdgeChatStore::open(dir.path(), new).unwrap();
    assert_eq!(chat.recent(&ConversationId("c1".into()), 5).await.unwrap(), vec![chat_message]);
}

#[tokio::test]
async fn vectors_of_the_wrong_size_are_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let store = EdgeEstateStore::open(dir.path(), ESTATE_DIMENSIONS, ring(fixed_key(1, 1))).unwrap();
    let bad = stored(fixture_estate().remove(0), 1, 8);
    let err = store.upsert(vec![bad]).await.expect_err("8-d vector in a 384-d store").to_string();
    assert!(err.contains("embedding model changed"), "{err}");
}
