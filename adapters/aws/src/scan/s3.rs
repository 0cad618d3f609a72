//! S3: the buckets whose home region is the scanned region, with tags, versioning, public
//! access block and lifecycle. Bucket listing is global; each region keeps its own buckets.

use std::sync::Arc;

use aws_config::SdkConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use cloudops_domain::{Facet, Resource, ResourceKind, Tags, constraints};
use cloudops_ports::PortResult;
use futures::{StreamExt, TryStreamExt};
use tokio::sync::OnceCell;

use super::{ScanContext, tags};

/// Per-bucket detail calls in flight at once.
const BUCKET_CONCURRENCY: usize = 8;

pub(crate) fn client(config: &SdkConfig) -> Client {
    Client::from_conf(builder(config).build())
}

pub(crate) fn builder(config: &SdkConfig) -> aws_sdk_s3::config::Builder {
    // Emulators and S3-compatible endpoints need path-style addressing.
    let path_style = config.endpoint_url().is_some();
    aws_sdk_s3::config::Builder::from(config).force_path_style(path_style)
}

/// `GetBucketLocation`'s answer as a region code (`null` is us-east-1, `EU` is eu-west-1).
fn bucket_region(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_owned(),
        Some("EU") => "eu-west-1".to_owned(),
        Some(other) => other.to_owned(),
    }
}

/// Treats "this bucket has no such configuration" as `None`, any other error as an error.
fn absent_ok<T, E: ProvideErrorMetadata>(result: Result<T, E>, missing_code: &str) -> Result<Option<T>, E> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.code() == Some(missing_code) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Bucket name → home region. A bucket's region is fixed for its life, so one lookup serves
/// every region's scan and every later sync; scans of several regions asking at once share the
/// one call.
pub(crate) type RegionCache = std::sync::Mutex<std::collections::HashMap<String, Arc<OnceCell<String>>>>;

/// The region `GetBucketLocation` is asked in: the partition's first region answers for every
/// bucket of the partition, so which region's scan comes to a bucket first changes nothing
/// (neither the call sent nor, when replaying a recorded estate, its key).
fn location_region(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "cn-north-1",
        "aws-us-gov" => "us-gov-west-1",
        _ => "us-east-1",
    }
}

pub(crate) async fn scan(config: &SdkConfig, ctx: &ScanContext, regions: &RegionCache) -> PortResult<Vec<Resource>> {
    let client = Client::from_conf(ctx.counted(builder(config)).build());
    let locator = Client::from_conf(
        ctx.counted(builder(config))
            .region(aws_sdk_s3::config::Region::new(location_region(ctx.region.partition())))
            .build(),
    );
    let buckets = client
        .list_buckets()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| ctx.error("s3:ListBuckets", e))?;
    let names: Vec<(String, Option<String>)> =
        buckets.iter().filter_map(|b| Some((b.name()?.to_owned(), b.bucket_region().map(str::to_owned)))).collect();
    let clients = (&client, &locator);
    futures::stream::iter(names)
        .map(|(name, listed_region)| bucket(clients, ctx, regions, name, listed_region))
        .buffer_unordered(BUCKET_CONCURRENCY)
        .try_filter_map(|r| async move { Ok(r) })
        .try_collect()
        .await
}

/// The bucket's home region: from ListBuckets when AWS gave it, else cached, else asked (once
/// per bucket, however many regions' scans want it at the same time; a failed ask is not kept).
async fn home_region(
    locator: &Client,
    ctx: &ScanContext,
    cache: &RegionCache,
    name: &str,
    listed: Option<String>,
) -> PortResult<String> {
    if let Some(region) = listed {
        return Ok(region);
    }
    let cell = {
        let mut map = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(name.to_owned()).or_default().clone()
    };
    cell.get_or_try_init(|| async {
        let location = locator
            .get_bucket_location()
            .bucket(name)
            .send()
            .await
            .map_err(|e| ctx.error("s3:GetBucketLocation", e))?;
        Ok(bucket_region(location.location_constraint().map(|c| c.as_str())))
    })
    .await
    .cloned()
}

/// One bucket of this region. Where it lives is part of listing (a failure fails the scope:
/// without it the bucket cannot be placed); its tags and settings are per-resource reads that
/// fail alone, leaving that facet unknown.
async fn bucket(
    (client, locator): (&Client, &Client),
    ctx: &ScanContext,
    cache: &RegionCache,
    name: String,
    listed_region: Option<String>,
) -> PortResult<Option<Resource>> {
    let _permit = ctx.permit().await;
    if home_region(locator, ctx, cache, &name, listed_region).await? != ctx.region.as_str() {
        return Ok(None);
    }
    let (tagging, versioning, public_access, policy_status, lifecycle) = futures::join!(
        client.get_bucket_tagging().bucket(&name).send(),
        client.get_bucket_versioning().bucket(&name).send(),
        client.get_public_access_block().bucket(&name).send(),
        client.get_bucket_policy_status().bucket(&name).send(),
        client.get_bucket_lifecycle_configuration().bucket(&name).send(),
    );
    let (tag_set, tags_error) = match absent_ok(tagging, "NoSuchTagSet") {
        Ok(Some(t)) => (tags(t.tag_set().iter().map(|t| (Some(t.key()), Some(t.value())))), None),
        Ok(None) => (Tags::new(), None),
        Err(e) => (Tags::new(), Some(ctx.error("s3:GetBucketTagging", e))),
    };
    let mut r = ctx.resource(ResourceKind::S3Bucket, None, &name, &name, "available", tag_set)?;
    // Bucket ARNs have no region or account.
    r.arn = format!("arn:{}:s3:::{name}", ctx.region.partition()).parse().map_err(|e| ctx.error_text(&name, e))?;
    r.name = Some(name.clone());
    if let Some(e) = tags_error {
        ctx.unknown(&mut r, Facet::Tags, &e);
    }
    match versioning {
        Ok(v) => r.config.versioning = v.status().map(|s| s.as_str().to_owned()),
        // Some S3-compatible endpoints (moto among them) wrap the answer in a root element the
        // SDK rejects; the status inside is still right, so read it from the raw body.
        Err(e) => match e.raw_response().and_then(|r| r.body().bytes()).and_then(versioning_status_from_xml) {
            Some(status) => r.config.versioning = Some(status).filter(|s| !s.is_empty()),
            None => ctx.unknown(&mut r, Facet::Attributes, &ctx.error("s3:GetBucketVersioning", e)),
        },
    }
    match absent_ok(public_access, "NoSuchPublicAccessBlockConfiguration") {
        Ok(block) => {
            let block = block.and_then(|b| b.public_access_block_configuration().cloned());
            let fully_blocked = block.as_ref().is_some_and(|b| {
                b.block_public_acls() == Some(true)
                    && b.ignore_public_acls() == Some(true)
                    && b.block_public_policy() == Some(true)
                    && b.restrict_public_buckets() == Some(true)
            });
            r.config.publicly_accessible = Some(!fully_blocked);
            r.config.extra.insert("PublicAccessBlock".into(), fully_blocked.into());
        }
        Err(e) => ctx.unknown(&mut r, Facet::Attributes, &ctx.error("s3:GetPublicAccessBlock", e)),
    }
    match absent_ok(policy_status, "NoSuchBucketPolicy") {
        // No policy: nothing public through one.
        Ok(status) => {
            r.config.public_policy =
                Some(status.and_then(|s| s.policy_status().and_then(|p| p.is_public())).unwrap_or(false));
        }
        Err(e) => ctx.unknown(&mut r, Facet::Attributes, &ctx.error("s3:GetBucketPolicyStatus", e)),
    }
    match absent_ok(lifecycle, "NoSuchLifecycleConfiguration") {
        Ok(l) => {
            r.config.extra.insert("LifecycleRules".into(), l.map_or(0, |l| l.rules().len()).into());
        }
        Err(e) => ctx.unknown(&mut r, Facet::Attributes, &ctx.error("s3:GetBucketLifecycleConfiguration", e)),
    }
    r.constraints = constraints::derive(&r, 0);
    Ok(Some(r))
}

/// `<Status>Enabled</Status>` from a GetBucketVersioning body; `""` when the body has none
/// (versioning never enabled); `None` when the body is not a versioning answer.
fn versioning_status_from_xml(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    if !text.contains("Versioning") {
        return None;
    }
    let status = text.split_once("<Status>").and_then(|(_, rest)| rest.split_once("</Status>")).map(|(s, _)| s);
    Some(status.unwrap_or_default().to_owned())
}

#[cfg(test)]
mod tests {
    use super::{bucket_region, versioning_status_from_xml};

    #[test]
    fn versioning_is_read_from_lenient_xml() {
        let moto = br#"<?xml version="1.0"?><GetBucketVersioningResponse xmlns="x"><Status>Enabled</Status></GetBucketVersioningResponse>"#;
        assert_eq!(versioning_status_from_xml(moto).as_deref(), Some("Enabled"));
        assert_eq!(versioning_status_from_xml(b"<VersioningConfiguration/>").as_deref(), Some(""));
        assert_eq!(versioning_status_from_xml(b"<Error><Code>AccessDenied</Code></Error>"), None);
    }

    #[test]
    fn location_constraints_map_to_regions() {
        assert_eq!(bucket_region(None), "us-east-1");
        assert_eq!(bucket_region(Some("")), "us-east-1");
        assert_eq!(bucket_region(Some("EU")), "eu-west-1");
        assert_eq!(bucket_region(Some("ap-south-1")), "ap-south-1");
    }
}
