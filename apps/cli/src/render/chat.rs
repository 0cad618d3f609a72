//! `chat`: the session header, the conversation list, how a follow-up was read.

use std::fmt::Write as _;

use cloudops_app::client::FollowUp;
use cloudops_domain::ChatRole;
use cloudops_ports::{ChatMessage, ConversationId, ConversationSummary};

pub fn header(conversation: &ConversationId, earlier: &[ChatMessage]) -> String {
    let mut out = format!("conversation {} — type a request; /list shows conversations, /quit ends\n", conversation.0);
    for m in earlier {
        let who = if m.role == ChatRole::User { "you" } else { "cloudops" };
        let _ = writeln!(out, "  {who}: {}", m.text);
    }
    out
}

pub fn conversations(list: &[ConversationSummary]) -> String {
    if list.is_empty() {
        return "no conversations yet\n".into();
    }
    let mut out = String::new();
    for c in list {
        let _ =
            writeln!(out, "  {:<28} {:>4} messages, last {}", c.id.0, c.messages, c.last_at.format("%Y-%m-%d %H:%M"));
    }
    out
}

pub fn follow_up(f: &FollowUp) -> String {
    match &f.verb_from {
        Some(verb) if *verb == f.resources_from => format!("as in \"{verb}\""),
        Some(verb) => format!("about the resources of \"{}\", doing what \"{verb}\" asked", f.resources_from),
        None => format!("about the resources of \"{}\"", f.resources_from),
    }
}
