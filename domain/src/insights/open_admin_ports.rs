//! Security groups that let SSH (22) or RDP (3389) in from anywhere.

use chrono::{DateTime, Utc};

use super::{Fix, Hit, Rule, RuleId, Severity};
use crate::resource::{Facet, Resource, ResourceKind};

/// Ports whose exposure to the internet is a finding: remote administration.
const ADMIN_PORTS: [(i32, &str); 2] = [(22, "SSH"), (3389, "RDP")];

pub(super) const RULE: Rule = Rule {
    id: RuleId::OpenAdminPorts,
    title: "Security groups open to the internet on SSH/RDP",
    kinds: &[ResourceKind::SecurityGroup],
    asks: &[
        &[
            "security group",
            "sg",
            "firewall",
            "port",
            "ssh",
            "rdp",
            "22",
            "3389",
            "ingress",
            "inbound",
            "remote desktop",
        ],
        &[
            "open",
            "opened",
            "0.0.0.0/0",
            "::/0",
            "world",
            "internet",
            "anywhere",
            "public",
            "everyone",
            "exposed",
            "unrestricted",
            "world-open",
        ],
    ],
    check,
    fix: Some(Fix { playbook: "ec2-revoke-open-ingress", prompt: fix_prompt }),
};

/// The admin ports `r` lets in from anywhere; all traffic counts as every port.
fn open_ports(r: &Resource) -> (Vec<(i32, &'static str)>, bool) {
    let open: Vec<_> = r.config.ingress.iter().filter(|rule| rule.from_anywhere()).collect();
    let all = open.iter().any(|rule| matches!(rule.protocol.as_str(), "-1" | "all"));
    let ports = ADMIN_PORTS.into_iter().filter(|(port, _)| open.iter().any(|rule| rule.admits_tcp(*port))).collect();
    (ports, all)
}

fn check(r: &Resource, _: DateTime<Utc>) -> Option<Hit> {
    if !super::known(r, Facet::Attributes) {
        return None;
    }
    match open_ports(r) {
        (_, true) => Hit::new(Severity::Critical, "all traffic allowed from 0.0.0.0/0"),
        (ports, false) if !ports.is_empty() => {
            let said: Vec<String> = ports.iter().map(|(p, what)| format!("tcp {p} ({what})")).collect();
            Hit::new(Severity::High, format!("{} open to the internet", said.join(" and ")))
        }
        _ => None,
    }
}

/// The revoke playbook closes one TCP port; an all-traffic rule needs its own edit.
fn fix_prompt(r: &Resource) -> Option<String> {
    match open_ports(r) {
        (ports, false) => ports.first().map(|(p, _)| format!("close port {p} to the internet on {}", r.identifier)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::IngressRule;
    use crate::testing::resource;

    type Rule = (&'static str, Option<i32>, Option<i32>, &'static str);

    fn group(rules: &[Rule]) -> Resource {
        let mut r = resource(ResourceKind::SecurityGroup, "sg", "available");
        r.config.ingress = rules
            .iter()
            .map(|(p, from, to, src)| IngressRule {
                protocol: (*p).into(),
                from_port: *from,
                to_port: *to,
                sources: vec![(*src).into()],
            })
            .collect();
        r
    }

    #[test]
    fn admin_ports_from_anywhere_are_findings_and_near_misses_are_not() {
        let now = Utc::now();
        let table: &[(&[Rule], Option<Severity>)] = &[
            (&[("tcp", Some(22), Some(22), "0.0.0.0/0")], Some(Severity::High)),
            (&[("tcp", Some(3389), Some(3389), "::/0")], Some(Severity::High)),
            (&[("tcp", Some(0), Some(65535), "0.0.0.0/0")], Some(Severity::High)),
            (&[("-1", None, None, "0.0.0.0/0")], Some(Severity::Critical)),
            // near misses: the port from a private range, another port from anywhere, UDP 22
            (&[("tcp", Some(22), Some(22), "10.0.0.0/8")], None),
            (&[("tcp", Some(443), Some(443), "0.0.0.0/0")], None),
            (&[("udp", Some(22), Some(22), "0.0.0.0/0")], None),
            (&[("tcp", Some(23), Some(3388), "0.0.0.0/0")], None),
            (&[], None),
        ];
        for (rules, want) in table {
            let got = check(&group(rules), now).map(|h| h.severity);
            assert_eq!(got, *want, "{rules:?}");
        }
    }

    #[test]
    fn the_fix_names_the_port_and_the_group() {
        let r = group(&[("tcp", Some(3389), Some(3389), "0.0.0.0/0")]);
        assert_eq!(fix_prompt(&r).unwrap(), format!("close port 3389 to the internet on {}", r.identifier));
        assert_eq!(fix_prompt(&group(&[("-1", None, None, "0.0.0.0/0")])), None);
    }
}
