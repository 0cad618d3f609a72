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

/// Chat history on the client.
///
/// Contract: `recent` returns at most `limit` messages of that conversation only, oldest
/// first; message text is encrypted at rest.
#[async_trait]
pub trait ChatStore: Send + Sync {
    async fn append(&self, message: ChatMessage) -> PortResult<()>;
    async fn recent(&self, conversation: &ConversationId, limit: usize) -> PortResult<Vec<ChatMessage>>;
}
