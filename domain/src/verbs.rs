//! What the prompt's words say to do, and verb safety.
//!
//! [`said`] reads the verbs a prompt names — synonyms ("get rid of" → terminate), phrasal
//! verbs split around their object ("bring the sandbox db back up" → start) and compound
//! nouns that name no verb ("without backups") — into [`Said`] phrases, each with the
//! playbook verbs it allows. [`check`] is the invariant both sides of the wire enforce: a plan
//! whose playbook verb none of the prompt's verbs allows is never returned (the planner asks
//! instead) and never run (the client's guard refuses it). A prompt that names no verb allows
//! anything: the router and the user's approval decide.
//!
//! Words inside resource names are not verbs: `stop-worker`, `image-resizer` and
//! `startup-db` name nothing to do (a word touching `-`, `_`, `.`, `/`, `:` or `@` is part of
//! a name).

use std::fmt;

use crate::intent::Verb;
use crate::intent::Verb::*;
use crate::wire::IdentifiedResource;

const READ: &[Verb] = &[List, Describe];
const START: &[Verb] = &[Start];
const STOP: &[Verb] = &[Stop];
const REBOOT: &[Verb] = &[Reboot, Failover];
const DESTROY: &[Verb] = &[Terminate, Delete];
const DELETE: &[Verb] = &[Delete, Terminate];
/// "remove" ends many things: a resource, a tag, a target's registration, an ingress rule.
const REMOVE: &[Verb] = &[Delete, Terminate, Untag, Deregister, Revoke];
const EMPTY: &[Verb] = &[Delete];
const SNAPSHOT: &[Verb] = &[Snapshot, CreateImage];
const IMAGE: &[Verb] = &[CreateImage, Snapshot];
const RESIZE: &[Verb] = &[Resize, Modify];
const MODIFY: &[Verb] = &[Modify, Resize];
const ENABLE: &[Verb] = &[Enable];
const DISABLE: &[Verb] = &[Disable];
const TURN_ON: &[Verb] = &[Start, Enable];
const TURN_OFF: &[Verb] = &[Stop, Disable];
const TAG: &[Verb] = &[Tag];
const UNTAG: &[Verb] = &[Untag];
const PUBLISH: &[Verb] = &[Publish];
const REGISTER: &[Verb] = &[Register];
const DEREGISTER: &[Verb] = &[Deregister];
const REVOKE: &[Verb] = &[Revoke];
const LOCK_DOWN: &[Verb] = &[Revoke, Enable];
/// "take the owner tag off web-1", "take web-1 off the load balancer".
const TAKE_OFF: &[Verb] = &[Untag, Deregister];
const FAILOVER: &[Verb] = &[Failover];
/// A compound noun that names no operation ("databases without backups").
const NOTHING: &[Verb] = &[];

/// Phrasal verbs whose object may sit between the verb (the first word) and its particle
/// (the rest) — "turn the db off": (phrase, what it allows, most words between them). Read
/// first, so "back up" in "bring it back up" is not a backup.
const SPLIT: &[(&str, &[Verb], usize)] = &[
    ("bring back up", START, 5),
    ("bring back online", START, 5),
    ("bring up", START, 5),
    ("bring online", START, 5),
    ("bring back", START, 5),
    ("bring down", STOP, 5),
    ("bring offline", STOP, 5),
    ("start back up", START, 5),
    ("start again", START, 5),
    ("start back", START, 5),
    ("turn back on", TURN_ON, 5),
    ("turn on", TURN_ON, 5),
    ("turn off", TURN_OFF, 5),
    ("switch on", TURN_ON, 5),
    ("switch off", TURN_OFF, 5),
    ("power on", START, 5),
    ("power up", START, 5),
    ("power off", STOP, 5),
    ("power down", STOP, 5),
    ("shut down", STOP, 5),
    ("shut off", STOP, 5),
    ("spin up", START, 5),
    ("spin down", STOP, 5),
    ("wake up", START, 5),
    ("tear down", DESTROY, 5),
    ("take out of", DEREGISTER, 5),
    ("take off", TAKE_OFF, 5),
    ("take offline", STOP, 5),
    ("take down", STOP, 5),
    ("pull out of", DEREGISTER, 5),
    ("put back", REGISTER, 5),
    ("add back", REGISTER, 5),
    ("lock down", LOCK_DOWN, 5),
    ("remove tag", UNTAG, 3),
    ("remove tags", UNTAG, 3),
    ("remove label", UNTAG, 3),
    ("delete tag", UNTAG, 3),
    ("delete tags", UNTAG, 3),
    ("drop tag", UNTAG, 3),
    ("add tag", TAG, 3),
    ("add tags", TAG, 3),
    ("add label", TAG, 3),
    ("close port", REVOKE, 3),
    ("scale up", RESIZE, 5),
    ("scale down", RESIZE, 5),
];

/// Words and phrases naming verbs, after the split phrasal verbs. Longer phrases come before
/// the words they contain, and a phrase consumes its words ("remove tag" is not also
/// "remove").
const WORDS: &[(&str, &[Verb])] = &[
    // Compound nouns first: what they contain is not a verb.
    ("without backups", NOTHING),
    ("without a backup", NOTHING),
    ("without any backups", NOTHING),
    ("no backups", NOTHING),
    ("no backup", NOTHING),
    ("backup retention", NOTHING),
    ("automated backups", NOTHING),
    ("backups", NOTHING),
    ("start time", NOTHING),
    ("untag", UNTAG),
    ("label", TAG),
    ("tag", TAG),
    ("shut down", STOP),
    ("shutdown", STOP),
    ("turn off", TURN_OFF),
    ("power off", STOP),
    ("stop", STOP),
    ("halt", STOP),
    ("pause", STOP),
    ("suspend", STOP),
    ("turn on", TURN_ON),
    ("power on", START),
    ("bring up", START),
    ("spin up", START),
    ("start", START),
    ("resume", START),
    ("unpause", START),
    ("boot", START),
    ("power cycle", REBOOT),
    ("restart", REBOOT),
    ("reboot", REBOOT),
    ("bounce", REBOOT),
    ("get rid of", DESTROY),
    ("tear down", DESTROY),
    ("terminate", DESTROY),
    ("kill", DESTROY),
    ("destroy", DESTROY),
    ("decommission", DESTROY),
    ("nuke", DESTROY),
    ("delete", DELETE),
    ("drop", DELETE),
    ("remove", REMOVE),
    ("empty", EMPTY),
    ("take a backup", SNAPSHOT),
    ("snapshot", SNAPSHOT),
    ("back up", SNAPSHOT),
    ("backup", SNAPSHOT),
    ("change the instance type", RESIZE),
    ("instance type", RESIZE),
    ("instance class", RESIZE),
    ("resize", RESIZE),
    ("scale", RESIZE),
    ("upsize", RESIZE),
    ("downsize", RESIZE),
    ("memory", MODIFY),
    ("timeout", MODIFY),
    ("time out", MODIFY),
    ("concurrency", MODIFY),
    ("lifecycle", MODIFY),
    ("expire", MODIFY),
    ("modify", MODIFY),
    ("create an image", IMAGE),
    ("image", IMAGE),
    ("ami", IMAGE),
    ("fail over", FAILOVER),
    ("failover", FAILOVER),
    ("enable", ENABLE),
    ("block public", ENABLE),
    ("make private", ENABLE),
    ("versioning", ENABLE),
    ("deletion protection", ENABLE),
    ("protect", ENABLE),
    ("disable", DISABLE),
    ("make public", DISABLE),
    ("publish", PUBLISH),
    ("deregister", DEREGISTER),
    ("drain", DEREGISTER),
    ("take out of", DEREGISTER),
    ("register", REGISTER),
    ("put back", REGISTER),
    ("revoke", REVOKE),
    ("close port", REVOKE),
    ("list", READ),
    ("which", READ),
    ("how many", READ),
    ("find", READ),
    ("show", READ),
    ("display", READ),
    ("describe", READ),
    ("details", READ),
    ("inspect", READ),
    ("health", READ),
];

/// One phrase of the prompt that names what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    /// The phrase as the table knows it (`"bring back up"` for "bring the db back up").
    pub phrase: &'static str,
    /// Byte offset of its first word in the prompt.
    pub at: usize,
    /// Byte ranges of the prompt it covers (two for a split phrasal verb).
    pub spans: Vec<(usize, usize)>,
    /// The playbook verbs it allows, what it names first; empty for a compound noun.
    pub allows: &'static [Verb],
}

impl Said {
    /// The verb the phrase names, if it names one.
    pub fn verb(&self) -> Option<Verb> {
        self.allows.first().copied()
    }
}

/// Punctuation that joins words into a name (`stop-worker`, `db.r6g.large`, `owner=alice`).
pub(crate) fn is_name_punctuation(c: char) -> bool {
    matches!(c, '-' | '_' | '.' | '/' | ':' | '@' | '=')
}

/// Characters that join a word into a name: a verb touching one is part of that name.
fn joins_name(c: char) -> bool {
    c.is_alphanumeric() || is_name_punctuation(c)
}

fn is_word_boundary(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back().is_none_or(|c| !joins_name(c));
    // A sentence's full stop, or a trailing '.' or ':', does not make the word a name.
    let rest = &text[end..];
    let after = match rest.chars().next() {
        None => true,
        Some('.' | ':') => rest[1..].chars().next().is_none_or(|c| !joins_name(c)),
        Some(c) => !joins_name(c),
    };
    before && after
}

/// The prompt's words: (start, end) byte ranges of whitespace-separated words, trimmed of
/// the punctuation around them.
pub(crate) fn words(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    for word in text.split_whitespace() {
        let at = from + text[from..].find(word).unwrap_or(0);
        from = at + word.len();
        let trimmed = word.trim_matches(|c: char| matches!(c, ',' | ';' | '?' | '!' | '"' | '\'' | '(' | ')' | '.'));
        if trimmed.is_empty() {
            continue;
        }
        let start = at + word.find(trimmed).unwrap_or(0);
        out.push((start, start + trimmed.len()));
    }
    out
}

/// Every phrase of `prompt` that says what to do, in the order they appear.
pub fn said(prompt: &str) -> Vec<Said> {
    let mut text = prompt.to_lowercase();
    if text.len() != prompt.len() {
        // Lower-casing changed byte lengths (rare scripts): read ASCII case only.
        text = prompt.to_ascii_lowercase();
    }
    let mut found = Vec::new();
    split_phrasals(&mut text, &mut found);
    // "make web-1 a c6i.xlarge", "move it to db.r6g.large": an instance type names a resize.
    for (start, end) in words(&text) {
        if is_instance_type(&text[start..end]) {
            found.push(Said { phrase: "instance type", at: start, spans: vec![(start, end)], allows: RESIZE });
        }
    }
    for (phrase, allows) in WORDS {
        let mut from = 0;
        while let Some(at) = text[from..].find(phrase) {
            let start = from + at;
            let end = start + phrase.len();
            if is_word_boundary(&text, start, end) {
                found.push(Said { phrase, at: start, spans: vec![(start, end)], allows });
                text.replace_range(start..end, &" ".repeat(phrase.len()));
            }
            from = end;
        }
    }
    found.sort_by_key(|s| s.at);
    found
}

/// `t3.micro`, `c6i.xlarge`, `db.r6g.large`: an EC2 or RDS instance type.
fn is_instance_type(word: &str) -> bool {
    let parts: Vec<&str> = word.strip_prefix("db.").unwrap_or(word).split('.').collect();
    let sizes = ["nano", "micro", "small", "medium", "large", "metal"];
    matches!(parts.as_slice(), [family, size]
        if family.len() >= 2
            && family.starts_with(|c: char| c.is_ascii_lowercase())
            && family.chars().any(|c| c.is_ascii_digit())
            && family.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && (sizes.contains(size) || size.ends_with("xlarge")))
}

/// Finds the split phrasal verbs, blanking what they cover in `text`.
fn split_phrasals(text: &mut String, found: &mut Vec<Said>) {
    for (phrase, allows, gap) in SPLIT {
        let mut parts = phrase.split(' ');
        let verb = parts.next().unwrap_or_default();
        let particle: Vec<&str> = parts.collect();
        loop {
            let spans = words(text);
            let word = |i: usize| spans.get(i).map(|&(s, e)| &text[s..e]);
            let hit = (0..spans.len()).find_map(|i| {
                if word(i) != Some(verb) || !is_word_boundary(text, spans[i].0, spans[i].1) {
                    return None;
                }
                (i + 1..=(i + 1 + gap).min(spans.len())).find_map(|j| {
                    let all = particle.iter().enumerate().all(|(k, p)| word(j + k) == Some(*p));
                    all.then(|| (i, j, j + particle.len() - 1))
                })
            });
            let Some((v, first, last)) = hit else { break };
            let (vs, ve) = spans[v];
            let (ps, pe) = (spans[first].0, spans[last].1);
            found.push(Said { phrase, at: vs, spans: vec![(vs, ve), (ps, pe)], allows });
            text.replace_range(vs..ve, &" ".repeat(ve - vs));
            text.replace_range(ps..pe, &" ".repeat(pe - ps));
        }
    }
}

/// The verbs the prompt's words name, in the order they appear, without repeats.
pub fn verb_hints(prompt: &str) -> Vec<Verb> {
    let mut verbs = Vec::new();
    for verb in said(prompt).iter().filter_map(Said::verb) {
        if !verbs.contains(&verb) {
            verbs.push(verb);
        }
    }
    verbs
}

/// The phrases of `prompt` that name a verb ("shut down", "stop"), in the order they appear:
/// what a follow-up without a verb ("now the staging one") takes from the turn before.
pub fn verb_phrases(prompt: &str) -> Vec<&'static str> {
    said(prompt).into_iter().filter(|s| !s.allows.is_empty()).map(|s| s.phrase).collect()
}

/// Whether what the prompt said allows a playbook of verb `planned`.
pub fn allows(said: &[Said], planned: Verb) -> bool {
    let verbs: Vec<&Said> = said.iter().filter(|s| !s.allows.is_empty()).collect();
    verbs.is_empty() || verbs.iter().any(|s| s.allows.contains(&planned))
}

/// A plan's verb that no verb of the prompt allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contradiction {
    /// What the user said, in the prompt's order ("delete").
    pub said: Vec<&'static str>,
    /// What the plan would do.
    pub planned: Verb,
}

impl Contradiction {
    /// What was said, each phrase quoted, joined by `separator`: `"delete" and "stop"`.
    pub fn said_quoted(&self, separator: &str) -> String {
        self.said.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(separator)
    }
}

impl fmt::Display for Contradiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the prompt says {} but the plan would {}", self.said_quoted(" and "), self.planned.words())
    }
}

/// The contradiction between what was `said` and a playbook of verb `planned`, if any.
pub fn contradiction(said: &[Said], planned: Verb) -> Option<Contradiction> {
    if allows(said, planned) {
        return None;
    }
    let mut phrases: Vec<&'static str> = said.iter().filter(|s| !s.allows.is_empty()).map(|s| s.phrase).collect();
    phrases.dedup();
    Some(Contradiction { said: phrases, planned })
}

/// Verb safety: `Err` when the prompt's words (resource names replaced by their kinds, so
/// `stop-worker` says nothing) name verbs and none of them allows `planned`.
pub fn check(prompt: &str, identified: &[IdentifiedResource], planned: Verb) -> Result<(), Contradiction> {
    let text = crate::routing::intent_text(prompt, identified);
    contradiction(&said(&text), planned).map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verbs(prompt: &str) -> Vec<Verb> {
        verb_hints(prompt)
    }

    /// The synonym table: (prompt, the verb it names first). One row per way of saying it.
    #[test]
    fn synonyms_and_phrasal_verbs_name_their_verb() {
        let table: &[(&str, Verb)] = &[
            ("delete web-1", Delete),
            ("remove the instance web-1", Delete),
            ("destroy web-1", Terminate),
            ("kill web-1", Terminate),
            ("get rid of web-1", Terminate),
            ("tear down the old bastion", Terminate),
            ("tear the old bastion down", Terminate),
            ("terminate web-1", Terminate),
            ("shut down pg-main", Stop),
            ("shut pg-main down", Stop),
            ("turn off web-1", Stop),
            ("turn web-1 off", Stop),
            ("halt web-1", Stop),
            ("pause web-1", Stop),
            ("power the box off", Stop),
            ("bring web-1 down", Stop),
            ("bring the sandbox database back up", Start),
            ("bring it back up", Start),
            ("bring up web-1", Start),
            ("boot web-1", Start),
            ("turn on web-1", Start),
            ("resume pg-main", Start),
            ("start pg-main again", Start),
            ("spin the worker up", Start),
            ("restart web-1", Reboot),
            ("bounce web-1", Reboot),
            ("reboot web-1", Reboot),
            ("back up pg-main", Snapshot),
            ("take a backup of pg-main", Snapshot),
            ("snapshot pg-main", Snapshot),
            ("remove the owner tag from web-1", Untag),
            ("take the owner tag off web-1", Untag),
            ("delete tag owner from web-1", Untag),
            ("add a cost-center tag to web-1", Tag),
            ("take web-1 out of the target group", Deregister),
            ("drain web-1", Deregister),
            ("put web-1 back in the pool", Register),
            ("close port 22 on ssh-from-office", Revoke),
            ("enable versioning on logs", Enable),
            ("which databases are stopped", List),
            ("show pg-main", List),
            ("make web-1 a c6i.xlarge", Resize),
            ("move orders-db to db.r6g.large", Resize),
        ];
        for (prompt, verb) in table {
            assert_eq!(verbs(prompt).first(), Some(verb), "{prompt}: {:?}", said(prompt));
        }
    }

    #[test]
    fn names_and_compound_nouns_are_not_verbs() {
        for prompt in [
            "stopped instances",
            "startup-db",
            "describe stop-worker",
            "image-resizer",
            "web.start.internal",
            "databases without backups",
            "env=stop",
        ] {
            let found: Vec<Verb> = said(prompt).iter().filter_map(Said::verb).filter(|v| *v != List).collect();
            assert!(found.is_empty(), "{prompt}: {found:?}");
        }
        // "back up" after "bring" is the phrasal verb, not a backup.
        assert_eq!(verbs("bring the reporting db back up"), vec![Start]);
        assert_eq!(verbs("please shut down the db and take a snapshot"), vec![Stop, Snapshot]);
    }

    #[test]
    fn follow_ups_repeat_split_phrasal_verbs_whole() {
        assert_eq!(verb_phrases("turn the staging db off, then show it"), vec!["turn off", "show"]);
        assert_eq!(
            verb_hints(&format!("{} now the other one", verb_phrases("bring it back up").join(" "))),
            vec![Start]
        );
    }

    /// Verb safety, the invariant: (prompt, planned verb, allowed?).
    #[test]
    fn a_plan_the_words_contradict_is_not_allowed() {
        let table: &[(&str, Verb, bool)] = &[
            ("delete web-1", Start, false),
            ("delete web-1", Terminate, true),
            ("get rid of web-1", Delete, true),
            ("get rid of web-1", Stop, false),
            ("stop pg-main", Start, false),
            ("stop pg-main", Stop, true),
            ("shut pg-main down", Reboot, false),
            ("bring the sandbox database back up", Snapshot, false),
            ("bring the sandbox database back up", Start, true),
            ("back up pg-main", Snapshot, true),
            ("back up pg-main", Start, false),
            ("restart pg-main", Failover, true),
            ("restart pg-main", Stop, false),
            ("show pg-main", Stop, false),
            ("show pg-main", Describe, true),
            ("which instances are stopped", List, true),
            ("find databases without backups", List, true),
            ("stop pg-main and take a snapshot first", Stop, true),
            ("remove the owner tag from web-1", Untag, true),
            ("remove the owner tag from web-1", Terminate, false),
            ("give image-resizer a 5 minute timeout", Modify, true),
            ("give image-resizer a 5 minute timeout", Delete, false),
            ("turn on versioning for logs", Enable, true),
            // No verb said: nothing to contradict (the router and the user decide).
            ("pg-main", Stop, true),
            ("stop-worker", Terminate, true),
        ];
        for (prompt, planned, allowed) in table {
            let result = check(prompt, &[], *planned);
            assert_eq!(result.is_ok(), *allowed, "{prompt} → {planned}: {result:?}");
        }
        let e = check("delete web-1", &[], Start).unwrap_err();
        assert_eq!(e.to_string(), "the prompt says \"delete\" but the plan would start");
    }

    #[test]
    fn identified_names_say_nothing() {
        use crate::testing::resource_in;
        use crate::{IdentifiedResource, ResourceKind};
        let r = resource_in(ResourceKind::Ec2Instance, "bounce", "running", "123456789012", "us-east-1");
        let ids = [IdentifiedResource::from_resource(&r, 1.0)];
        // The instance is called "bounce": only "stop" is said.
        assert!(check("stop bounce", &ids, Stop).is_ok());
        assert!(check("stop bounce", &[], Stop).is_ok(), "said both: stop allows stop");
        assert!(check("bounce", &ids, Stop).is_ok(), "a name alone says nothing");
        assert!(check("bounce", &[], Stop).is_err());
    }
}
