use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudops_domain::ChatRole;
use serde::{Deserialize, Serialize};

use crate::PortResult;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ConversationId(pub String);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub conversation: ConversationId,
    pub at: DateTime<Utc>,
    pub role: ChatRole,
    pub text: String,
}

/// One conversation of the history, as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub id: ConversationId,
    pub messages: usize,
    pub last_at: DateTime<Utc>,
}

/// Chat history on the client.
///
/// Contract: `recent` returns at most `limit` messages of that conversation only, oldest
/// first; `conversations` lists every conversation with a message, the most recently active
/// first; message text is encrypted at rest. `rename` moves every message of one
/// conversation to another id (kept in order, none duplicated; the caller checks the new id
/// is free); `delete` removes a conversation's messages; both answer how many they touched.
#[async_trait]
pub trait ChatStore: Send + Sync {
    async fn append(&self, message: ChatMessage) -> PortResult<()>;
    async fn recent(&self, conversation: &ConversationId, limit: usize) -> PortResult<Vec<ChatMessage>>;
    async fn conversations(&self) -> PortResult<Vec<ConversationSummary>>;
    async fn rename(&self, from: &ConversationId, to: &ConversationId) -> PortResult<usize>;
    async fn delete(&self, conversation: &ConversationId) -> PortResult<usize>;
}

/// Groups `(conversation, at)` pairs into summaries, most recently active first (shared by
/// the adapters, which read those two fields in the clear).
pub fn summarize(items: impl IntoIterator<Item = (ConversationId, DateTime<Utc>)>) -> Vec<ConversationSummary> {
    let mut by_id: std::collections::BTreeMap<ConversationId, (usize, DateTime<Utc>)> = Default::default();
    for (id, at) in items {
        let entry = by_id.entry(id).or_insert((0, at));
        entry.0 += 1;
        entry.1 = entry.1.max(at);
    }
    let mut out: Vec<ConversationSummary> =
        by_id.into_iter().map(|(id, (messages, last_at))| ConversationSummary { id, messages, last_at }).collect();
    out.sort_by(|a, b| b.last_at.cmp(&a.last_at).then_with(|| a.id.cmp(&b.id)));
    out
}
