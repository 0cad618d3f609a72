//! The text a resource is embedded as, and the hash that says whether it changed.

use sha2::{Digest, Sha256};

use crate::resource::Resource;

/// Bump when [`document`] changes: every resource is then re-embedded once.
pub const DOCUMENT_VERSION: u32 = 2;

/// The resource as one line of words for the embedder: kind, name (the identifier only when
/// it has none), description, engine/runtime/type, tags, account alias, region and state.
///
/// A named resource's identifier (`i-0c1d…`, `vol-…`, `sg-…`) is left out: the name index
/// matches identifiers exactly, and as words they are a dozen meaningless word pieces that
/// dilute the vector and cost embedding time (a document's tokens set its cost).
pub fn document(r: &Resource) -> String {
    let mut parts = vec![r.kind.label().to_owned()];
    match &r.name {
        Some(name) => parts.push(name.clone()),
        None => parts.push(r.identifier.to_string()),
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

/// SHA-256 (hex) over the document version, the embedding model (`embedded_by`, the
/// embedder's model id) and everything synced about the resource but the sync time: equal
/// hashes mean nothing to re-embed or rewrite; a store embedded by another model (or before a
/// document change) has other hashes, so its next sync re-embeds it.
pub fn content_hash(r: &Resource, embedded_by: &str) -> String {
    let mut stable = r.clone();
    stable.last_synced = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    let bytes = serde_json::to_vec(&stable).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(DOCUMENT_VERSION.to_le_bytes());
    h.update((embedded_by.len() as u64).to_le_bytes());
    h.update(embedded_by.as_bytes());
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
    fn a_named_resource_is_embedded_by_name_an_unnamed_one_by_identifier() {
        let mut r = resource(ResourceKind::Ec2Instance, "web-1", "running");
        let id = r.identifier.to_string();
        assert!(id.starts_with("i-") && !document(&r).contains(&id), "{}", document(&r));
        r.name = None;
        assert!(document(&r).starts_with(&format!("EC2 instance {id} ")), "{}", document(&r));
    }

    #[test]
    fn content_hash_ignores_sync_time_only() {
        let r = resource(ResourceKind::Ec2Instance, "web", "running");
        let mut later = r.clone();
        later.last_synced += chrono::Duration::hours(1);
        assert_eq!(content_hash(&r, "m"), content_hash(&later, "m"));
        let mut stopped = r.clone();
        stopped.state = crate::ResourceState::new("stopped");
        assert_ne!(content_hash(&r, "m"), content_hash(&stopped, "m"));
    }

    #[test]
    fn content_hash_names_the_embedding_model() {
        let r = resource(ResourceKind::Ec2Instance, "web", "running");
        assert_ne!(content_hash(&r, "minilm@fp32"), content_hash(&r, "minilm@qint8"));
    }
}
