//! [`EdgeChatStore`]: the `chat_history` shard behind the ChatStore port.
//!
//! Messages are points with a 1-d dummy vector (the engine needs one); the conversation id,
//! time and role are plain and indexed for filtered, time-ordered reads; the text is sealed.

use std::path::Path;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudops_ports::{ChatMessage, ChatStore, ConversationId, PortResult};
use qdrant_edge::{PayloadSchemaType, PointId as EdgePointId, PointStruct, Record};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::filter::to_edge;
use crate::sealed::{self, SharedKeyRing, corrupt};
use crate::shard::{Durability, Shard, ShardSpec};

const CONVERSATION: &str = "conversation";
const AT_MS: &str = "at_ms";
const ROLE: &str = "role";
const SEALED: &str = "sealed";

const INDEXES: &[(&str, PayloadSchemaType)] =
    &[(CONVERSATION, PayloadSchemaType::Keyword), (AT_MS, PayloadSchemaType::Integer)];

#[derive(Debug, Clone)]
pub struct EdgeChatStore {
    shard: Shard,
    ring: SharedKeyRing,
}

/// What is sealed: the whole message, so the plain copies can be checked against it.
#[derive(Serialize, Deserialize)]
struct Sealed {
    message: ChatMessage,
}

impl EdgeChatStore {
    pub const SHARD: &'static str = "chat_history";

    pub fn open(store_dir: &Path, ring: SharedKeyRing) -> PortResult<Self> {
        let spec = ShardSpec {
            name: Self::SHARD,
            dimensions: 1,
            indexes: INDEXES,
            durability: Durability::EveryWrite,
            graph_from_matches: None,
        };
        Ok(Self { shard: Shard::open(store_dir, spec)?, ring })
    }

    /// Re-seals messages sealed by an older key; returns how many.
    pub async fn reseal_stale(&self) -> PortResult<u64> {
        let ring = self.ring.clone();
        self.shard
            .blocking(move |shard| {
                let mut points = Vec::new();
                for record in shard.scroll_all(None, true, false)? {
                    let name = record_name(&record.id);
                    let payload = record.payload.as_ref().map(|p| &p.0);
                    if sealed::is_stale(&ring, &name, payload.and_then(|p| p.get(SEALED)))? {
                        let message = open_message(&ring, &record)?;
                        points.push(to_point(&ring, record.id, &message)?);
                    }
                }
                let count = points.len() as u64;
                shard.upsert(points)?;
                Ok(count)
            })
            .await
    }
}

/// The engine filter for one conversation's messages.
fn conversation_filter(conversation: &ConversationId) -> PortResult<qdrant_edge::Filter> {
    let filter = to_edge(Some(json!({ "must": [{ "key": CONVERSATION, "match": { "value": conversation.0 } }] })))?;
    filter.ok_or_else(|| cloudops_ports::PortError::Other("a filter with one condition came out empty".into()))
}

fn record_name(id: &EdgePointId) -> String {
    format!("chat/{id}")
}

fn at_ms(at: &DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn to_point(
    ring: &SharedKeyRing,
    id: EdgePointId,
    message: &ChatMessage,
) -> PortResult<qdrant_edge::PointStructPersisted> {
    let document = serde_json::to_vec(&Sealed { message: message.clone() })
        .map_err(|e| cloudops_ports::PortError::Other(format!("cannot encode a chat message: {e}")))?;
    let payload = json!({
        CONVERSATION: message.conversation.0,
        AT_MS: at_ms(&message.at),
        ROLE: message.role,
        SEALED: sealed::seal(ring, &record_name(&id), &document)?,
    });
    Ok(PointStruct::new(id, vec![1.0], payload).into())
}

fn open_message(ring: &SharedKeyRing, record: &Record) -> PortResult<ChatMessage> {
    let name = record_name(&record.id);
    let payload = record.payload.as_ref().map(|p| &p.0);
    let bytes = sealed::open(ring, &name, payload.and_then(|p| p.get(SEALED)))?;
    let Sealed { message } = serde_json::from_slice(&bytes)
        .map_err(|e| corrupt(&name, &format!("the sealed message does not decode: {e}")))?;
    let plain_ok = payload.is_some_and(|p| {
        p.get(CONVERSATION) == Some(&Value::from(message.conversation.0.clone()))
            && p.get(AT_MS) == Some(&Value::from(at_ms(&message.at)))
    });
    if !plain_ok {
        return Err(corrupt(&name, "its plain conversation or time does not match the sealed message (tampered)"));
    }
    Ok(message)
}

#[async_trait]
impl ChatStore for EdgeChatStore {
    async fn append(&self, message: ChatMessage) -> PortResult<()> {
        let point = to_point(&self.ring, EdgePointId::Uuid(uuid::Uuid::new_v4()), &message)?;
        self.shard.blocking(move |shard| shard.upsert(vec![point])).await
    }

    async fn recent(&self, conversation: &ConversationId, limit: usize) -> PortResult<Vec<ChatMessage>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let filter = conversation_filter(conversation)?;
        let ring = self.ring.clone();
        self.shard
            .blocking(move |shard| {
                let mut messages = shard
                    .latest(filter, AT_MS, limit)?
                    .iter()
                    .map(|r| open_message(&ring, r))
                    .collect::<PortResult<Vec<_>>>()?;
                messages.reverse();
                Ok(messages)
            })
            .await
    }

    async fn rename(&self, from: &ConversationId, to: &ConversationId) -> PortResult<usize> {
        let filter = conversation_filter(from)?;
        let (ring, to) = (self.ring.clone(), to.clone());
        self.shard
            .blocking(move |shard| {
                // Re-sealed under the same point ids: an upsert replaces, nothing is duplicated.
                let mut points = Vec::new();
                for record in shard.scroll_all(Some(filter), true, false)? {
                    let mut message = open_message(&ring, &record)?;
                    message.conversation = to.clone();
                    points.push(to_point(&ring, record.id, &message)?);
                }
                let moved = points.len();
                shard.upsert(points)?;
                Ok(moved)
            })
            .await
    }

    async fn delete(&self, conversation: &ConversationId) -> PortResult<usize> {
        let filter = conversation_filter(conversation)?;
        self.shard
            .blocking(move |shard| {
                let ids: Vec<EdgePointId> =
                    shard.scroll_all(Some(filter), false, false)?.into_iter().map(|r| r.id).collect();
                let deleted = ids.len();
                shard.delete(ids)?;
                Ok(deleted)
            })
            .await
    }

    async fn conversations(&self) -> PortResult<Vec<cloudops_ports::ConversationSummary>> {
        // The conversation id and time are plain payload: listing opens no sealed text.
        self.shard
            .blocking(move |shard| {
                let records = shard.scroll_all(None, true, false)?;
                let items = records.iter().filter_map(|r| {
                    let p = &r.payload.as_ref()?.0;
                    let id = p.get(CONVERSATION)?.as_str()?.to_owned();
                    let at = DateTime::<Utc>::from_timestamp_millis(p.get(AT_MS)?.as_i64()?)?;
                    Some((ConversationId(id), at))
                });
                Ok(cloudops_ports::summarize(items))
            })
            .await
    }
}
