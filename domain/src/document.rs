//! The text a resource is embedded as, and the hash that says whether it changed.

use sha2::{Digest, Sha256};

use crate::resource::Resource;

/// Bump when [`document`] changes: every resource is then re-embedded once.
pub const DOCUMENT_VERSION: u32 = 1;

/// The resource as one line of words for the embedder: kind, name, identifier, description,
/// engine/runtime/type, tags, account alias and region.
pub fn document(r: &Resource) -> String {
    let mut parts = vec![r.kind.label().to_owned()];
    parts.extend(r.name.clone());
    if r.name.as_deref() != Some(r.identifier.as_str()) {
        parts.push(r.identifier.to_string());
    }
    parts.extend(r.config.description.clone());
    parts.extend(r.config.engine.clone());
    parts.extend(r.config.instance_type.clone());
    parts.extend(r.tags.iter().map(|(k, v)| format!("{k}={v}")));
    parts.extend(r.account_alias.clone());
    parts.push(r.region.to_string());
    parts.push(r.state.to_string());
    parts.join(" ")
}

/// SHA-256 (hex) over everything synced about the resource except the sync time, and the
/// document version: equal hashes mean nothing to re-embed or rewrite.
pub fn content_hash(r: &Resource) -> String {
    let mut stable = r.clone();
    stable.last_synced = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    let bytes = serde_json::to_vec(&stable).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(DOCUMENT_VERSION.to_le_bytes());
    h.update(bytes);
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::ResourceKind;
    use crate::testing::resource;

    #[test]
    fn documents_carry_the_searchable_words() {
        let mut r = resource(ResourceKind::RdsInstance, "pg-main", "available");
        r.config.engine = Some("postgres".into());
        r.tags.insert("env", "prod");
        r.account_alias = Some("acme-prod".into());
        assert_eq!(document(&r), "RDS instance pg-main postgres env=prod acme-prod us-east-1 available");
    }

    #[test]
    fn content_hash_ignores_sync_time_only() {
        let r = resource(ResourceKind::Ec2Instance, "web", "running");
        let mut later = r.clone();
        later.last_synced += chrono::Duration::hours(1);
        assert_eq!(content_hash(&r), content_hash(&later));
        let mut stopped = r.clone();
        stopped.state = crate::ResourceState::new("stopped");
        assert_ne!(content_hash(&r), content_hash(&stopped));
    }
}
