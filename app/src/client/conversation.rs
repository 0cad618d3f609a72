//! Conversations: the encrypted chat history (list, open, append) and follow-ups. A prompt
//! that names no resource but points back ("stop it", "now the staging one") is resolved
//! against the conversation's earlier prompts: their resource words, this prompt's filters,
//! and — when this prompt has no verb — the last verb said.

use cloudops_domain::lookup::Verdict;
use cloudops_domain::{ChatRole, verbs};
use cloudops_ports::{ChatMessage, ConversationId, ConversationSummary};

use super::open::Open;
use super::{Client, ClientError};
use crate::lookup::LookupResult;
use crate::request::{RECENT_TURNS, TURN_MAX_AGE_MINUTES};

/// Words that point back to what the conversation was about.
const BACK_REFERENCES: &[&str] = &["it", "that", "this", "them", "those", "these", "same", "one", "ones", "again"];

/// How a follow-up was resolved (for a front end to show "…, as before").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// The earlier prompt whose resources it is about.
    pub resources_from: String,
    /// The verb taken from an earlier prompt, when this one had none.
    pub verb_from: Option<String>,
}

pub(super) struct Resolved {
    /// What the planner is asked (the prompt, or the earlier verb + the prompt).
    pub prompt: String,
    pub lookup: LookupResult,
    pub follow_up: Option<FollowUp>,
}

/// Whether `lookup` names nothing itself but the words point back (or say nothing at all
/// about resources).
fn refers_back(prompt: &str, lookup: &LookupResult) -> bool {
    let parsed = &lookup.parsed;
    if !parsed.terms.is_empty() || !parsed.arns.is_empty() {
        return false;
    }
    let lower = prompt.to_lowercase();
    let points_back = lower.split(|c: char| !c.is_alphanumeric()).any(|w| BACK_REFERENCES.contains(&w));
    // Filters alone ("stopped instances in production") are a listing, not a follow-up.
    points_back || parsed.filters.is_empty()
}

fn names_something(lookup: &LookupResult) -> bool {
    let parsed = &lookup.parsed;
    (!parsed.terms.is_empty() || !parsed.arns.is_empty())
        && matches!(lookup.ranking.verdict, Verdict::Confident | Verdict::Ambiguous)
}

impl Client {
    /// The lookup for `prompt` in `conversation`, resolving a follow-up (see the module docs).
    pub(super) async fn resolve(
        &self,
        open: &Open,
        prompt: &str,
        conversation: &ConversationId,
        limit: usize,
    ) -> Result<Resolved, ClientError> {
        let lookup = self.search_in(open, prompt, limit).await?;
        if !refers_back(prompt, &lookup) {
            return Ok(Resolved { prompt: prompt.to_owned(), lookup, follow_up: None });
        }
        let since = self.parts().clock.now() - chrono::Duration::minutes(TURN_MAX_AGE_MINUTES);
        let mut earlier: Vec<ChatMessage> = open.chat.recent(conversation, RECENT_TURNS * 2).await?;
        earlier.retain(|m| m.role == ChatRole::User && m.at >= since);
        earlier.reverse();
        let verb_from = if verbs::verb_phrases(prompt).is_empty() {
            earlier.iter().find(|m| !verbs::verb_phrases(&m.text).is_empty()).map(|m| m.text.clone())
        } else {
            None
        };
        for message in &earlier {
            let before = self.search_in(open, &message.text, limit).await?;
            if !names_something(&before) {
                continue;
            }
            // The earlier resource words with this prompt's filters; without new filters, the
            // earlier prompt as it was (its account, region, kind).
            let text = if lookup.parsed.filters.is_empty() {
                message.text.clone()
            } else {
                let words: Vec<&str> =
                    before.parsed.arns.iter().chain(&before.parsed.terms).map(String::as_str).collect();
                format!("{} {prompt}", words.join(" "))
            };
            let lookup = self.search_in(open, &text, limit).await?;
            let planned = match &verb_from {
                Some(from) => format!("{} {prompt}", verbs::verb_phrases(from).join(" ")),
                None => prompt.to_owned(),
            };
            let follow_up = FollowUp { resources_from: message.text.clone(), verb_from };
            return Ok(Resolved { prompt: planned, lookup, follow_up: Some(follow_up) });
        }
        Ok(Resolved { prompt: prompt.to_owned(), lookup, follow_up: None })
    }

    /// Every conversation in the history, the most recently active first.
    pub async fn conversations(&self) -> Result<Vec<ConversationSummary>, ClientError> {
        Ok(self.opened().await?.chat.conversations().await?)
    }

    /// The last `limit` messages of `conversation`, oldest first.
    pub async fn messages(&self, conversation: &ConversationId, limit: usize) -> Result<Vec<ChatMessage>, ClientError> {
        Ok(self.opened().await?.chat.recent(conversation, limit).await?)
    }

    /// Renames `from` to `to` (every message keeps its order and seal); `to` must be a free,
    /// non-empty name of at most 80 characters (surrounding spaces dropped). Answers the
    /// conversation's new id.
    pub async fn rename_conversation(&self, from: &ConversationId, to: &str) -> Result<ConversationId, ClientError> {
        let name = to.trim();
        let refuse = |why: &str| Err(ClientError::ConversationName { name: name.to_owned(), why: why.to_owned() });
        if name.is_empty() {
            return refuse("a name is needed");
        }
        if name.chars().count() > 80 || name.chars().any(char::is_control) {
            return refuse("use at most 80 characters, without control characters");
        }
        let to = ConversationId(name.to_owned());
        if &to == from {
            return Ok(to);
        }
        let chat = self.opened().await?.chat.clone();
        if !chat.recent(&to, 1).await?.is_empty() {
            return refuse("another conversation has it; pick another name or delete that one first");
        }
        chat.rename(from, &to).await?;
        Ok(to)
    }

    /// Deletes every message of `conversation`; answers how many.
    pub async fn delete_conversation(&self, conversation: &ConversationId) -> Result<usize, ClientError> {
        Ok(self.opened().await?.chat.delete(conversation).await?)
    }

    /// Appends a message to `conversation` (sealed at rest). `plan` records its own turns.
    pub async fn append_message(
        &self,
        conversation: &ConversationId,
        role: ChatRole,
        text: &str,
    ) -> Result<(), ClientError> {
        let message = ChatMessage {
            conversation: conversation.clone(),
            at: self.parts().clock.now(),
            role,
            text: text.to_owned(),
        };
        Ok(self.opened().await?.chat.append(message).await?)
    }
}
