//! The EstateStore / ChatStore contracts as executable checks, run against every adapter
//! (memory here, qdrant-edge and a Qdrant server in their crates). Each check panics with a
//! message naming the broken rule.

use chrono::{Duration, TimeZone, Utc};
use cloudops_domain::testing::resource_in;
use cloudops_domain::{ChatRole, Resource, ResourceKind, ResourceState};
use cloudops_ports::{ChatMessage, ChatStore, ConversationId, EstateFilter, EstateStore, StoredResource};

/// A deterministic unit vector of `dims` for `seed` (two seeds give different directions).
pub fn unit_vector(seed: u64, dims: usize) -> Vec<f32> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let v: Vec<f32> = (0..dims)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        })
        .collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::EPSILON);
    v.into_iter().map(|x| x / norm).collect()
}

/// The contract's fixture estate: 2 accounts × 2 regions × (RDS, EC2, S3), tags env/app.
pub fn fixture_estate() -> Vec<Resource> {
    let mut out = Vec::new();
    for (a, account) in ["111111111111", "222222222222"].into_iter().enumerate() {
        for (g, region) in ["us-east-1", "eu-west-1"].into_iter().enumerate() {
            for (k, kind) in
                [ResourceKind::RdsInstance, ResourceKind::Ec2Instance, ResourceKind::S3Bucket].into_iter().enumerate()
            {
                let state = if k == 1 && g == 1 { "stopped" } else { "available" };
                let mut r = resource_in(kind, &format!("res-{a}{g}{k}-{account}"), state, account, region);
                r.account_alias = Some(if a == 0 { "production".into() } else { "staging".into() });
                r.tags.insert("env", if a == 0 { "prod" } else { "dev" });
                r.tags.insert("app", if k == 0 { "main" } else { "web" });
                out.push(r);
            }
        }
    }
    out
}

pub fn stored(resource: Resource, seed: u64, dims: usize) -> StoredResource {
    StoredResource { content_hash: format!("hash-{seed}"), vector: unit_vector(seed, dims), resource }
}

/// Runs every EstateStore rule against an empty `store` of `dims`-d vectors.
pub async fn estate_store_contract(store: &dyn EstateStore, dims: usize) {
    let estate = fixture_estate();
    let all: Vec<StoredResource> = estate.iter().cloned().enumerate().map(|(i, r)| stored(r, i as u64, dims)).collect();
    assert_eq!(store.count(&EstateFilter::default()).await.unwrap(), 0, "a new store is empty");
    store.upsert(all.clone()).await.unwrap();
    assert_eq!(store.count(&EstateFilter::default()).await.unwrap(), 12, "count after upsert");

    // get-by-id returns exactly what was written.
    let first = &all[0];
    let got = store.get(first.resource.point_id()).await.unwrap().expect("get finds an upserted resource");
    assert_eq!(got.resource, first.resource, "get returns the resource unchanged");
    assert_eq!(got.content_hash, first.content_hash);
    assert_eq!(got.vector.len(), dims);
    let cos: f32 = got.vector.iter().zip(&first.vector).map(|(a, b)| a * b).sum();
    assert!(cos > 0.999, "get returns the stored vector (cosine {cos})");
    let missing = resource_in(ResourceKind::Vpc, "nope", "available", "111111111111", "us-east-1");
    assert!(store.get(missing.point_id()).await.unwrap().is_none(), "get of an unknown id is None");

    // upsert is idempotent per point id: the newer record wins, no duplicate.
    let mut changed = first.clone();
    changed.resource.state = ResourceState::new("stopped");
    changed.content_hash = "hash-changed".into();
    store.upsert(vec![changed.clone()]).await.unwrap();
    assert_eq!(store.count(&EstateFilter::default()).await.unwrap(), 12, "re-upsert keeps one record");
    store.maintain().await.expect("maintain after writes");
    assert_eq!(store.count(&EstateFilter::default()).await.unwrap(), 12, "maintain keeps every record");
    let got = store.get(first.resource.point_id()).await.unwrap().unwrap();
    assert_eq!(got.resource.state.as_str(), "stopped", "re-upsert replaces the record");

    // filters: each field, combined, and tags.
    let acct = |a: &str| EstateFilter { accounts: vec![a.parse().unwrap()], ..Default::default() };
    assert_eq!(store.count(&acct("111111111111")).await.unwrap(), 6);
    let combined = EstateFilter {
        accounts: vec!["222222222222".parse().unwrap()],
        regions: vec!["eu-west-1".parse().unwrap()],
        kinds: vec![ResourceKind::Ec2Instance],
        states: vec![ResourceState::new("stopped")],
        tags: vec!["env=dev".parse().unwrap()],
    };
    let hits = store.scan(&combined).await.unwrap();
    assert_eq!(hits.len(), 1, "combined filter finds exactly one resource");
    assert_eq!(hits[0].name.as_deref(), Some("res-111-222222222222"));
    let tags =
        EstateFilter { tags: vec!["app=main".parse().unwrap(), "env=prod".parse().unwrap()], ..Default::default() };
    assert_eq!(store.count(&tags).await.unwrap(), 2, "tag filters AND together");
    let wrong_tag = EstateFilter { tags: vec!["env=Prod".parse().unwrap()], ..Default::default() };
    assert_eq!(store.count(&wrong_tag).await.unwrap(), 0, "tag values are case-sensitive as in AWS");

    // search: nearest first, never outside the filter.
    let query = all[7].vector.clone();
    let found = store.search(&query, &EstateFilter::default(), 3).await.unwrap();
    assert_eq!(found.len(), 3);
    assert_eq!(found[0].resource.point_id(), all[7].resource.point_id(), "the identical vector ranks first");
    assert!(found[0].score >= found[1].score && found[1].score >= found[2].score, "scores descend");
    let only = acct("111111111111");
    let found = store.search(&query, &only, 20).await.unwrap();
    assert_eq!(found.len(), 6, "fewer matches than the limit: all of them");
    assert!(found.windows(2).all(|w| w[0].score >= w[1].score), "filtered hits are nearest first too");
    assert!(
        found.iter().all(|s| s.resource.account_id.as_str() == "111111111111"),
        "an account filter never returns another account's resource"
    );

    // content hashes per scope.
    let hashes = store.content_hashes(&only).await.unwrap();
    assert_eq!(hashes.len(), 6);
    assert!(hashes.contains(&(first.resource.point_id(), "hash-changed".to_owned())));

    // delete_missing: only inside the scope, never the kept ones.
    let scope = EstateFilter {
        accounts: vec!["111111111111".parse().unwrap()],
        regions: vec!["us-east-1".parse().unwrap()],
        ..Default::default()
    };
    let in_scope: Vec<_> = store.scan(&scope).await.unwrap().iter().map(Resource::point_id).collect();
    assert_eq!(in_scope.len(), 3);
    let deleted = store.delete_missing(&scope, &in_scope[..1]).await.unwrap();
    assert_eq!(deleted, 2, "delete_missing removes the vanished resources of the scope");
    assert_eq!(store.count(&scope).await.unwrap(), 1);
    assert_eq!(store.count(&EstateFilter::default()).await.unwrap(), 10, "nothing outside the scope is deleted");
}

/// Runs the ChatStore rules against an empty `store`.
pub async fn chat_store_contract(store: &dyn ChatStore) {
    let start = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).single().unwrap();
    let a = ConversationId("conv-a".into());
    let b = ConversationId("conv-b".into());
    for i in 0..5 {
        for conv in [&a, &b] {
            let role = if i % 2 == 0 { ChatRole::User } else { ChatRole::Assistant };
            let text = format!("{} message {i}", conv.0);
            store
                .append(ChatMessage { conversation: conv.clone(), at: start + Duration::seconds(i), role, text })
                .await
                .unwrap();
        }
    }
    let recent = store.recent(&a, 3).await.unwrap();
    let texts: Vec<_> = recent.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["conv-a message 2", "conv-a message 3", "conv-a message 4"], "last 3, oldest first");
    assert!(recent.iter().all(|m| m.conversation == a), "only that conversation");
    assert_eq!(store.recent(&b, 100).await.unwrap().len(), 5);
    assert!(store.recent(&ConversationId("none".into()), 5).await.unwrap().is_empty());
    let later = ChatMessage {
        conversation: a.clone(),
        at: start + Duration::minutes(5),
        role: ChatRole::User,
        text: "late".into(),
    };
    store.append(later).await.unwrap();
    let listed = store.conversations().await.unwrap();
    let ids: Vec<_> = listed.iter().map(|c| (c.id.0.as_str(), c.messages)).collect();
    assert_eq!(ids, [("conv-a", 6), ("conv-b", 5)], "every conversation, most recently active first");
    assert_eq!(listed[0].last_at, start + Duration::minutes(5));

    // Rename moves every message, in order, none duplicated; delete removes them.
    let renamed = ConversationId("conv-a renamed".into());
    assert_eq!(store.rename(&a, &renamed).await.unwrap(), 6);
    assert!(store.recent(&a, 100).await.unwrap().is_empty());
    let moved = store.recent(&renamed, 100).await.unwrap();
    assert_eq!(moved.len(), 6);
    assert!(moved.iter().all(|m| m.conversation == renamed));
    assert_eq!(moved.last().unwrap().text, "late", "order kept");
    assert_eq!(moved[0].text, "conv-a message 0", "the text survives the re-seal");
    assert_eq!(store.delete(&b).await.unwrap(), 5);
    assert_eq!(store.delete(&b).await.unwrap(), 0, "nothing left to delete");
    let ids: Vec<_> = store.conversations().await.unwrap().into_iter().map(|c| c.id.0).collect();
    assert_eq!(ids, ["conv-a renamed"]);
}
