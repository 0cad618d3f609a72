//! Internet-facing load balancers: often intended, always worth knowing.

use chrono::{DateTime, Utc};

use super::{Hit, Rule, RuleId, Severity};
use crate::resource::{Resource, ResourceKind};

pub(super) const RULE: Rule = Rule {
    id: RuleId::InternetFacingLoadBalancers,
    title: "Internet-facing load balancers",
    kinds: &[ResourceKind::LoadBalancer],
    asks: &[
        &["load balancer", "lb", "alb", "nlb", "elb", "elbv2"],
        &["internet-facing", "internet", "public", "publicly", "external", "exposed", "facing", "outside"],
    ],
    check,
    fix: None,
};

fn check(r: &Resource, _: DateTime<Utc>) -> Option<Hit> {
    if r.config.publicly_accessible != Some(true) {
        return None;
    }
    let kind = r.config.instance_type.as_deref().unwrap_or("load balancer");
    Hit::new(Severity::Low, format!("{kind} load balancer with scheme internet-facing"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::resource;

    #[test]
    fn internet_facing_is_a_finding_and_internal_is_not() {
        for (public, want) in [(Some(true), Some(Severity::Low)), (Some(false), None), (None, None)] {
            let mut r = resource(ResourceKind::LoadBalancer, "lb", "active");
            r.config.publicly_accessible = public;
            assert_eq!(check(&r, Utc::now()).map(|h| h.severity), want, "{public:?}");
        }
    }
}
