//! Databases without deletion protection: high in production, low elsewhere.

use chrono::{DateTime, Utc};

use super::{ABSENT, DATABASES, Fix, Hit, Rule, RuleId, Severity};
use crate::resource::{Facet, Resource, ResourceKind};

pub(super) const RULE: Rule = Rule {
    id: RuleId::UnprotectedDatabases,
    title: "Databases without deletion protection",
    kinds: &[ResourceKind::RdsInstance, ResourceKind::RdsCluster],
    asks: &[
        DATABASES,
        &["deletion protection", "termination protection", "protection", "protected", "unprotected"],
        ABSENT,
    ],
    check,
    fix: Some(Fix { playbook: "rds-enable-deletion-protection", prompt: fix_prompt }),
};

fn check(r: &Resource, _: DateTime<Utc>) -> Option<Hit> {
    if !super::known(r, Facet::Attributes) || super::is_cluster_member(r) || r.config.deletion_protection != Some(false)
    {
        return None;
    }
    let severity = super::in_production(r, Severity::High, Severity::Low);
    let detail =
        if severity == Severity::High { "deletion protection off in production" } else { "deletion protection off" };
    Hit::new(severity, detail)
}

/// The playbook covers DB instances (a cluster's protection is a cluster modification).
fn fix_prompt(r: &Resource) -> Option<String> {
    (r.kind == ResourceKind::RdsInstance).then(|| format!("enable deletion protection on {}", r.display_name()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::resource;

    #[test]
    fn production_without_protection_is_high_and_protected_or_unknown_is_nothing() {
        let table = [
            (ResourceKind::RdsInstance, Some("production"), Some(false), Some(Severity::High)),
            (ResourceKind::RdsCluster, Some("prod"), Some(false), Some(Severity::High)),
            (ResourceKind::RdsInstance, Some("staging"), Some(false), Some(Severity::Low)),
            (ResourceKind::RdsInstance, None, Some(false), Some(Severity::Low)),
            (ResourceKind::RdsInstance, Some("production"), Some(true), None),
            (ResourceKind::RdsInstance, Some("production"), None, None),
        ];
        for (kind, env, protection, want) in table {
            let mut r = resource(kind, "db", "available");
            if let Some(env) = env {
                r.tags.insert("env", env);
            }
            r.config.deletion_protection = protection;
            assert_eq!(check(&r, Utc::now()).map(|h| h.severity), want, "{kind} {env:?} {protection:?}");
        }
    }

    #[test]
    fn only_instances_get_a_one_prompt_fix() {
        assert_eq!(
            fix_prompt(&resource(ResourceKind::RdsInstance, "pg-main", "available")).as_deref(),
            Some("enable deletion protection on pg-main")
        );
        assert_eq!(fix_prompt(&resource(ResourceKind::RdsCluster, "ledger", "available")), None);
    }
}
