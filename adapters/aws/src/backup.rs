//! [`S3BackupTarget`]: encrypted store snapshots in a user-chosen S3 bucket, expired by a
//! lifecycle rule the tool maintains (merged with the bucket's other rules, never replacing them).

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter,
};
use cloudops_ports::{BackupTarget, PortError, PortResult};

use crate::errors::port_error;

/// The lifecycle rule id cloudops owns on the bucket.
pub const RETENTION_RULE_ID: &str = "cloudops-backup-retention";

#[derive(Debug, Clone)]
pub struct S3BackupTarget {
    client: Client,
    bucket: String,
    prefix: String,
    profile: String,
}

impl S3BackupTarget {
    /// Backups of `profile`'s credentials go to `s3://bucket/prefix` (prefix gets a trailing `/`).
    pub fn new(config: &SdkConfig, profile: &str, bucket: &str, prefix: &str) -> Self {
        let mut prefix = prefix.trim_matches('/').to_owned();
        if !prefix.is_empty() {
            prefix.push('/');
        }
        Self { client: crate::scan::s3_client(config), bucket: bucket.to_owned(), prefix, profile: profile.to_owned() }
    }

    fn key(&self, name: &str) -> PortResult<String> {
        if name.is_empty() || name.contains('/') || name.starts_with('.') {
            return Err(PortError::Invalid(format!("backup name '{name}': a file name without '/'")));
        }
        Ok(format!("{}{name}", self.prefix))
    }
}

#[async_trait]
impl BackupTarget for S3BackupTarget {
    fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    async fn ensure_retention(&self, days: u32) -> PortResult<()> {
        let existing = match self.client.get_bucket_lifecycle_configuration().bucket(&self.bucket).send().await {
            Ok(out) => out.rules.unwrap_or_default(),
            Err(e) if format!("{e:?}").contains("NoSuchLifecycleConfiguration") => Vec::new(),
            Err(e) => return Err(port_error("reading the backup bucket's lifecycle rules", &self.profile, e)),
        };
        let days = i32::try_from(days).map_err(|_| PortError::Invalid(format!("retention of {days} days")))?;
        let ours = LifecycleRule::builder()
            .id(RETENTION_RULE_ID)
            .filter(LifecycleRuleFilter::builder().prefix(&self.prefix).build())
            .status(ExpirationStatus::Enabled)
            .expiration(LifecycleExpiration::builder().days(days).build())
            .build()
            .map_err(|e| PortError::Other(format!("building the lifecycle rule: {e}")))?;
        let same = existing.iter().any(|r| {
            r.id() == Some(RETENTION_RULE_ID)
                && r.expiration().and_then(|e| e.days()) == Some(days)
                && r.filter().and_then(|f| f.prefix()) == Some(self.prefix.as_str())
        });
        if same {
            return Ok(());
        }
        let mut rules: Vec<LifecycleRule> =
            existing.into_iter().filter(|r| r.id() != Some(RETENTION_RULE_ID)).collect();
        rules.push(ours);
        let config = BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .map_err(|e| PortError::Other(format!("building the lifecycle configuration: {e}")))?;
        self.client
            .put_bucket_lifecycle_configuration()
            .bucket(&self.bucket)
            .lifecycle_configuration(config)
            .send()
            .await
            .map_err(|e| port_error("setting the backup bucket's retention rule", &self.profile, e))?;
        Ok(())
    }

    async fn put(&self, name: &str, bytes: Vec<u8>) -> PortResult<()> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(self.key(name)?)
            .body(ByteStream::from(bytes))
            .content_type("application/octet-stream")
            .send()
            .await
            .map_err(|e| port_error("uploading a backup", &self.profile, e))?;
        Ok(())
    }

    async fn get(&self, name: &str) -> PortResult<Vec<u8>> {
        let out = self.client.get_object().bucket(&self.bucket).key(self.key(name)?).send().await.map_err(|e| {
            if format!("{e:?}").contains("NoSuchKey") {
                PortError::NotFound(format!("backup {name} in {}", self.location()))
            } else {
                port_error("downloading a backup", &self.profile, e)
            }
        })?;
        let data = out.body.collect().await.map_err(|e| PortError::Unavailable {
            what: format!("the backup {name}"),
            detail: e.to_string(),
            hint: "retry; check the network".into(),
        })?;
        Ok(data.into_bytes().to_vec())
    }

    async fn list(&self) -> PortResult<Vec<String>> {
        let mut names = Vec::new();
        let mut pages = self.client.list_objects_v2().bucket(&self.bucket).prefix(&self.prefix).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("listing backups", &self.profile, e))?;
            for object in page.contents() {
                if let Some(name) = object.key().and_then(|k| k.strip_prefix(&self.prefix))
                    && !name.is_empty()
                    && !name.contains('/')
                {
                    names.push(name.to_owned());
                }
            }
        }
        // Names carry a sortable UTC timestamp.
        names.sort();
        Ok(names)
    }
}
