//! Risk rules: how dangerous a plan is, why, and whether it needs approval.
//!
//! The level starts from the action's class, is raised to the floor any rule demands, then
//! bumped one level per aggravating rule (production, replicas, many targets), capped at
//! critical. Reads are always low and never need approval; every change needs approval.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::intent::ActionClass;
use crate::resource::{Facet, Resource, ResourceKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
    Critical,
}

impl RiskLevel {
    fn bumped(self) -> Self {
        match self {
            Self::Low => Self::Medium,
            Self::Medium => Self::High,
            Self::High | Self::Critical => Self::Critical,
        }
    }
}

impl fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        })
    }
}

/// The rule behind a reason, stable for scripts and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskRule {
    ActionClass,
    Production,
    MultiAz,
    ReadReplicas,
    NoBackups,
    Deletion,
    PublicExposure,
    ExposureIncrease,
    ExposureDecrease,
    ManyTargets,
    /// A part of a target the sync could not read: the worst is assumed of it.
    UnknownFacts,
}

/// Whether the operation opens or closes access from the internet (a playbook risk factor).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExposureChange {
    #[default]
    None,
    Increases,
    Decreases,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskReason {
    pub rule: RiskRule,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskAssessment {
    pub level: RiskLevel,
    pub reasons: Vec<RiskReason>,
    /// What will happen to what, in one or two sentences.
    pub impact: String,
    pub approval_required: bool,
}

/// What the risk rules look at.
#[derive(Debug, Clone, Copy)]
pub struct RiskInput<'a> {
    pub action: ActionClass,
    /// The verb in words for the impact text ("stop", "delete").
    pub operation: &'a str,
    pub exposure: ExposureChange,
    pub targets: &'a [Resource],
}

/// Targets from this many up raise the level one step.
pub const MANY_TARGETS: usize = 10;
/// Targets from this many up make any change critical.
pub const MASS_CHANGE_TARGETS: usize = 50;

/// The level and reasons as the rules accumulate them.
struct Tally {
    level: RiskLevel,
    reasons: Vec<RiskReason>,
}

impl Tally {
    fn note(&mut self, rule: RiskRule, message: String) {
        self.reasons.push(RiskReason { rule, message });
    }
    /// Raises the level to at least `floor`.
    fn floor(&mut self, floor: RiskLevel, rule: RiskRule, message: String) {
        self.level = self.level.max(floor);
        self.note(rule, message);
    }
    /// Raises the level one step.
    fn bump(&mut self, rule: RiskRule, message: String) {
        self.level = self.level.bumped();
        self.note(rule, message);
    }
}

pub fn assess(input: &RiskInput<'_>) -> RiskAssessment {
    let RiskInput { action, operation, exposure, targets } = *input;
    let base = match action {
        ActionClass::ReadOnly | ActionClass::Additive => RiskLevel::Low,
        ActionClass::Configuration | ActionClass::Disruptive => RiskLevel::Medium,
        ActionClass::Destructive => RiskLevel::High,
    };
    let mut t = Tally { level: base, reasons: Vec::new() };
    t.note(
        RiskRule::ActionClass,
        format!("{} is a {} operation: {base} risk at least", capitalise(operation), class_words(action)),
    );
    if action == ActionClass::ReadOnly {
        return RiskAssessment { level: t.level, reasons: t.reasons, impact: impact(input), approval_required: false };
    }

    let interrupts = action >= ActionClass::Disruptive;
    let names = |pred: &dyn Fn(&Resource) -> bool| -> Vec<String> {
        targets.iter().filter(|r| pred(r)).map(short_name).collect()
    };

    let multi_az = names(&|r| r.constraints.multi_az);
    if interrupts && !multi_az.is_empty() {
        t.floor(
            RiskLevel::Medium,
            RiskRule::MultiAz,
            format!("{} Multi-AZ (a high-availability workload)", is_are(&multi_az)),
        );
    }
    let is_db = |r: &Resource| matches!(r.kind, ResourceKind::RdsInstance | ResourceKind::RdsCluster);
    let unprotected_dbs = names(&|r| is_db(r) && !r.constraints.backups_enabled);
    if interrupts && !unprotected_dbs.is_empty() {
        let (lvl, msg) = if action == ActionClass::Destructive {
            (RiskLevel::Critical, "no automated backups: the data cannot be recovered")
        } else {
            (RiskLevel::Medium, "no automated backups")
        };
        t.floor(lvl, RiskRule::NoBackups, format!("{} has {msg}", unprotected_dbs.join(", ")));
    }
    let unversioned = names(&|r| r.kind == ResourceKind::S3Bucket && r.config.versioning.as_deref() != Some("Enabled"));
    if action == ActionClass::Destructive && !unversioned.is_empty() {
        t.floor(
            RiskLevel::Critical,
            RiskRule::NoBackups,
            format!("{} has no versioning: deleted objects cannot be recovered", unversioned.join(", ")),
        );
    }
    if action == ActionClass::Destructive {
        t.floor(RiskLevel::High, RiskRule::Deletion, "permanent: it cannot be undone".into());
    }
    match exposure {
        ExposureChange::Increases => {
            t.floor(RiskLevel::High, RiskRule::ExposureIncrease, "opens access from the internet".into());
        }
        ExposureChange::Decreases => t.note(
            RiskRule::ExposureDecrease,
            "reduces access from the internet; clients that rely on it will lose access".into(),
        ),
        ExposureChange::None => {
            let public = names(&|r| r.constraints.publicly_accessible);
            if !public.is_empty() {
                t.floor(
                    RiskLevel::Medium,
                    RiskRule::PublicExposure,
                    format!("{} publicly accessible", is_are(&public)),
                );
            }
        }
    }

    // Aggravating rules: each raises the level one step.
    let production = names(&|r| r.tags.is_production());
    if !production.is_empty() {
        t.bump(RiskRule::Production, format!("{} tagged as production", is_are(&production)));
    }
    // What the sync could not read is assumed to be the worst: unread tags may say production,
    // unread settings may make it public, unread permissions may refuse the call.
    let untagged = names(&|r| r.unknown.contains(&Facet::Tags) && !r.tags.is_production());
    if !untagged.is_empty() {
        t.bump(
            RiskRule::UnknownFacts,
            format!("the tags of {} could not be read at the last sync: it may be production", untagged.join(", ")),
        );
    }
    let unread = names(&|r| r.unknown.contains(&Facet::Attributes));
    if !unread.is_empty() {
        t.floor(
            RiskLevel::Medium,
            RiskRule::UnknownFacts,
            format!(
                "the settings of {} (public access, versioning, deletion protection) could not be read at the last sync",
                unread.join(", ")
            ),
        );
    }
    let unpermitted = names(&|r| r.unknown.contains(&Facet::Permissions));
    if !unpermitted.is_empty() {
        t.note(
            RiskRule::UnknownFacts,
            format!(
                "your IAM permissions on {} are unknown (the policies could not be read): AWS may refuse the call",
                unpermitted.join(", ")
            ),
        );
    }
    let with_replicas: Vec<String> = targets
        .iter()
        .filter(|r| r.constraints.has_read_replicas)
        .map(|r| format!("{} ({} read replica(s))", short_name(r), r.config.read_replicas.len()))
        .collect();
    if interrupts && !with_replicas.is_empty() {
        t.bump(RiskRule::ReadReplicas, format!("replicas depend on {}", with_replicas.join(", ")));
    }
    let many = format!("changes {} resources at once", targets.len());
    if targets.len() >= MASS_CHANGE_TARGETS {
        t.floor(RiskLevel::Critical, RiskRule::ManyTargets, many);
    } else if targets.len() >= MANY_TARGETS {
        t.bump(RiskRule::ManyTargets, many);
    }
    RiskAssessment { level: t.level, reasons: t.reasons, impact: impact(input), approval_required: true }
}

fn short_name(r: &Resource) -> String {
    r.display_name().to_owned()
}

fn is_are(names: &[String]) -> String {
    if names.len() == 1 { format!("{} is", names[0]) } else { format!("{} are", names.join(", ")) }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn class_words(action: ActionClass) -> &'static str {
    match action {
        ActionClass::ReadOnly => "read-only",
        ActionClass::Additive => "additive",
        ActionClass::Configuration => "configuration",
        ActionClass::Disruptive => "service-interrupting",
        ActionClass::Destructive => "destructive",
    }
}

fn impact(input: &RiskInput<'_>) -> String {
    let targets = input.targets;
    let mut listed: Vec<String> = targets
        .iter()
        .take(5)
        .map(|r| format!("{} {} in {}/{}", r.kind.label(), short_name(r), r.account_id, r.region))
        .collect();
    if targets.len() > 5 {
        listed.push(format!("{} more", targets.len() - 5));
    }
    let what = if listed.is_empty() { "no resources".to_owned() } else { listed.join(", ") };
    let consequence = match input.action {
        ActionClass::ReadOnly => "nothing is changed",
        ActionClass::Additive => "nothing existing is removed",
        ActionClass::Configuration => "the configuration changes until changed back",
        ActionClass::Disruptive => "the service is interrupted until it is available again",
        ActionClass::Destructive => "this cannot be undone",
    };
    format!("{} {what}; {consequence}.", capitalise(input.operation))
}
