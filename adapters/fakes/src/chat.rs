use std::sync::Mutex;

use async_trait::async_trait;
use cloudops_ports::{ChatMessage, ChatStore, ConversationId, PortError, PortResult};

/// The ChatStore contract in memory.
#[derive(Debug, Default)]
pub struct MemoryChatStore {
    messages: Mutex<Vec<ChatMessage>>,
}

#[async_trait]
impl ChatStore for MemoryChatStore {
    async fn append(&self, message: ChatMessage) -> PortResult<()> {
        self.messages
            .lock()
            .map_err(|_| PortError::Other("the in-memory chat store was poisoned".into()))?
            .push(message);
        Ok(())
    }
    async fn recent(&self, conversation: &ConversationId, limit: usize) -> PortResult<Vec<ChatMessage>> {
        let messages =
            self.messages.lock().map_err(|_| PortError::Other("the in-memory chat store was poisoned".into()))?;
        let mut mine: Vec<ChatMessage> = messages.iter().filter(|m| &m.conversation == conversation).cloned().collect();
        mine.sort_by_key(|m| m.at);
        let skip = mine.len().saturating_sub(limit);
        Ok(mine.split_off(skip))
    }
    async fn conversations(&self) -> PortResult<Vec<cloudops_ports::ConversationSummary>> {
        let messages =
            self.messages.lock().map_err(|_| PortError::Other("the in-memory chat store was poisoned".into()))?;
        Ok(cloudops_ports::summarize(messages.iter().map(|m| (m.conversation.clone(), m.at))))
    }
    async fn rename(&self, from: &ConversationId, to: &ConversationId) -> PortResult<usize> {
        let mut messages =
            self.messages.lock().map_err(|_| PortError::Other("the in-memory chat store was poisoned".into()))?;
        let moved =
            messages.iter_mut().filter(|m| &m.conversation == from).map(|m| m.conversation = to.clone()).count();
        Ok(moved)
    }
    async fn delete(&self, conversation: &ConversationId) -> PortResult<usize> {
        let mut messages =
            self.messages.lock().map_err(|_| PortError::Other("the in-memory chat store was poisoned".into()))?;
        let before = messages.len();
        messages.retain(|m| &m.conversation != conversation);
        Ok(before - messages.len())
    }
}
