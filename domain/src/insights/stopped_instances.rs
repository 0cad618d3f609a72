//! Stopped EC2 instances and for how long: their volumes and addresses still cost money.

use chrono::{DateTime, Utc};

use super::{Hit, Rule, RuleId, Severity};
use crate::resource::{Resource, ResourceKind};

/// Stopped this long is a finding (low); less is information.
const LONG_DAYS: i64 = 30;

pub(super) const RULE: Rule = Rule {
    id: RuleId::StoppedInstances,
    title: "Stopped instances",
    kinds: &[ResourceKind::Ec2Instance],
    asks: &[
        &["stopped", "idle", "shut down", "powered off", "halted", "long-stopped"],
        &[
            "how long",
            "since",
            "long",
            "long-stopped",
            "days",
            "weeks",
            "months",
            "ages",
            "forgotten",
            "duration",
            "when",
        ],
    ],
    check,
    fix: None,
};

fn check(r: &Resource, now: DateTime<Utc>) -> Option<Hit> {
    if !r.state.is("stopped") {
        return None;
    }
    let Some(since) = r.config.state_since else {
        return Hit::new(Severity::Info, "stopped (AWS does not say since when)");
    };
    let days = super::days_between(since, now);
    let when = since.format("%Y-%m-%d %H:%M UTC");
    let detail = match days {
        0 => match (now - since).num_hours().max(0) {
            0 => format!("stopped for less than an hour (since {when})"),
            1 => format!("stopped for 1 hour (since {when})"),
            hours => format!("stopped for {hours} hours (since {when})"),
        },
        1 => format!("stopped for 1 day (since {when})"),
        d => format!("stopped for {d} days (since {when})"),
    };
    Hit::new(if days >= LONG_DAYS { Severity::Low } else { Severity::Info }, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::resource;
    use chrono::Duration;

    #[test]
    fn stopped_instances_say_for_how_long() {
        let now = Utc::now();
        let table = [
            ("stopped", Some(Duration::days(45)), Some(Severity::Low), "45 days"),
            ("stopped", Some(Duration::days(3)), Some(Severity::Info), "3 days"),
            ("stopped", Some(Duration::hours(5)), Some(Severity::Info), "5 hours"),
            ("stopped", None, Some(Severity::Info), "since when"),
            ("running", Some(Duration::days(90)), None, ""),
            ("stopping", None, None, ""),
        ];
        for (state, ago, want, says) in table {
            let mut r = resource(ResourceKind::Ec2Instance, "web", state);
            r.config.state_since = ago.map(|d| now - d);
            let hit = check(&r, now);
            assert_eq!(hit.as_ref().map(|h| h.severity), want, "{state} {ago:?}");
            assert!(hit.is_none_or(|h| h.detail.contains(says)), "{state} {ago:?}");
        }
    }
}
