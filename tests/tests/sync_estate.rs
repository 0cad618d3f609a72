//! The sync use case end to end against moto with the real AWS adapters (scanners, and the
//! permission oracle that tries SimulatePrincipalPolicy and, moto lacking it, falls back to
//! evaluating the role's policies locally). The store and embedder here are the in-memory ones until the embedded
//! Qdrant store and the MiniLM embedder land; the AWS side is real.

use cloudops_app::sync::{SyncRequest, sync};
use cloudops_aws::sdk_config;
use cloudops_domain::ResourceKind;
use cloudops_e2e::{Emulator, SyncWorld};
use cloudops_ports::{EstateFilter, EstateStore, Profile};

#[tokio::test]
async fn sync_then_terminate_then_resync_removes_it_and_unchanged_resync_embeds_nothing() {
    let emulator = Emulator::shared();
    let (staging, prod) = (emulator.fresh_account(), emulator.fresh_account());
    let manifest = emulator.seed("small", &[&staging, &prod]);
    let dir = tempfile::tempdir().unwrap();
    let paths = emulator.write_aws_config_as(dir.path(), "ops", &[("staging", &staging), ("prod", &prod)]);
    let world = SyncWorld::new(&paths);
    let (ports, store, files) = (world.ports(), &world.store, &world.files);
    let request = SyncRequest {
        profiles: vec![Profile("staging".into()), Profile("prod".into())],
        regions: manifest["regions"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().parse().unwrap()).collect(),
        kinds: ResourceKind::ALL.to_vec(),
        concurrency: 10,
        full: false,
        organization: None,
    };

    let first = sync(ports, &request).await.unwrap();
    assert_eq!(first.failed, 0, "{:#?}", first.statuses);
    // Permissions came from the role's policies (prod-tagged databases may not be stopped).
    let prod_db = store
        .scan(&EstateFilter {
            accounts: vec![prod.clone()],
            kinds: vec![ResourceKind::RdsInstance],
            ..Default::default()
        })
        .await
        .unwrap();
    let stop: cloudops_domain::IamAction = "rds:StopDBInstance".parse().unwrap();
    assert!(!prod_db.is_empty());
    assert!(
        prod_db
            .iter()
            .all(|r| r.iam.as_ref().unwrap().verdict(&stop) == cloudops_domain::PermissionVerdict::ExplicitDeny)
    );
    let seeded = manifest["resources"].as_array().unwrap().len();
    assert!(first.resources >= seeded, "{} scanned < {seeded} seeded", first.resources);

    let again = sync(ports, &request).await.unwrap();
    assert_eq!((again.embedded, again.upserted, again.deleted), (0, 0, 0), "unchanged re-sync");

    // Terminate one instance in AWS; the next sync removes it from the store.
    let instance = manifest["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "ec2_instance" && r["account_id"] == staging.as_str() && r["state"] == "running")
        .unwrap();
    let region = instance["region"].as_str().unwrap();
    let id = instance["identifier"].as_str().unwrap();
    let config = sdk_config(files, "staging", Some(region)).await;
    aws_sdk_ec2::Client::new(&config).terminate_instances().instance_ids(id).send().await.unwrap();
    let after = sync(ports, &request).await.unwrap();
    assert!(after.deleted >= 1, "{after:?}");
    let instances = EstateFilter {
        accounts: vec![staging.clone()],
        regions: vec![region.parse().unwrap()],
        kinds: vec![ResourceKind::Ec2Instance],
        ..Default::default()
    };
    let left = store.scan(&instances).await.unwrap();
    assert!(left.iter().all(|r| r.identifier.as_str() != id), "terminated instance still stored");
    assert!(!left.is_empty());
}
