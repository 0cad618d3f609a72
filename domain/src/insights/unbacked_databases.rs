//! Databases whose automated backups are off (retention 0 days). Read replicas and Aurora
//! member instances are left out: their backups are the source's or the cluster's.

use chrono::{DateTime, Utc};

use super::{ABSENT, DATABASES, Hit, Rule, RuleId, Severity};
use crate::resource::{Resource, ResourceKind};

pub(super) const RULE: Rule = Rule {
    id: RuleId::UnbackedDatabases,
    title: "Databases without automated backups",
    kinds: &[ResourceKind::RdsInstance, ResourceKind::RdsCluster],
    asks: &[
        DATABASES,
        &["backup", "backups", "backed", "point-in-time", "point in time", "pitr", "retention", "unbacked"],
        ABSENT,
    ],
    check,
    fix: None,
};

fn check(r: &Resource, _: DateTime<Utc>) -> Option<Hit> {
    if r.config.backup_retention_days != Some(0) || r.config.replica_source.is_some() || super::is_cluster_member(r) {
        return None;
    }
    let detail = "backup retention 0 days: automated backups and point-in-time recovery are off";
    Hit::new(super::in_production(r, Severity::High, Severity::Medium), detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{Dependency, Relation};
    use crate::testing::resource;

    #[test]
    fn retention_zero_is_a_finding_except_for_replicas_and_cluster_members() {
        let member = |r: &mut Resource| {
            let arn = "arn:aws:rds:us-east-1:123456789012:cluster:ledger".parse().unwrap();
            r.dependencies.push(Dependency { relation: Relation::MemberOf, arn });
        };
        let replica = |r: &mut Resource| r.config.replica_source = Some("pg-main".into());
        let prod = |r: &mut Resource| r.tags.insert("Environment", "Production");
        let none = |_: &mut Resource| {};
        type Row<'a> = (Option<u32>, &'a dyn Fn(&mut Resource), Option<Severity>);
        let table: [Row; 6] = [
            (Some(0), &prod, Some(Severity::High)),
            (Some(0), &none, Some(Severity::Medium)),
            (Some(7), &prod, None),
            (None, &prod, None),
            (Some(0), &replica, None),
            (Some(0), &member, None),
        ];
        for (i, (days, change, want)) in table.into_iter().enumerate() {
            let mut r = resource(ResourceKind::RdsInstance, "db", "available");
            r.config.backup_retention_days = days;
            change(&mut r);
            assert_eq!(check(&r, Utc::now()).map(|h| h.severity), want, "row {i}");
        }
    }
}
