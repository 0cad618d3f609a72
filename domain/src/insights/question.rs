//! Reading a prompt as a question about the estate: which rules it asks for, and the part of
//! the estate it asks about (kinds, regions, accounts, environment, named resources).
//!
//! A rule is asked for when every one of its word groups has a word or phrase in the prompt
//! (plurals count). A prompt that says to change something is never a question: a mutating
//! verb at the front ("tag the untagged instances…") or outside the words the rule matched
//! ("enable deletion protection on databases without it") sends it to the planner. Words
//! touching `-_./:@=` are names, as in [`crate::verbs`]: "show public-assets" asks about a
//! bucket named so, not about public buckets.

use serde::{Deserialize, Serialize};

use super::{RULES, RuleId};
use crate::ids::{AccountId, Region};
use crate::resource::{Resource, ResourceKind};

/// Tokens that keep their punctuation: they are words, not names.
const WORDS_WITH_PUNCTUATION: &[&str] = &[
    "internet-facing",
    "end-of-life",
    "point-in-time",
    "world-open",
    "world-readable",
    "long-stopped",
    "0.0.0.0/0",
    "::/0",
    ".net",
    "isn't",
    "aren't",
    "don't",
    "doesn't",
];

/// Words that may come before an imperative verb ("please stop …", "can you tag …").
const LEAD: &[&str] = &[
    "please", "pls", "kindly", "can", "could", "would", "will", "you", "go", "now", "then", "and", "also", "i", "we",
    "want", "need", "to", "let's", "lets", "let", "us", "me",
];

/// Words that ask for every rule.
const OVERVIEW: &[&str] = &[
    "insight",
    "insights",
    "finding",
    "findings",
    "misconfiguration",
    "misconfigurations",
    "misconfigured",
    "posture",
    "hygiene",
    "security issues",
    "security problems",
    "compliance issues",
];

/// The part of the estate a question is about; empty parts keep everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scope {
    /// The rules asked for (empty: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<ResourceKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<Region>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<AccountId>,
    /// Environment words: a resource is kept when its env tag or its account alias says one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<String>,
    /// Names, ids, ARNs or account aliases typed: only those resources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
}

impl Scope {
    pub fn keeps(&self, r: &Resource) -> bool {
        let env_word = |text: &str| {
            let text = text.to_ascii_lowercase();
            self.environments.iter().any(|e| text == *e || text.split(['-', '_', ' ']).any(|part| part == e))
        };
        (self.kinds.is_empty() || self.kinds.contains(&r.kind))
            && (self.regions.is_empty() || self.regions.contains(&r.region))
            && (self.accounts.is_empty() || self.accounts.contains(&r.account_id))
            && (self.environments.is_empty()
                || r.tags.environment().is_some_and(env_word)
                || r.account_alias.as_deref().is_some_and(env_word))
            && (self.names.is_empty()
                || self.names.iter().any(|n| {
                    r.name.as_deref().is_some_and(|name| name.eq_ignore_ascii_case(n))
                        || r.identifier.as_str().eq_ignore_ascii_case(n)
                        || r.arn.to_string() == *n
                        || r.account_alias.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(n))
                }))
    }
}

/// A prompt read as a question about the estate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// The rules asked for, in [`RULES`] order.
    pub rules: Vec<RuleId>,
    pub scope: Scope,
}

/// One word of the prompt: its byte range, and its text (`None` for a name).
struct Token {
    start: usize,
    end: usize,
    word: Option<String>,
}

fn tokens(prompt: &str) -> Vec<Token> {
    let mut out = Vec::new();
    for raw in prompt.split_whitespace() {
        let offset = raw.as_ptr() as usize - prompt.as_ptr() as usize;
        let lower = raw.to_lowercase();
        if lower.len() != raw.len() {
            out.push(Token { start: offset, end: offset + raw.len(), word: Some(lower) });
            continue;
        }
        let trimmed = lower.trim_matches(|c: char| !c.is_alphanumeric() && !matches!(c, ':' | '/' | '.' | '\''));
        let trimmed = trimmed.trim_end_matches(['.', ':', '\'']).trim_start_matches('\'');
        let word = if trimmed.contains("::/0") { "::/0" } else { trimmed };
        if word.is_empty() {
            continue;
        }
        let start = offset + lower.find(word).unwrap_or(0);
        let end = start + word.len();
        if WORDS_WITH_PUNCTUATION.contains(&word) {
            out.push(Token { start, end, word: Some(word.to_owned()) });
        } else if word.contains('/') && word.split('/').all(|p| !p.is_empty() && p.chars().all(char::is_alphabetic)) {
            // "owner/env": two words.
            let mut at = start;
            for part in word.split('/') {
                out.push(Token { start: at, end: at + part.len(), word: Some(part.to_owned()) });
                at += part.len() + 1;
            }
        } else if word.chars().any(crate::verbs::is_name_punctuation) {
            out.push(Token { start, end, word: None });
        } else {
            out.push(Token { start, end, word: Some(word.to_owned()) });
        }
    }
    out
}

fn same_word(said: &str, table: &str) -> bool {
    said == table || said.strip_suffix('s').is_some_and(|s| s == table) || said.strip_suffix("es") == Some(table)
}

/// The indices of the tokens where `phrase` occurs.
fn occurrences(tokens: &[Token], phrase: &str) -> Vec<std::ops::Range<usize>> {
    let parts: Vec<&str> = phrase.split(' ').collect();
    (0..tokens.len())
        .filter(|&i| {
            i + parts.len() <= tokens.len()
                && parts.iter().enumerate().all(|(j, p)| tokens[i + j].word.as_deref().is_some_and(|w| same_word(w, p)))
        })
        .map(|i| i..i + parts.len())
        .collect()
}

/// The tokens `groups` match, when every group matches.
fn matched(tokens: &[Token], groups: &[&[&str]]) -> Option<Vec<usize>> {
    let mut hit = Vec::new();
    for group in groups {
        let found: Vec<usize> = group.iter().flat_map(|p| occurrences(tokens, p)).flatten().collect();
        if found.is_empty() {
            return None;
        }
        hit.extend(found);
    }
    Some(hit)
}

/// `prompt` as a question about the estate, if it is one.
pub fn asked(prompt: &str) -> Option<Question> {
    let tokens = tokens(prompt);
    let mut rules = Vec::new();
    let mut used: Vec<usize> = Vec::new();
    for rule in &RULES {
        if let Some(hit) = matched(&tokens, rule.asks) {
            rules.push(rule.id);
            used.extend(hit);
        }
    }
    if rules.is_empty() {
        used = OVERVIEW.iter().flat_map(|p| occurrences(&tokens, p)).flatten().collect();
        if used.is_empty() {
            return None;
        }
    }
    if says_to_change(prompt, &tokens, &used) {
        return None;
    }
    Some(Question { scope: scope(prompt, &tokens, &rules), rules })
}

/// True when a mutating verb leads the prompt or stands outside the words a rule matched.
fn says_to_change(prompt: &str, tokens: &[Token], used: &[usize]) -> bool {
    let lead = tokens.iter().find(|t| !t.word.as_deref().is_some_and(|w| LEAD.contains(&w))).map(|t| t.start);
    let inside_match = |at: usize| used.iter().any(|&i| tokens[i].start <= at && at < tokens[i].end);
    crate::verbs::said(prompt).iter().filter(|s| s.verb().is_some_and(crate::Verb::is_mutating)).any(|s| {
        Some(s.at) == lead || !s.spans.iter().all(|&(start, end)| inside_match(start) && inside_match(end - 1))
    })
}

fn scope(prompt: &str, tokens: &[Token], rules: &[RuleId]) -> Scope {
    let parsed = crate::lookup::parse::parse(prompt, &[]);
    let covered: Vec<ResourceKind> = if rules.is_empty() {
        ResourceKind::ALL.to_vec()
    } else {
        rules.iter().flat_map(|id| super::rule(*id).kinds.iter().copied()).collect()
    };
    // Kind words the rules do not cover ("ports" is not a kind) narrow nothing.
    let kinds: Vec<ResourceKind> = parsed.filters.kinds.iter().copied().filter(|k| covered.contains(k)).collect();
    let mut environments: Vec<String> = Vec::new();
    for w in tokens.iter().filter_map(|t| t.word.as_deref()) {
        for synonym in crate::lookup::words::environment_synonyms(w) {
            if !environments.iter().any(|e| e == synonym) {
                environments.push((*synonym).to_owned());
            }
        }
    }
    let names = tokens
        .iter()
        .filter(|t| t.word.is_none())
        .map(|t| prompt[t.start..t.end].trim_end_matches(['?', '!', ',', ';']).to_owned())
        .filter(|n| n.parse::<Region>().is_err() && !n.starts_with("tag:") && !n.contains('='))
        .collect();
    Scope {
        rules: rules.to_vec(),
        kinds,
        regions: parsed.filters.regions,
        accounts: parsed.filters.accounts,
        environments,
        names,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules_of(prompt: &str) -> Option<Vec<RuleId>> {
        asked(prompt).map(|q| q.rules)
    }

    #[test]
    fn the_issue_questions_ask_for_their_rule() {
        use RuleId::*;
        let table: &[(&str, &[RuleId])] = &[
            ("which production databases have no backups?", &[UnbackedDatabases]),
            ("public buckets", &[PublicBuckets]),
            ("internet-facing load balancers", &[InternetFacingLoadBalancers]),
            ("security groups open to 0.0.0.0/0 on 22 or 3389", &[OpenAdminPorts]),
            ("unencrypted RDS instances and EBS volumes", &[UnencryptedStorage]),
            ("stopped instances and for how long", &[StoppedInstances]),
            ("resources without an owner/env tag", &[MissingOwnerOrEnvTag]),
            ("Lambda functions on deprecated runtimes", &[DeprecatedRuntimes]),
            ("RDS without deletion protection in production", &[UnprotectedDatabases]),
        ];
        for (prompt, want) in table {
            assert_eq!(rules_of(prompt).as_deref(), Some(*want), "{prompt}");
        }
    }

    #[test]
    fn paraphrases_ask_for_the_same_rules() {
        use RuleId::*;
        let table: &[(&str, RuleId)] = &[
            ("are any of my buckets open to the world?", PublicBuckets),
            ("is ssh exposed to the internet anywhere", OpenAdminPorts),
            ("list sgs with rdp open to everyone", OpenAdminPorts),
            ("which dbs aren't backed up", UnbackedDatabases),
            ("show volumes that are not encrypted", UnencryptedStorage),
            ("which functions run an end-of-life python", DeprecatedRuntimes),
            ("what's untagged in prod", MissingOwnerOrEnvTag),
            ("instances stopped for weeks", StoppedInstances),
            ("unprotected production databases", UnprotectedDatabases),
            ("which albs are public", InternetFacingLoadBalancers),
        ];
        for (prompt, want) in table {
            let got = rules_of(prompt);
            assert!(got.as_ref().is_some_and(|r| r.contains(want)), "{prompt}: {got:?}");
        }
        assert_eq!(rules_of("show me the security findings"), Some(vec![]), "an overview asks for every rule");
    }

    #[test]
    fn requests_to_change_something_are_not_questions() {
        for prompt in [
            "enable deletion protection on production databases without it",
            "tag the untagged instances with owner=web",
            "block public access on public-assets",
            "please snapshot the databases without backups",
            "close port 22 on security groups open to the internet",
            "stop pg-main",
            "stop the stopped-worker instance",
            "delete the public bucket",
        ] {
            assert_eq!(asked(prompt), None, "{prompt}");
        }
    }

    #[test]
    fn names_and_prompts_about_one_resource_are_not_rule_words() {
        // "public-assets" is a name: nothing asks for public buckets.
        assert_eq!(rules_of("describe public-assets"), None);
        assert_eq!(rules_of("is pg-main backed up"), None, "no word says absent");
        let q = asked("is web-sg open to 0.0.0.0/0 on 22?").unwrap();
        assert_eq!(q.rules, vec![RuleId::OpenAdminPorts]);
        assert_eq!(q.scope.names, vec!["web-sg".to_owned()]);
    }

    #[test]
    fn the_scope_keeps_what_the_question_names() {
        let q = asked("which production databases in us-west-2 have no backups?").unwrap();
        assert!(q.scope.kinds.contains(&ResourceKind::RdsInstance));
        assert_eq!(q.scope.regions, vec!["us-west-2".parse::<Region>().unwrap()]);
        assert!(q.scope.environments.iter().any(|e| e == "production"));
        let mut prod =
            crate::testing::resource_in(ResourceKind::RdsInstance, "pg", "available", "123456789012", "us-west-2");
        prod.tags.insert("env", "prod");
        let mut staging = prod.clone();
        staging.tags.insert("env", "staging");
        let mut by_alias = staging.clone();
        by_alias.tags = Default::default();
        by_alias.account_alias = Some("acme-prod".into());
        assert!(q.scope.keeps(&prod));
        assert!(!q.scope.keeps(&staging));
        assert!(q.scope.keeps(&by_alias), "an account alias says the environment too");
        let east = crate::testing::resource(ResourceKind::RdsInstance, "pg", "available");
        assert!(!q.scope.keeps(&east));
        // An account alias typed is the account.
        let q = asked("public buckets in acme-prod").unwrap();
        let mut bucket = crate::testing::resource(ResourceKind::S3Bucket, "b", "available");
        bucket.account_alias = Some("acme-prod".into());
        assert!(q.scope.keeps(&bucket));
        bucket.account_alias = Some("acme-staging".into());
        assert!(!q.scope.keeps(&bucket));
        // "ports" is no kind; "security groups" is.
        let q = asked("ports open to the internet").unwrap();
        assert!(q.scope.kinds.is_empty());
    }
}
