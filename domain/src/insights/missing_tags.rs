//! Workload resources without an owner or an environment tag (network plumbing — VPCs,
//! subnets, security groups — is left out). A resource whose tags could not be read is not
//! a finding: its tags are unknown, not absent.

use chrono::{DateTime, Utc};

use super::{ABSENT, Fix, Hit, Rule, RuleId, Severity};
use crate::resource::{Facet, Resource, ResourceKind};
use crate::tags::ENVIRONMENT_KEYS;

/// Tag keys that name who owns a resource, compared case-insensitively.
pub const OWNER_KEYS: [&str; 5] = ["owner", "team", "contact", "maintainer", "owned-by"];

pub(super) const RULE: Rule = Rule {
    id: RuleId::MissingOwnerOrEnvTag,
    title: "Resources without an owner or env tag",
    kinds: &[
        ResourceKind::Ec2Instance,
        ResourceKind::EbsVolume,
        ResourceKind::RdsInstance,
        ResourceKind::RdsCluster,
        ResourceKind::S3Bucket,
        ResourceKind::LambdaFunction,
        ResourceKind::LoadBalancer,
    ],
    asks: &[&["tag", "tags", "tagged", "untagged", "owner", "owners", "env", "environment", "team"], ABSENT],
    check,
    fix: Some(Fix { playbook: "tags-add", prompt: fix_prompt }),
};

fn has_key(r: &Resource, keys: &[&str]) -> bool {
    r.tags.iter().any(|(k, v)| !v.trim().is_empty() && keys.iter().any(|key| k.eq_ignore_ascii_case(key)))
}

fn missing(r: &Resource) -> Option<&'static str> {
    match (has_key(r, &OWNER_KEYS), has_key(r, &ENVIRONMENT_KEYS)) {
        (true, true) => None,
        (false, true) => Some("owner"),
        (true, false) => Some("env"),
        (false, false) => Some("owner and env"),
    }
}

fn check(r: &Resource, _: DateTime<Utc>) -> Option<Hit> {
    if !super::known(r, Facet::Tags) {
        return None;
    }
    Hit::new(Severity::Low, format!("no {} tag", missing(r)?))
}

/// The value is the user's to say: the planner asks for it.
fn fix_prompt(r: &Resource) -> Option<String> {
    let key = if missing(r)? == "env" { "env" } else { "owner" };
    Some(format!("add an {key} tag to {}", r.display_name()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::resource;

    #[test]
    fn a_missing_owner_or_env_tag_is_a_finding() {
        type Row = (&'static [(&'static str, &'static str)], Option<&'static str>);
        let table: [Row; 6] = [
            (&[], Some("no owner and env tag")),
            (&[("Owner", "payments")], Some("no env tag")),
            (&[("Environment", "prod")], Some("no owner tag")),
            (&[("team", "data"), ("stage", "dev")], None),
            (&[("owner", " "), ("env", "dev")], Some("no owner tag")),
            (&[("Name", "web"), ("env", "dev"), ("contact", "a@b.c")], None),
        ];
        for (tags, want) in table {
            let mut r = resource(ResourceKind::Ec2Instance, "web", "running");
            for (k, v) in tags {
                r.tags.insert(*k, *v);
            }
            assert_eq!(check(&r, Utc::now()).map(|h| h.detail).as_deref(), want, "{tags:?}");
        }
    }

    #[test]
    fn unread_tags_are_not_missing_tags() {
        let mut r = resource(ResourceKind::LambdaFunction, "fn", "active");
        r.unknown.insert(Facet::Tags);
        assert_eq!(check(&r, Utc::now()), None);
    }
}
