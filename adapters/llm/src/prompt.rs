//! The LLM's question: a fixed instruction, the request, the options by number; the answer
//! is constrained to one of the numbers.

use cloudops_domain::PlaybookSummary;
use mistralrs::{Constraint, RequestBuilder, StopTokens, TextMessageRole};

const SYSTEM: &str = "Pick the operation id that matches the request.";

/// SmolLM2's `<|endoftext|>` and `<|im_end|>`: with a grammar, generation must be told to stop.
const STOP_IDS: [u32; 2] = [0, 2];

/// The user message: the options (id: title), then the request.
pub fn user_message(prompt: &str, candidates: &[PlaybookSummary]) -> String {
    let mut text = String::new();
    for c in candidates {
        text.push_str(&format!("{}: {}\n", c.id, c.title));
    }
    text.push_str(&format!("Request: {}", prompt.trim()));
    text
}

/// The JSON schema of the answer: one of the offered ids.
pub fn schema(candidates: &[PlaybookSummary]) -> serde_json::Value {
    let ids: Vec<&str> = candidates.iter().map(|c| c.id.as_str()).collect();
    serde_json::json!({ "type": "string", "enum": ids })
}

pub fn request(prompt: &str, candidates: &[PlaybookSummary]) -> RequestBuilder {
    RequestBuilder::new()
        .add_message(TextMessageRole::System, SYSTEM)
        .add_message(TextMessageRole::User, user_message(prompt, candidates))
        .set_constraint(Constraint::JsonSchema(schema(candidates)))
        .set_deterministic_sampler()
        .set_sampler_max_len(24)
        .set_sampler_stop_toks(StopTokens::Ids(STOP_IDS.to_vec()))
}

/// The index of the candidate the answer names, if it names one.
pub fn parse_choice(answer: &str, candidates: &[PlaybookSummary]) -> Option<usize> {
    let id: String = serde_json::from_str(answer.trim()).ok()?;
    candidates.iter().position(|c| c.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &str) -> PlaybookSummary {
        PlaybookSummary { id: id.into(), version: "v".into(), title: id.into(), service: "rds".into(), verbs: vec![] }
    }

    #[test]
    fn answers_outside_the_candidates_are_rejected() {
        let cs = [c("rds-stop-instance"), c("rds-start-instance")];
        assert_eq!(parse_choice("\"rds-start-instance\"", &cs), Some(1));
        assert_eq!(parse_choice(" \"rds-stop-instance\"\n", &cs), Some(0));
        assert_eq!(parse_choice("\"rds-delete\"", &cs), None);
        assert_eq!(parse_choice("rds-stop-instance", &cs), None);
        assert_eq!(parse_choice("1", &cs), None);
        assert_eq!(
            schema(&cs),
            serde_json::json!({"type": "string", "enum": ["rds-stop-instance", "rds-start-instance"]})
        );
    }
}
