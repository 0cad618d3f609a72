//! A resource as a Qdrant point: plain filter fields + the sealed resource + the sealed hash.

use cloudops_domain::{PointId, Resource};
use cloudops_ports::{PortError, PortResult, StoredResource};
use qdrant_edge::{PointId as EdgePointId, PointStruct, PointStructPersisted, VectorInternal, VectorStructInternal};
use serde_json::{Map, Value, json};

use crate::filter::{field, tag_term};
use crate::sealed::{self, SharedKeyRing, corrupt};

/// The AAD-bound record name of the sealed hash (distinct from the resource's, so the two
/// ciphertexts cannot be swapped).
fn hash_record(id: &str) -> String {
    format!("{id}#content-hash")
}

/// The plain fields of `r`: what filters need, nothing that names the resource.
pub(crate) fn plain_fields(r: &Resource) -> Map<String, Value> {
    let tags: Vec<String> = r.tags.iter().map(|(k, v)| tag_term(k, v)).collect();
    let tag_keys: Vec<&str> = r.tags.iter().map(|(k, _)| k).collect();
    let Value::Object(map) = json!({
        field::KIND: r.kind.as_str(),
        field::ACCOUNT: r.account_id.as_str(),
        field::ALIAS: r.account_alias,
        field::REGION: r.region.as_str(),
        field::STATE: r.state.as_str(),
        field::TAGS: tags,
        field::TAG_KEYS: tag_keys,
    }) else {
        unreachable!("json! of an object literal is an object")
    };
    map
}

/// The full payload of a stored resource: plain fields + sealed document + sealed hash.
pub(crate) fn payload(ring: &SharedKeyRing, stored: &StoredResource) -> PortResult<Map<String, Value>> {
    let record = stored.resource.point_id().to_string();
    let document = serde_json::to_vec(&stored.resource)
        .map_err(|e| PortError::Other(format!("cannot encode {}: {e}", stored.resource.kind)))?;
    let mut payload = plain_fields(&stored.resource);
    payload.insert(field::SEALED.into(), sealed::seal(ring, &record, &document)?);
    payload.insert(field::HASH.into(), sealed::seal(ring, &hash_record(&record), stored.content_hash.as_bytes())?);
    Ok(payload)
}

pub(crate) fn to_point(ring: &SharedKeyRing, stored: &StoredResource) -> PortResult<PointStructPersisted> {
    let id = EdgePointId::Uuid(stored.resource.point_id().as_uuid());
    Ok(PointStruct::new(id, stored.vector.clone(), Value::Object(payload(ring, stored)?)).into())
}

pub(crate) fn point_id(id: &EdgePointId) -> PortResult<PointId> {
    match id {
        EdgePointId::Uuid(u) => Ok(PointId::from_uuid(*u)),
        EdgePointId::NumId(n) => Err(corrupt(&n.to_string(), "a numeric point id; cloudops only writes UUIDs")),
    }
}

/// Opens the sealed resource of a point and checks its plain fields against it.
pub(crate) fn open_resource(ring: &SharedKeyRing, id: &PointId, payload: &Map<String, Value>) -> PortResult<Resource> {
    let record = id.to_string();
    let bytes = sealed::open(ring, &record, payload.get(field::SEALED))?;
    let resource: Resource = serde_json::from_slice(&bytes)
        .map_err(|e| corrupt(&record, &format!("the sealed document does not decode: {e}")))?;
    if resource.point_id() != *id {
        return Err(corrupt(&record, "the sealed resource belongs to another id"));
    }
    let expected = plain_fields(&resource);
    if let Some((key, _)) = expected.iter().find(|(k, v)| payload.get(*k) != Some(v)) {
        return Err(corrupt(&record, &format!("its plain field `{key}` does not match the sealed record (tampered)")));
    }
    Ok(resource)
}

pub(crate) fn open_hash(ring: &SharedKeyRing, id: &PointId, payload: &Map<String, Value>) -> PortResult<String> {
    let record = hash_record(&id.to_string());
    let bytes = sealed::open(ring, &record, payload.get(field::HASH))?;
    String::from_utf8(bytes).map_err(|_| corrupt(&record, "the content hash is not text"))
}

pub(crate) fn dense(vector: Option<VectorStructInternal>) -> Vec<f32> {
    match vector {
        Some(VectorStructInternal::Single(v)) => v,
        Some(VectorStructInternal::Named(mut named)) => match named.remove("") {
            Some(VectorInternal::Dense(v)) => v,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}
