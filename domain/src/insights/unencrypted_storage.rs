//! Storage not encrypted at rest: RDS instances and clusters, EBS volumes.

use chrono::{DateTime, Utc};

use super::{ABSENT, Hit, Rule, RuleId, Severity};
use crate::resource::{Resource, ResourceKind};

pub(super) const RULE: Rule = Rule {
    id: RuleId::UnencryptedStorage,
    title: "Storage not encrypted at rest",
    kinds: &[ResourceKind::RdsInstance, ResourceKind::RdsCluster, ResourceKind::EbsVolume],
    asks: &[&["unencrypted", "encrypted", "encryption", "encrypt", "kms"], ABSENT],
    check,
    fix: None,
};

fn check(r: &Resource, _: DateTime<Utc>) -> Option<Hit> {
    if r.config.encrypted != Some(false) || super::is_cluster_member(r) {
        return None;
    }
    // Encrypting existing storage means a copy (snapshot → encrypted copy → restore): no
    // one-step playbook.
    let detail = "not encrypted at rest (encrypting needs an encrypted copy of a snapshot)";
    Hit::new(super::in_production(r, Severity::High, Severity::Medium), detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::resource;

    #[test]
    fn unencrypted_storage_is_a_finding_and_encrypted_or_unknown_is_not() {
        let table = [
            (ResourceKind::EbsVolume, Some(false), true, Some(Severity::High)),
            (ResourceKind::EbsVolume, Some(false), false, Some(Severity::Medium)),
            (ResourceKind::RdsInstance, Some(false), false, Some(Severity::Medium)),
            (ResourceKind::RdsCluster, Some(false), true, Some(Severity::High)),
            (ResourceKind::RdsInstance, Some(true), true, None),
            (ResourceKind::EbsVolume, None, true, None),
        ];
        for (kind, encrypted, prod, want) in table {
            let mut r = resource(kind, "x", "available");
            r.config.encrypted = encrypted;
            if prod {
                r.tags.insert("env", "prod");
            }
            assert_eq!(check(&r, Utc::now()).map(|h| h.severity), want, "{kind} {encrypted:?} {prod}");
        }
    }
}
