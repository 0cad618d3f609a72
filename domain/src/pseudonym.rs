//! Pseudonyms for what leaves the machine (`[server] pseudonymize = true`): the names, ids,
//! ARNs, account ids and aliases of the identified resources are replaced by stable tokens
//! in the request, and the tokens by the real values in the returned plan, so the planning
//! server never sees them and the client's guard still checks the real resources.
//!
//! A token is keyed by a secret of this machine (the same value gets the same token from one
//! store, and nobody without the secret can tell which value a token stands for) and keeps
//! the value's shape where the planner checks it: an EC2 id stays `i-` + 17 hex digits, an
//! account id 12 digits, an ARN an ARN of the same service and region. Replacements are made
//! on whole words only ("web-1" is not replaced inside "web-10"). What is not an identified
//! resource's name or id (free words of the prompt, tag values other than names) goes as it is.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::resource::ResourceKind;
use crate::wire::{PlanRequest, PlanResponse};

/// The pairs (real value, token) of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pseudonyms {
    /// Longest real value first, so an ARN is replaced before the id inside it.
    pairs: Vec<(String, String)>,
}

fn digest(secret: &[u8; 32], label: &str, value: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(secret);
    h.update(label.as_bytes());
    h.update([0]);
    h.update(value.as_bytes());
    h.finalize().into()
}

fn hex_token(secret: &[u8; 32], label: &str, value: &str, len: usize) -> String {
    hex::encode(digest(secret, label, value))[..len].to_owned()
}

fn short(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::RdsInstance => "db",
        ResourceKind::RdsCluster => "cluster",
        ResourceKind::S3Bucket => "bucket",
        ResourceKind::LambdaFunction => "fn",
        ResourceKind::LoadBalancer => "lb",
        ResourceKind::Ec2Instance => "instance",
        ResourceKind::EbsVolume => "volume",
        ResourceKind::Vpc => "vpc",
        ResourceKind::Subnet => "subnet",
        ResourceKind::SecurityGroup => "sg",
    }
}

/// An identifier's token: EC2-family ids keep their prefix and hex shape.
fn identifier_token(secret: &[u8; 32], kind: ResourceKind, id: &str) -> String {
    match id.split_once('-') {
        Some((prefix, rest))
            if matches!(prefix, "i" | "vol" | "sg" | "vpc" | "subnet")
                && rest.chars().all(|c| c.is_ascii_hexdigit()) =>
        {
            format!("{prefix}-{}", hex_token(secret, "id", id, 17))
        }
        _ => format!("{}-{}", short(kind), hex_token(secret, "id", id, 10)),
    }
}

fn account_token(secret: &[u8; 32], account: &str) -> String {
    let d = digest(secret, "account", account);
    let n = u64::from_be_bytes(d[..8].try_into().expect("8 bytes")) % 1_000_000_000_000;
    format!("{n:012}")
}

/// True when `c` continues a word of a name or id.
fn joins(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '_'
}

/// `text` with whole-word occurrences of `from` replaced by `to`.
fn replace_words(text: &str, from: &str, to: &str) -> String {
    if from.is_empty() || !text.contains(from) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut before: Option<char> = None;
    while let Some(at) = rest.find(from) {
        let prev = rest[..at].chars().next_back().or(before);
        let next = rest[at + from.len()..].chars().next();
        out.push_str(&rest[..at]);
        if prev.is_some_and(joins) || next.is_some_and(joins) {
            out.push_str(from);
        } else {
            out.push_str(to);
        }
        before = from.chars().next_back();
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

fn walk(value: &mut Value, f: &dyn Fn(&str) -> String) {
    match value {
        Value::String(s) => *s = f(s),
        Value::Array(items) => items.iter_mut().for_each(|v| walk(v, f)),
        Value::Object(map) => map.values_mut().for_each(|v| walk(v, f)),
        _ => {}
    }
}

impl Pseudonyms {
    /// The pseudonyms for `request`'s identified resources, keyed by `secret`.
    pub fn new(secret: &[u8; 32], request: &PlanRequest) -> Self {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut add = |real: &str, token: String| {
            if !real.is_empty() && !pairs.iter().any(|(r, _)| r == real) {
                pairs.push((real.to_owned(), token));
            }
        };
        for r in &request.identified_resources {
            let account = r.account_id.to_string();
            let id = r.identifier.to_string();
            let id_token = identifier_token(secret, r.resource_type, &id);
            let account_token = account_token(secret, &account);
            // A name other than the id (an EC2 Name tag).
            let other_name = r.name.as_deref().filter(|n| *n != id);
            let mut arn = r.arn.to_string();
            // The ARN's resource part: its id (and name) tokenised, its account too.
            arn = replace_words(&arn, &id, &id_token);
            if let Some(name) = other_name {
                arn = replace_words(&arn, name, &id_token);
            }
            arn = arn.replacen(&format!(":{account}:"), &format!(":{account_token}:"), 1);
            add(&r.arn.to_string(), arn);
            add(&id, id_token.clone());
            if let Some(name) = other_name {
                add(name, format!("{}-name-{}", short(r.resource_type), hex_token(secret, "name", name, 8)));
            }
            add(&account, account_token);
            if let Some(alias) = &r.account_alias {
                add(alias, format!("account-{}", hex_token(secret, "alias", alias, 8)));
            }
            let related = r.metadata.read_replicas.iter().chain(r.metadata.replica_source.iter());
            for other in related {
                add(other, identifier_token(secret, r.resource_type, other));
            }
        }
        pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Self { pairs }
    }

    /// `request` as it leaves: every real value replaced by its token, wherever it occurs.
    pub fn hide(&self, request: &PlanRequest) -> Result<PlanRequest, serde_json::Error> {
        let mut value = serde_json::to_value(request)?;
        walk(&mut value, &|s| {
            self.pairs.iter().fold(s.to_owned(), |acc, (real, token)| replace_words(&acc, real, token))
        });
        serde_json::from_value(value)
    }

    /// The planner's answer with every token replaced by its real value.
    pub fn reveal(&self, response: &PlanResponse) -> Result<PlanResponse, serde_json::Error> {
        let mut value = serde_json::to_value(response)?;
        walk(&mut value, &|s| {
            self.pairs.iter().fold(s.to_owned(), |acc, (real, token)| acc.replace(token.as_str(), real))
        });
        serde_json::from_value(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::resource;
    use crate::wire::{IdentifiedResource, UserContext};

    fn request(prompt: &str) -> PlanRequest {
        let mut db = resource(ResourceKind::RdsInstance, "pg-main", "available");
        db.account_alias = Some("acme-prod".into());
        let web = resource(ResourceKind::Ec2Instance, "web-1", "running");
        PlanRequest {
            prompt: prompt.into(),
            identified_resources: vec![
                IdentifiedResource::from_resource(&db, 1.0),
                IdentifiedResource::from_resource(&web, 0.9),
            ],
            user_context: UserContext::default(),
        }
    }

    #[test]
    fn names_ids_arns_and_accounts_never_leave_and_keep_their_shape() {
        let req = request("stop pg-main and web-1 in acme-prod, not web-10");
        let p = Pseudonyms::new(&[7; 32], &req);
        let hidden = p.hide(&req).unwrap();
        let text = serde_json::to_string(&hidden).unwrap();
        for real in ["pg-main", "acme-prod", "123456789012", "arn:aws:rds:us-east-1:123456789012:db:pg-main"] {
            assert!(!text.contains(real), "{real} left in {text}");
        }
        assert!(hidden.prompt.contains("web-10"), "whole words only: {}", hidden.prompt);
        let web = &hidden.identified_resources[1];
        let id = web.identifier.as_str();
        assert!(id.starts_with("i-") && id.len() == 19, "{id}");
        assert_eq!(web.account_id.as_str().len(), 12);
        assert_eq!(web.arn.to_string(), format!("arn:aws:ec2:us-east-1:{}:instance/{id}", web.account_id));
        // Stable per secret, different across secrets.
        assert_eq!(Pseudonyms::new(&[7; 32], &req).hide(&req).unwrap(), hidden);
        assert_ne!(Pseudonyms::new(&[8; 32], &req).hide(&req).unwrap(), hidden);
    }

    #[test]
    fn the_plan_comes_back_with_the_real_values() {
        let req = request("stop pg-main");
        let p = Pseudonyms::new(&[1; 32], &req);
        let hidden = p.hide(&req).unwrap();
        let token = hidden.identified_resources[0].identifier.to_string();
        let response: PlanResponse = serde_json::from_value(serde_json::json!({
            "explain_plan": format!("Stops {token}."),
            "script": {"steps": []},
            "risk_assessment": {"level": "low", "reasons": [], "impact": format!("{token} stops"), "approval_required": false},
            "approval_required": false,
            "clarification": {"question": "which?", "candidates": [hidden.identified_resources[0].arn.to_string()]}
        }))
        .unwrap();
        let real = p.reveal(&response).unwrap();
        assert_eq!(real.explain_plan, "Stops pg-main.");
        assert_eq!(real.clarification.unwrap().candidates[0].to_string(), req.identified_resources[0].arn.to_string());
    }

    #[test]
    fn whole_words_only() {
        assert_eq!(replace_words("web-1 web-10 x/web-1: (web-1)", "web-1", "T"), "T web-10 x/T: (T)");
        assert_eq!(replace_words("aweb-1", "web-1", "T"), "aweb-1");
    }
}
