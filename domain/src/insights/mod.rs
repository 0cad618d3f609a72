//! Estate insights: questions about the whole estate ("which production databases have no
//! backups?", "security groups open to 0.0.0.0/0 on 22") answered from the synced resources
//! alone — no AWS call, no planning server. Each rule is one file with its table test; a rule
//! reads the fields the scanners record and says, per resource, whether it is a finding, how
//! severe, why, and which playbook fixes it. A finding is only ever reported: fixing it is a
//! plan like any other (planned, reviewed, approved), never run by the rule.
//!
//! [`asked`] reads a prompt as one of these questions (never one that says to change
//! something), [`evaluate`] answers it.

mod deprecated_runtimes;
#[cfg(test)]
mod fixture;
mod internet_facing;
mod missing_tags;
mod open_admin_ports;
mod public_buckets;
mod question;
mod stopped_instances;
mod unbacked_databases;
mod unencrypted_storage;
mod unprotected_databases;

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::resource::{Resource, ResourceKind};

pub use question::{Question, Scope, asked};

/// How much a finding matters, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing (an instance stopped an hour ago).
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The rules, by their stable id (the `rule` of `cloudops insights --json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleId {
    UnbackedDatabases,
    PublicBuckets,
    InternetFacingLoadBalancers,
    OpenAdminPorts,
    UnencryptedStorage,
    StoppedInstances,
    MissingOwnerOrEnvTag,
    DeprecatedRuntimes,
    UnprotectedDatabases,
}

impl RuleId {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnbackedDatabases => "unbacked-databases",
            Self::PublicBuckets => "public-buckets",
            Self::InternetFacingLoadBalancers => "internet-facing-load-balancers",
            Self::OpenAdminPorts => "open-admin-ports",
            Self::UnencryptedStorage => "unencrypted-storage",
            Self::StoppedInstances => "stopped-instances",
            Self::MissingOwnerOrEnvTag => "missing-owner-or-env-tag",
            Self::DeprecatedRuntimes => "deprecated-runtimes",
            Self::UnprotectedDatabases => "unprotected-databases",
        }
    }
}

impl std::str::FromStr for RuleId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RULES.iter().map(|r| r.id).find(|id| id.as_str() == s).ok_or_else(|| {
            let known: Vec<&str> = RULES.iter().map(|r| r.id.as_str()).collect();
            format!("no insight rule `{s}`; the rules are {}", known.join(", "))
        })
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rule says of one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub severity: Severity,
    /// Why, in a few words ("backup retention 0 days", "tcp 22 from 0.0.0.0/0").
    pub detail: String,
}

impl Hit {
    pub(crate) fn new(severity: Severity, detail: impl Into<String>) -> Option<Self> {
        Some(Self { severity, detail: detail.into() })
    }
}

/// The playbook that fixes a finding, and the prompt that plans it for one resource.
#[derive(Debug, Clone, Copy)]
pub struct Fix {
    pub playbook: &'static str,
    /// `None` when this resource's finding has no one-prompt fix (the playbook does not cover it).
    pub prompt: fn(&Resource) -> Option<String>,
}

/// One rule: what it looks at, how to ask for it, and its check.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: RuleId,
    /// The finding's title ("Databases without automated backups").
    pub title: &'static str,
    /// The kinds it checks.
    pub kinds: &'static [ResourceKind],
    /// The groups of words that ask for it: a prompt asks when every group has a word or
    /// phrase in it (see [`asked`]).
    pub asks: &'static [&'static [&'static str]],
    pub check: fn(&Resource, DateTime<Utc>) -> Option<Hit>,
    pub fix: Option<Fix>,
}

/// Every rule, in the order findings are listed within a severity.
pub const RULES: [Rule; 9] = [
    open_admin_ports::RULE,
    public_buckets::RULE,
    unprotected_databases::RULE,
    unbacked_databases::RULE,
    unencrypted_storage::RULE,
    deprecated_runtimes::RULE,
    internet_facing::RULE,
    stopped_instances::RULE,
    missing_tags::RULE,
];

pub fn rule(id: RuleId) -> &'static Rule {
    RULES.iter().find(|r| r.id == id).expect("every rule id has a rule")
}

/// One flagged resource, with what an operator needs to find it (account, region, env).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flagged {
    pub arn: String,
    pub kind: ResourceKind,
    pub name: String,
    pub account_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_alias: Option<String>,
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    pub detail: String,
    /// The prompt that plans the fix for this resource (approved like any other plan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_prompt: Option<String>,
}

/// One rule's findings of one severity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: RuleId,
    pub title: String,
    pub severity: Severity,
    /// The playbook that fixes it, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_playbook: Option<String>,
    pub resources: Vec<Flagged>,
}

/// The findings over `resources` that `scope` keeps, most severe first (then in [`RULES`]
/// order), resources by account, region and name within a finding.
pub fn evaluate(resources: &[Resource], now: DateTime<Utc>, scope: &Scope) -> Vec<Finding> {
    let kept: Vec<&Resource> = resources.iter().filter(|r| scope.keeps(r)).collect();
    let mut findings: Vec<Finding> = Vec::new();
    for rule in RULES.iter().filter(|r| scope.rules.is_empty() || scope.rules.contains(&r.id)) {
        let mut hits: Vec<(Severity, Flagged)> = kept
            .iter()
            .filter(|r| rule.kinds.contains(&r.kind))
            .filter_map(|r| (rule.check)(r, now).map(|hit| (hit.severity, flagged(rule, r, hit.detail))))
            .collect();
        hits.sort_by(|a, b| {
            (&a.1.account_id, &a.1.region, &a.1.name, &a.1.arn).cmp(&(
                &b.1.account_id,
                &b.1.region,
                &b.1.name,
                &b.1.arn,
            ))
        });
        for (severity, flagged) in hits {
            match findings.iter_mut().find(|f| f.rule == rule.id && f.severity == severity) {
                Some(f) => f.resources.push(flagged),
                None => findings.push(Finding {
                    rule: rule.id,
                    title: rule.title.to_owned(),
                    severity,
                    fix_playbook: rule.fix.map(|f| f.playbook.to_owned()),
                    resources: vec![flagged],
                }),
            }
        }
    }
    let order = |id: RuleId| RULES.iter().position(|r| r.id == id);
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(order(a.rule).cmp(&order(b.rule))));
    findings
}

fn flagged(rule: &Rule, r: &Resource, detail: String) -> Flagged {
    Flagged {
        arn: r.arn.to_string(),
        kind: r.kind,
        name: r.display_name().to_owned(),
        account_id: r.account_id.to_string(),
        account_alias: r.account_alias.clone(),
        region: r.region.to_string(),
        environment: r.tags.environment().map(str::to_owned),
        detail,
        fix_prompt: rule.fix.and_then(|f| (f.prompt)(r)),
    }
}

/// The findings in words, one line a resource: what `cloudops insights` prints and what an
/// estate question is answered with.
pub fn describe(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "No findings.\n".to_owned();
    }
    let mut out = String::new();
    for f in findings {
        let n = f.resources.len();
        out.push_str(&format!("[{}] {} — {n} resource{}", f.severity, f.title, if n == 1 { "" } else { "s" }));
        if let Some(p) = &f.fix_playbook {
            out.push_str(&format!(" (fix: playbook {p})"));
        }
        out.push('\n');
        for r in &f.resources {
            let account = match &r.account_alias {
                Some(alias) => format!("{} {alias}", r.account_id),
                None => r.account_id.clone(),
            };
            let env = r.environment.as_deref().map(|e| format!(", env {e}")).unwrap_or_default();
            out.push_str(&format!("  - {} ({}, {account}, {}{env}): {}\n", r.name, r.kind, r.region, r.detail));
            if let Some(p) = &r.fix_prompt {
                out.push_str(&format!("    fix: cloudops plan \"{p}\"\n"));
            }
        }
    }
    out
}

/// Words that say something is absent or off ("without", "no", "unencrypted").
pub(crate) const ABSENT: &[&str] = &[
    "no",
    "not",
    "without",
    "missing",
    "lack",
    "lacking",
    "lacks",
    "disabled",
    "off",
    "zero",
    "0",
    "none",
    "isn't",
    "aren't",
    "don't",
    "doesn't",
    "never",
    "unprotected",
    "unencrypted",
    "unbacked",
    "untagged",
    "absent",
];

/// Words naming databases.
pub(crate) const DATABASES: &[&str] =
    &["database", "databases", "db", "dbs", "rds", "postgres", "postgresql", "mysql", "mariadb", "aurora", "sql"];

/// False when the scanner could not read this part of `r` (then a rule says nothing of it).
pub(crate) fn known(r: &Resource, facet: crate::resource::Facet) -> bool {
    !r.unknown.contains(&facet)
}

/// True for an Aurora member instance: its backups, encryption and protection are the cluster's.
pub(crate) fn is_cluster_member(r: &Resource) -> bool {
    r.dependencies.iter().any(|d| d.relation == crate::resource::Relation::MemberOf)
}

/// `production` when `r`'s env tag says production, else `elsewhere`.
pub(crate) fn in_production(r: &Resource, production: Severity, elsewhere: Severity) -> Severity {
    if r.tags.is_production() { production } else { elsewhere }
}

/// Whole days between `since` and `now` (0 when `since` is later).
pub(crate) fn days_between(since: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (now - since).num_days().max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_listed_once_and_found_by_its_id() {
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(rule(r.id).id, r.id);
            assert!(RULES[i + 1..].iter().all(|o| o.id != r.id), "{} listed twice", r.id);
            let json = serde_json::to_string(&r.id).unwrap();
            assert_eq!(json, format!("\"{}\"", r.id.as_str()));
            assert_eq!(r.id.as_str().parse::<RuleId>(), Ok(r.id));
        }
    }

    /// The fixture estate holds every finding and its near-misses: each rule flags exactly
    /// the resources the fixture says it should, and nothing else.
    #[test]
    fn the_fixture_estate_has_every_finding_and_no_near_miss_is_flagged() {
        let (estate, expected) = fixture::estate();
        let findings = evaluate(&estate, fixture::now(), &Scope::default());
        for rule in &RULES {
            let mut got: Vec<(String, Severity)> = findings
                .iter()
                .filter(|f| f.rule == rule.id)
                .flat_map(|f| f.resources.iter().map(move |r| (r.name.clone(), f.severity)))
                .collect();
            got.sort();
            let mut want: Vec<(String, Severity)> =
                expected.iter().filter(|e| e.0 == rule.id).map(|e| (e.1.to_owned(), e.2)).collect();
            want.sort();
            assert!(!want.is_empty(), "the fixture has no finding for {}", rule.id);
            assert_eq!(got, want, "{}", rule.id);
        }
        let severities: Vec<Severity> = findings.iter().map(|f| f.severity).collect();
        assert!(severities.windows(2).all(|w| w[0] >= w[1]), "most severe first: {severities:?}");
    }

    #[test]
    fn a_fix_prompt_names_the_resource() {
        let (estate, _) = fixture::estate();
        for f in evaluate(&estate, fixture::now(), &Scope::default()) {
            assert_eq!(f.fix_playbook.is_some(), rule(f.rule).fix.is_some());
            for r in &f.resources {
                if let Some(p) = &r.fix_prompt {
                    let named = p.split_whitespace().last().unwrap();
                    assert!(r.name == named || r.arn.ends_with(named), "{p} names {}", r.name);
                }
            }
        }
    }
}
