//! The LLM's question: a fixed instruction, the request, the options by number; the answer
//! is constrained to one of the numbers.

use cloudops_domain::PlaybookSummary;
use mistralrs::{Constraint, RequestBuilder, StopTokens, TextMessageRole};

const SYSTEM: &str = "Pick the operation that matches the request.";

/// SmolLM2's `<|endoftext|>` and `<|im_end|>`: with a grammar, generation must be told to stop.
const STOP_IDS: [u32; 2] = [0, 2];

/// What the model answers for each candidate: its id without the prefix all candidates share
/// (`rds-stop-instance`, `rds-start-instance` → `stop-instance`, `start-instance`): fewer
/// tokens to decode, the same words to choose by.
pub fn labels(candidates: &[PlaybookSummary]) -> Vec<String> {
    let ids: Vec<&str> = candidates.iter().map(|c| c.id.as_str()).collect();
    let first = ids.first().copied().unwrap_or_default();
    let mut prefix = first.len();
    for id in &ids[1.min(ids.len())..] {
        prefix = prefix.min(first.bytes().zip(id.bytes()).take_while(|(a, b)| a == b).count());
    }
    // Cut at a dash, and never leave a label empty.
    let cut = first[..prefix].rfind('-').map_or(0, |i| i + 1);
    let labels: Vec<String> = ids.iter().map(|id| id[cut..].to_owned()).collect();
    if ids.len() < 2 || labels.iter().any(String::is_empty) {
        ids.iter().map(|s| (*s).to_owned()).collect()
    } else {
        labels
    }
}

/// The user message: the options (label: title), then the request.
pub fn user_message(prompt: &str, candidates: &[PlaybookSummary]) -> String {
    let mut text = String::new();
    for (label, c) in labels(candidates).iter().zip(candidates) {
        text.push_str(&format!("{label}: {}\n", c.title));
    }
    text.push_str(&format!("Request: {}", prompt.trim()));
    text
}

/// The JSON schema of the answer: one of the offered labels.
pub fn schema(candidates: &[PlaybookSummary]) -> serde_json::Value {
    serde_json::json!({ "type": "string", "enum": labels(candidates) })
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
    let label: String = serde_json::from_str(answer.trim()).ok()?;
    labels(candidates).iter().position(|l| *l == label)
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
        assert_eq!(labels(&cs), ["stop-instance", "start-instance"]);
        assert_eq!(parse_choice("\"start-instance\"", &cs), Some(1));
        assert_eq!(parse_choice(" \"stop-instance\"\n", &cs), Some(0));
        assert_eq!(parse_choice("\"rds-stop-instance\"", &cs), None);
        assert_eq!(parse_choice("stop-instance", &cs), None);
        assert_eq!(parse_choice("1", &cs), None);
        assert_eq!(schema(&cs), serde_json::json!({"type": "string", "enum": ["stop-instance", "start-instance"]}));
    }

    #[test]
    fn labels_stay_whole_words_and_never_empty() {
        assert_eq!(labels(&[c("rds-stop-instance"), c("rds-stop-with-snapshot")]), ["instance", "with-snapshot"]);
        assert_eq!(
            labels(&[c("s3-list-buckets"), c("ec2-describe-instances")]),
            ["s3-list-buckets", "ec2-describe-instances"]
        );
        assert_eq!(labels(&[c("lambda-update-memory")]), ["lambda-update-memory"]);
    }
}
