//! S3 calls, and `EmptyBucket`: a composite step (S3 has no such API) that deletes every
//! object version and delete marker of a bucket, 1,000 per `DeleteObjects` call. S3 has no
//! DryRun: a dry run makes no call.

use aws_config::SdkConfig;
use aws_sdk_s3::types::{
    BucketVersioningStatus, Delete, ObjectIdentifier, PublicAccessBlockConfiguration, VersioningConfiguration,
};
use cloudops_ports::{PortError, PortResult};
use serde_json::{Value, json};

use super::Failure;
use super::params::Params;

pub(super) async fn call(config: &SdkConfig, operation: &str, p: &Params<'_>) -> PortResult<Value> {
    let s3 = aws_sdk_s3::Client::from_conf(
        crate::scan::s3_builder(config).interceptor(super::request_id::RecordRequestId).build(),
    );
    let out = match operation {
        "PutPublicAccessBlock" => {
            let name = "PublicAccessBlockConfiguration";
            let block = PublicAccessBlockConfiguration::builder()
                .set_block_public_acls(p.nested_bool(name, "BlockPublicAcls")?)
                .set_ignore_public_acls(p.nested_bool(name, "IgnorePublicAcls")?)
                .set_block_public_policy(p.nested_bool(name, "BlockPublicPolicy")?)
                .set_restrict_public_buckets(p.nested_bool(name, "RestrictPublicBuckets")?)
                .build();
            s3.put_public_access_block()
                .bucket(p.str("Bucket")?)
                .public_access_block_configuration(block)
                .send()
                .await
                .map(|_| json!({}))
                .map_err(Failure::from_sdk)
        }
        "PutBucketVersioning" => {
            let status = p.nested_str("VersioningConfiguration", "Status")?;
            let config =
                VersioningConfiguration::builder().status(BucketVersioningStatus::from(status.as_str())).build();
            s3.put_bucket_versioning()
                .bucket(p.str("Bucket")?)
                .versioning_configuration(config)
                .send()
                .await
                .map(|_| json!({}))
                .map_err(Failure::from_sdk)
        }
        "ListBuckets" => s3
            .list_buckets()
            .send()
            .await
            .map(|o| json!({"Buckets": o.buckets().iter().map(|b| json!({"Name": b.name()})).collect::<Vec<_>>()}))
            .map_err(Failure::from_sdk),
        "DeleteBucket" => {
            s3.delete_bucket().bucket(p.str("Bucket")?).send().await.map(|_| json!({})).map_err(Failure::from_sdk)
        }
        "EmptyBucket" => return empty_bucket(&s3, &p.str("Bucket")?).await,
        other => return Err(super::unsupported("s3", other)),
    };
    out.map_err(Failure::into_port)
}

/// Deletes every object version and delete marker of `bucket`; answers how many.
async fn empty_bucket(s3: &aws_sdk_s3::Client, bucket: &str) -> PortResult<Value> {
    let mut deleted = 0usize;
    loop {
        // Always list from the start: what was deleted is gone, so the listing shrinks.
        let page =
            s3.list_object_versions().bucket(bucket).send().await.map_err(|e| Failure::from_sdk(e).into_port())?;
        let versions = page.versions().iter().map(|v| (v.key(), v.version_id()));
        let markers = page.delete_markers().iter().map(|m| (m.key(), m.version_id()));
        let objects: Vec<ObjectIdentifier> = versions
            .chain(markers)
            .filter_map(|(key, version)| {
                ObjectIdentifier::builder().key(key?).set_version_id(version.map(str::to_owned)).build().ok()
            })
            .take(1000)
            .collect();
        if objects.is_empty() {
            return Ok(json!({"Deleted": deleted}));
        }
        let count = objects.len();
        let delete = Delete::builder()
            .set_objects(Some(objects))
            .quiet(true)
            .build()
            .map_err(|e| PortError::Invalid(e.to_string()))?;
        let out = s3
            .delete_objects()
            .bucket(bucket)
            .delete(delete)
            .send()
            .await
            .map_err(|e| Failure::from_sdk(e).into_port())?;
        if let Some(err) = out.errors().first() {
            return Err(PortError::Other(format!(
                "emptying {bucket} stopped after {deleted} objects: {} could not be deleted: {}. Check the bucket's policy and object lock",
                err.key().unwrap_or("?"),
                err.message().unwrap_or("unknown error")
            )));
        }
        deleted += count;
    }
}
