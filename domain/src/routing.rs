//! The embedding router's decision: given how similar the prompt is to each candidate
//! playbook's utterances (retrieved under the identified resources' kinds), and the verbs the
//! prompt's words name, pick one playbook when the choice is clear, else hand the few closest
//! to a slower classifier (the LLM) or ask the user.

use crate::intent::Verb;
use crate::lookup::fuzzy::{singular, tokens};
use crate::verbs;
use crate::wire::IdentifiedResource;

/// A candidate playbook with its best utterance similarity (cosine, -1..1).
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub id: String,
    pub verb: Verb,
    pub similarity: f32,
    /// The playbook's distinguishing words (`Playbook::keywords`).
    pub keywords: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// One playbook stands out.
    Confident { id: String, score: f32 },
    /// These are close: best first, at most [`UNSURE_CANDIDATES`].
    Unsure(Vec<(String, f32)>),
    /// Nothing is similar enough to be worth offering.
    NoMatch,
}

/// Added to the similarity of a playbook whose verb the prompt names.
pub const VERB_BONUS: f32 = 0.12;
/// Taken from a playbook with keywords when the prompt says none of them.
pub const KEYWORD_PENALTY: f32 = 0.15;
/// Added to a playbook with keywords when the prompt says one ("stop it after a final
/// snapshot" is the stop-with-snapshot playbook, not a plain stop).
pub const KEYWORD_BONUS: f32 = 0.06;
/// Below this (after the bonus) a playbook is not a candidate.
pub const MIN_SCORE: f32 = 0.35;
/// The best is chosen outright when it leads the next by this much (and passes [`CONFIDENT`]).
pub const MARGIN: f32 = 0.06;
pub const CONFIDENT: f32 = 0.55;
pub const UNSURE_CANDIDATES: usize = 3;

/// Decides among `scored` (any order). A playbook whose verb a phrase of the prompt allows
/// ([`verbs::said`]) gets [`VERB_BONUS`]; verb safety (dropping the playbooks the prompt's
/// verbs contradict) is the caller's step before this one.
pub fn route(prompt: &str, scored: &[Scored]) -> Route {
    let said = verbs::said(prompt);
    let lower = prompt.to_lowercase();
    let mut ranked: Vec<(String, f32)> = scored
        .iter()
        .map(|s| {
            // One bonus per thing asked for that the playbook does — a phrase allowing its verb,
            // or one among its keywords — at most two: "reboot it with a failover" fits
            // reboot-with-failover, "back it up, then shut it down" stop-with-snapshot, better
            // than a plain reboot or stop.
            let does = |p: &&verbs::Said| {
                p.allows.contains(&s.verb)
                    || (!p.allows.is_empty() && s.keywords.iter().any(|k| k.eq_ignore_ascii_case(p.phrase)))
            };
            let phrases = said.iter().filter(does).count().min(2);
            let bonus = VERB_BONUS * phrases as f32;
            let said_keyword = s.keywords.iter().any(|k| lower.contains(&k.to_lowercase()));
            let adjust = match (s.keywords.is_empty(), said_keyword) {
                (true, _) => 0.0,
                (false, true) => KEYWORD_BONUS,
                (false, false) => -KEYWORD_PENALTY,
            };
            (s.id.clone(), s.similarity + bonus + adjust)
        })
        .filter(|(_, score)| *score >= MIN_SCORE)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    match ranked.as_slice() {
        [] => Route::NoMatch,
        [(id, score)] if *score >= CONFIDENT => Route::Confident { id: id.clone(), score: *score },
        [(id, best), (_, next), ..] if *best >= CONFIDENT && best - next >= MARGIN => {
            Route::Confident { id: id.clone(), score: *best }
        }
        _ => {
            ranked.truncate(UNSURE_CANDIDATES);
            Route::Unsure(ranked)
        }
    }
}

/// The words of `prompt` that say what to do: each word naming an identified resource (name,
/// identifier, ARN) becomes its kind ("RDS instance"), and the words saying where (account ids
/// and aliases, regions) are dropped. A name like `stop-worker` or an account number carries no
/// intent, yet moves the prompt's embedding and verb hints; the kind does carry meaning.
pub fn intent_text(prompt: &str, identified: &[IdentifiedResource]) -> String {
    let mut kinds: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    let mut places: std::collections::HashSet<String> = std::collections::HashSet::new();
    for r in identified {
        let label = r.resource_type.label();
        kinds.insert(r.identifier.as_str().to_lowercase(), label);
        kinds.insert(r.arn.to_string().to_lowercase(), label);
        if let Some(name) = &r.name {
            kinds.insert(name.to_lowercase(), label);
        }
        places.insert(r.account_id.as_str().to_owned());
        places.insert(r.region.as_str().to_owned());
        places.extend(r.account_alias.iter().map(|a| a.to_lowercase()));
    }
    // The words of names said as words ("the ml training gpu box" for `ml-training-gpu`),
    // unless the word says what to do here.
    let mut name_words: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    for r in identified {
        for t in r.name.iter().flat_map(|n| tokens(n)) {
            if t.len() >= 2 && !t.chars().all(|c| c.is_ascii_digit()) {
                name_words.insert(singular(&t).into_owned(), r.resource_type.label());
            }
        }
    }
    let said: Vec<(usize, usize)> = verbs::said(prompt).into_iter().flat_map(|s| s.spans).collect();
    let mut out: Vec<&str> = Vec::new();
    let mut from = 0;
    for word in prompt.split_whitespace() {
        let at = from + prompt[from..].find(word).unwrap_or(0);
        from = at + word.len();
        let lower = word.to_lowercase();
        let bare = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        let says_what_to_do = said.iter().any(|&(start, end)| at < end && start < at + word.len());
        let name_word = (!says_what_to_do).then(|| name_words.get(singular(&bare).as_ref())).flatten();
        if let Some(label) = kinds.get(&bare).or_else(|| kinds.get(&lower)).or(name_word) {
            if out.last() != Some(label) {
                out.push(label);
            }
        } else if !places.contains(&bare) && !places.contains(&lower) {
            out.push(word);
        }
    }
    if out.is_empty() { prompt.to_owned() } else { out.join(" ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(id: &str, verb: Verb, similarity: f32) -> Scored {
        Scored { id: id.into(), verb, similarity, keywords: Vec::new() }
    }

    #[test]
    fn routes_by_similarity_verb_and_margin() {
        let scored =
            [s("rds-stop", Verb::Stop, 0.62), s("rds-start", Verb::Start, 0.60), s("rds-reboot", Verb::Reboot, 0.5)];
        // The verb lifts stop clear of start.
        assert_eq!(
            route("stop pg-main", &scored),
            Route::Confident { id: "rds-stop".into(), score: 0.62 + VERB_BONUS }
        );
        // No verb: too close to call.
        assert!(matches!(route("pg-main please", &scored), Route::Unsure(c) if c.len() == 3 && c[0].0 == "rds-stop"));
        assert_eq!(route("hello", &[s("x", Verb::Stop, 0.1)]), Route::NoMatch);
    }

    #[test]
    fn keywords_keep_a_specific_playbook_from_plain_prompts() {
        let mut snapshot = s("rds-stop-with-snapshot", Verb::Stop, 0.66);
        snapshot.keywords = vec!["snapshot".into()];
        let scored = [s("rds-stop-instance", Verb::Stop, 0.63), snapshot];
        assert!(
            matches!(route("stop pg-main in staging", &scored), Route::Confident { id, .. } if id == "rds-stop-instance")
        );
        assert!(
            matches!(route("stop pg-main, snapshot first", &scored), Route::Confident { id, .. } if id == "rds-stop-with-snapshot")
        );
    }

    #[test]
    fn intent_text_names_kinds_instead_of_resources_and_drops_places() {
        use crate::testing::resource_in;
        use crate::{IdentifiedResource, ResourceKind};
        let mut r = resource_in(ResourceKind::RdsInstance, "pg-instance-main1", "stopped", "123456789012", "us-east-1");
        r.account_alias = Some("acme-staging".into());
        let ids = [IdentifiedResource::from_resource(&r, 1.0)];
        assert_eq!(intent_text("start pg-instance-main1 in 123456789012", &ids), "start RDS instance in");
        assert_eq!(intent_text("Start PG-instance-main1, in acme-staging (us-east-1)!", &ids), "Start RDS instance in");
        assert_eq!(intent_text("123456789012", &ids), "123456789012", "nothing left: the prompt");
        assert_eq!(intent_text("stop pg-main", &[]), "stop pg-main");
        // A name said as words is the resource too, but not a word that says what to do.
        let gpu = resource_in(ResourceKind::Ec2Instance, "ml-training-gpu", "stopped", "123456789012", "us-east-1");
        let ids = [IdentifiedResource::from_resource(&gpu, 0.9)];
        assert_eq!(intent_text("start the ml training gpu", &ids), "start the EC2 instance");
        let job = resource_in(ResourceKind::LambdaFunction, "snapshot-cleaner", "active", "123456789012", "us-east-1");
        let ids = [IdentifiedResource::from_resource(&job, 0.9)];
        assert_eq!(intent_text("snapshot cleaner: describe it", &ids), "snapshot Lambda function describe it");
    }
}
