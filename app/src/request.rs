//! The request builder: from a prompt and its lookup to the planner request. Only the
//! resources the lookup resolved go out, with the non-secret facts `IdentifiedResource`
//! carries; never a credential, never the rest of the estate.

use chrono::{DateTime, Utc};
use cloudops_domain::lookup::Verdict;
use cloudops_domain::{ChatRole, ChatTurn, IdentifiedResource, PlanRequest, PlanResponse, Region, UserContext};
use cloudops_ports::{ChatMessage, ChatStore, ConversationId, PortResult};

use crate::lookup::{Lookup, LookupResult};

/// How many earlier turns of the conversation go with a request, at most.
pub const RECENT_TURNS: usize = 6;
/// Turns older than this are not context any more.
pub const TURN_MAX_AGE_MINUTES: i64 = 30;

/// Resources a filter-only request ("stopped instances in production") may send at most.
pub const MAX_FILTER_MATCHES: usize = 200;

/// The resources the lookup identified: the one it is sure of; every tied candidate when
/// ambiguous (the planner then asks which, it never picks); every match of a filter-only
/// request; none when nothing matched by name (the planner then asks which resource).
pub fn identified(lookup: &LookupResult) -> Vec<IdentifiedResource> {
    let ranking = &lookup.ranking;
    let parsed = &lookup.parsed;
    let filters_only = parsed.terms.is_empty() && parsed.arns.is_empty() && !parsed.filters.is_empty();
    let take = match ranking.verdict {
        Verdict::Confident => 1,
        Verdict::Ambiguous => ranking.tied.max(1),
        Verdict::Weak if filters_only => MAX_FILTER_MATCHES,
        Verdict::Weak | Verdict::NoMatch => 0,
    };
    ranking.candidates.iter().take(take).map(|c| IdentifiedResource::from_resource(&c.resource, c.score)).collect()
}

/// The planner request for `prompt`, with the conversation's `recent_turns` (see
/// [`recent_turns`]: already redacted).
pub fn build(
    prompt: &str,
    lookup: &LookupResult,
    default_region: Option<Region>,
    recent_turns: Vec<ChatTurn>,
) -> PlanRequest {
    PlanRequest {
        prompt: prompt.to_owned(),
        identified_resources: identified(lookup),
        user_context: UserContext {
            default_region,
            recent_turns,
            client: Some(format!("cloudops-cli/{}", env!("CARGO_PKG_VERSION"))),
        },
    }
}

/// The last turns of `conversation` (at most [`RECENT_TURNS`], none older than
/// [`TURN_MAX_AGE_MINUTES`]), with every resource they name that is not in `identified`
/// replaced by `[resource]`: a request never tells the planner about other resources.
pub async fn recent_turns(
    chat: &dyn ChatStore,
    conversation: &ConversationId,
    lookup: &Lookup,
    identified: &[IdentifiedResource],
    now: DateTime<Utc>,
) -> PortResult<Vec<ChatTurn>> {
    let keep: Vec<cloudops_domain::Arn> = identified.iter().map(|r| r.arn.clone()).collect();
    let since = now - chrono::Duration::minutes(TURN_MAX_AGE_MINUTES);
    let messages = chat.recent(conversation, RECENT_TURNS).await?;
    Ok(messages
        .into_iter()
        .filter(|m| m.at >= since)
        .map(|m| ChatTurn { role: m.role, text: lookup.redact(&m.text, &keep) })
        .collect())
}

/// What the assistant's turn says about `response`: the question, or the plan's first line.
pub fn answer_text(response: &PlanResponse) -> String {
    match &response.clarification {
        Some(c) => c.question.clone(),
        None => response.explain_plan.lines().next().unwrap_or_default().to_owned(),
    }
}

/// Appends the prompt and the answer to the conversation (sealed at rest by the store).
pub async fn record_turns(
    chat: &dyn ChatStore,
    conversation: &ConversationId,
    prompt: &str,
    response: &PlanResponse,
    now: DateTime<Utc>,
) -> PortResult<()> {
    let user =
        ChatMessage { conversation: conversation.clone(), at: now, role: ChatRole::User, text: prompt.to_owned() };
    chat.append(user).await?;
    let text = answer_text(response);
    // A millisecond later: stores order a conversation by time.
    let at = now + chrono::Duration::milliseconds(1);
    chat.append(ChatMessage { conversation: conversation.clone(), at, role: ChatRole::Assistant, text }).await
}
