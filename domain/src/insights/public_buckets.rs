//! Buckets that are public (a public bucket policy) or may be made public (public access not
//! fully blocked).

use chrono::{DateTime, Utc};

use super::{Fix, Hit, Rule, RuleId, Severity};
use crate::resource::{Facet, Resource, ResourceKind};

pub(super) const RULE: Rule = Rule {
    id: RuleId::PublicBuckets,
    title: "S3 buckets that are or may be public",
    kinds: &[ResourceKind::S3Bucket],
    asks: &[
        &["bucket", "s3"],
        &[
            "public",
            "publicly",
            "open",
            "exposed",
            "world-readable",
            "anonymous",
            "anyone",
            "everyone",
            "internet",
            "world",
        ],
    ],
    check,
    fix: Some(Fix { playbook: "s3-block-public-access", prompt: fix_prompt }),
};

fn check(r: &Resource, _: DateTime<Utc>) -> Option<Hit> {
    if !super::known(r, Facet::Attributes) {
        return None;
    }
    if r.config.public_policy == Some(true) {
        return Hit::new(Severity::Critical, "the bucket policy grants public access");
    }
    if r.config.publicly_accessible == Some(true) {
        return Hit::new(Severity::Low, "public access is not fully blocked");
    }
    None
}

fn fix_prompt(r: &Resource) -> Option<String> {
    Some(format!("block public access on bucket {}", r.display_name()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::resource;

    #[test]
    fn public_policy_and_missing_block_are_findings() {
        let table = [
            (Some(true), Some(true), Some(Severity::Critical)),
            (Some(true), Some(false), Some(Severity::Critical)),
            (Some(false), Some(true), Some(Severity::Low)),
            (None, Some(true), Some(Severity::Low)),
            // near misses: fully blocked and no public policy; nothing known
            (Some(false), Some(false), None),
            (None, None, None),
        ];
        for (policy, unblocked, want) in table {
            let mut r = resource(ResourceKind::S3Bucket, "b", "available");
            r.config.public_policy = policy;
            r.config.publicly_accessible = unblocked;
            assert_eq!(check(&r, Utc::now()).map(|h| h.severity), want, "{policy:?} {unblocked:?}");
        }
    }

    #[test]
    fn an_unread_bucket_is_not_a_finding() {
        let mut r = resource(ResourceKind::S3Bucket, "b", "available");
        r.config.publicly_accessible = Some(true);
        r.unknown.insert(Facet::Attributes);
        assert_eq!(check(&r, Utc::now()), None);
    }
}
