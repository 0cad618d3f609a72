//! Backup and restore of a real qdrant-edge store through the emulator's S3: the snapshot is
//! encrypted, pushed under the prefix with a 30-day lifecycle rule (the bucket's own rules
//! kept), and a restore from S3 gives back every resource.

use std::sync::{Arc, RwLock};

use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter,
};
use cloudops_app::backup;
use cloudops_aws::{AwsConfigFiles, RETENTION_RULE_ID, S3BackupTarget, sdk_config};
use cloudops_crypto::{DataKey, KeyRing};
use cloudops_e2e::Emulator;
use cloudops_fakes::contract::{fixture_estate, stored};
use cloudops_ports::{BackupTarget, EstateFilter, EstateStore};
use cloudops_qdrant::{ESTATE_DIMENSIONS, EdgeEstateStore};

fn key() -> DataKey {
    DataKey::from_bytes("store", 1, &[5; 32]).unwrap()
}

#[tokio::test]
async fn a_store_round_trips_through_s3_with_retention_set() {
    let emulator = Emulator::shared();
    let account = emulator.fresh_account();
    let home = tempfile::tempdir().unwrap();
    let aws = emulator.write_aws_config(home.path(), &[("backup", &account)]);
    let files = AwsConfigFiles {
        config: Some(aws.config.clone()),
        credentials: Some(aws.credentials.clone()),
        discovered: None,
    };
    let sdk = sdk_config(&files, "backup", None).await;
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
    let bucket = format!("backups-{account}");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    // A rule of the user's own, which cloudops must keep.
    let theirs = LifecycleRule::builder()
        .id("their-logs")
        .filter(LifecycleRuleFilter::builder().prefix("logs/").build())
        .status(ExpirationStatus::Enabled)
        .expiration(LifecycleExpiration::builder().days(90).build())
        .build()
        .unwrap();
    s3.put_bucket_lifecycle_configuration()
        .bucket(&bucket)
        .lifecycle_configuration(BucketLifecycleConfiguration::builder().rules(theirs).build().unwrap())
        .send()
        .await
        .unwrap();

    // A real store with the fixture estate.
    let data = tempfile::tempdir().unwrap();
    let store_dir = data.path().join("store");
    let estate: Vec<_> =
        fixture_estate().into_iter().enumerate().map(|(i, r)| stored(r, i as u64, ESTATE_DIMENSIONS)).collect();
    let ring = Arc::new(RwLock::new(KeyRing::new(key(), Vec::new())));
    let target = S3BackupTarget::new(&sdk, "backup", &bucket, "/cloudops-backups/");
    let report = {
        let store = EdgeEstateStore::open(&store_dir, ESTATE_DIMENSIONS, ring.clone()).unwrap();
        store.upsert(estate.clone()).await.unwrap();
        // A snapshot copies the files: what the store has not flushed yet is not in them.
        store.flush().await.unwrap();
        let now = chrono::Utc::now();
        let snapshot = backup::seal_snapshot(&store_dir, &ring.read().unwrap(), now).unwrap();
        backup::backup(&data.path().join("backups"), snapshot, now, Some(&target)).await.unwrap()
    };
    assert!(report.path.exists());
    assert_eq!(report.pushed_to.as_deref(), Some(format!("s3://{bucket}/cloudops-backups/{}", report.name).as_str()));

    // The object is there, encrypted; the retention rule is set next to the user's.
    let object = s3.get_object().bucket(&bucket).key(format!("cloudops-backups/{}", report.name)).send().await.unwrap();
    let bytes = object.body.collect().await.unwrap().into_bytes();
    let name = estate[0].resource.name.clone().unwrap();
    assert!(!bytes.windows(name.len()).any(|w| w == name.as_bytes()), "the pushed backup is encrypted");
    let rules = s3.get_bucket_lifecycle_configuration().bucket(&bucket).send().await.unwrap().rules.unwrap_or_default();
    let ours = rules.iter().find(|r| r.id() == Some(RETENTION_RULE_ID)).expect("cloudops sets its retention rule");
    assert_eq!(ours.expiration().and_then(|e| e.days()), Some(30));
    assert_eq!(ours.filter().and_then(|f| f.prefix()), Some("cloudops-backups/"));
    assert!(rules.iter().any(|r| r.id() == Some("their-logs")), "the user's own rule is kept");
    target.ensure_retention(30).await.unwrap();
    let again = s3.get_bucket_lifecycle_configuration().bucket(&bucket).send().await.unwrap().rules.unwrap_or_default();
    assert_eq!(again.len(), 2, "ensure_retention is idempotent");

    // Lose the store; restore the latest backup from S3.
    std::fs::remove_dir_all(&store_dir).unwrap();
    let latest = target.list().await.unwrap().pop().unwrap();
    assert_eq!(latest, report.name);
    let bytes = target.get(&latest).await.unwrap();
    backup::restore(&bytes, &ring.read().unwrap(), &store_dir).unwrap();
    let store = EdgeEstateStore::open(&store_dir, ESTATE_DIMENSIONS, ring.clone()).unwrap();
    assert_eq!(store.count(&EstateFilter::default()).await.unwrap(), estate.len() as u64);
    for s in &estate {
        assert_eq!(store.get(s.resource.point_id()).await.unwrap().unwrap().resource, s.resource);
    }
    let err = target.get("store-19990101T000000Z.cobk").await.unwrap_err().to_string();
    assert!(err.contains("not found"), "{err}");
}
