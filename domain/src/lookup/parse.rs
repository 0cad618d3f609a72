//! Prompt → filters + the words left to match names with.
//!
//! "stop the stopped postgres databases in production in oregon tagged app=main" gives
//! kinds = RDS, states = stopped, accounts = the prod account(s), regions = us-west-2,
//! tags = app=main, and the name words ["postgres"]. Nothing here guesses: a word that is not
//! recognised stays a name word, and an environment word only becomes an account filter when
//! an account alias says that environment.

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, Region};
use crate::intent::Filters;
use crate::resource::{ResourceKind, ResourceState};
use crate::tags::TagFilter;

use super::fuzzy::tokens;
use super::words::{environment_synonyms, is_filler, kind_word, region_word, state_word};

/// An account the user has, as the parser may hear it named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountName {
    pub id: AccountId,
    /// The IAM alias or profile name (`acme-prod`).
    pub alias: Option<String>,
}

/// What the parser made of a prompt.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParsedQuery {
    pub filters: Filters,
    /// ARNs typed in the prompt (exact matches only).
    pub arns: Vec<String>,
    /// Words left for name matching, lower case, in prompt order.
    pub terms: Vec<String>,
    /// What the embedder sees: the name words and the kind words, or empty when the prompt is
    /// only filters.
    pub semantic_text: String,
}

const DIRECTIONS: [&str; 9] =
    ["east", "west", "north", "south", "central", "northeast", "southeast", "northwest", "southwest"];

/// `us-east-1`, `eu-central-2`, `us-gov-west-1` — not any word shaped like one ("pg-main-1").
fn region_code(word: &str) -> Option<Region> {
    let parts: Vec<&str> = word.split('-').collect();
    let direction = parts.get(parts.len().saturating_sub(2))?;
    if !DIRECTIONS.contains(direction) {
        return None;
    }
    word.parse().ok()
}

fn clean(word: &str) -> &str {
    let word = word.trim_matches(|c: char| matches!(c, ',' | ';' | '?' | '!' | '"' | '\'' | '(' | ')' | '`'));
    // A trailing full stop ends a sentence, except in abbreviations like "n.".
    if word.len() > 2 { word.strip_suffix('.').unwrap_or(word) } else { word }
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// The accounts whose alias says the environment `word` names ("production" → `acme-prod`).
fn accounts_for_environment<'a>(word: &str, accounts: &'a [AccountName]) -> Vec<&'a AccountName> {
    let synonyms = environment_synonyms(word);
    if synonyms.is_empty() {
        return Vec::new();
    }
    accounts
        .iter()
        .filter(|a| {
            a.alias.as_deref().is_some_and(|alias| tokens(alias).iter().any(|t| synonyms.contains(&t.as_str())))
        })
        .collect()
}

/// Accounts named by `word` in an account position ("in payments", "payments account"):
/// any alias token, as long as it does not name every account ("acme").
fn accounts_for_alias_word<'a>(word: &str, accounts: &'a [AccountName]) -> Vec<&'a AccountName> {
    let hits: Vec<&AccountName> = accounts
        .iter()
        .filter(|a| a.alias.as_deref().is_some_and(|alias| tokens(alias).iter().any(|t| t == word)))
        .collect();
    if hits.len() == accounts.len() && accounts.len() > 1 { Vec::new() } else { hits }
}

/// `prompt` with the words that say what to do blanked out: verb phrases ("bring … back
/// up", "enable versioning") and quantities ("a 5 minute"), which name no resource.
fn without_request_words(prompt: &str, said: &[crate::verbs::Said]) -> String {
    let mut text = prompt.to_owned();
    let quantities = crate::quantity::quantities(prompt);
    let spans = said.iter().flat_map(|s| s.spans.iter().copied()).chain(quantities.iter().map(|q| q.span));
    for (start, end) in spans {
        if text.is_char_boundary(start) && text.is_char_boundary(end) {
            text.replace_range(start..end, &" ".repeat(end - start));
        }
    }
    text
}

/// Parses `prompt` against the user's `accounts`.
pub fn parse(prompt: &str, accounts: &[AccountName]) -> ParsedQuery {
    // "tag web-1 with owner=alice": the pair is the tag to add, not a filter.
    let said = crate::verbs::said(prompt);
    let tagging = said.iter().any(|s| s.verb() == Some(crate::Verb::Tag));
    let prompt = &without_request_words(prompt, &said);
    let original: Vec<&str> = prompt.split_whitespace().map(clean).filter(|w| !w.is_empty()).collect();
    let lower: Vec<String> = original.iter().map(|w| w.to_lowercase()).collect();
    let mut used = vec![false; lower.len()];
    let mut q = ParsedQuery::default();
    let mut kind_words = Vec::new();
    let mut instance_word = false;
    let add_accounts = |q: &mut ParsedQuery, hits: Vec<&AccountName>| {
        for a in hits {
            push_unique(&mut q.filters.accounts, a.id.clone());
            if let Some(alias) = &a.alias {
                push_unique(&mut q.filters.account_aliases, alias.clone());
            }
        }
    };

    // Two-word phrases first: "load balancer", "security groups", "n. virginia".
    for i in 0..lower.len().saturating_sub(1) {
        if used[i] || used[i + 1] {
            continue;
        }
        let pair = format!("{} {}", lower[i], lower[i + 1]);
        if let Some(code) = region_word(&pair) {
            push_unique(&mut q.filters.regions, code.parse().expect("region table holds valid codes"));
        } else if let Some(kinds) = kind_word(&pair) {
            kinds.iter().for_each(|k| push_unique(&mut q.filters.kinds, *k));
            kind_words.push(pair);
        } else {
            continue;
        }
        used[i] = true;
        used[i + 1] = true;
    }

    for i in 0..lower.len() {
        if used[i] {
            continue;
        }
        let w = lower[i].as_str();
        let prev = i.checked_sub(1).map(|p| lower[p].as_str());
        let next = lower.get(i + 1).map(String::as_str);
        let account_position =
            matches!(prev, Some("in" | "on" | "from")) || matches!(next, Some("account" | "acct" | "accounts"));
        if w.starts_with("arn:") {
            push_unique(&mut q.arns, original[i].to_owned());
        } else if w.contains('=')
            && let Ok(tag) = original[i].trim_start_matches("tag:").parse::<TagFilter>()
        {
            if !tagging {
                push_unique(&mut q.filters.tags, tag);
            }
        } else if let Ok(id) = w.parse::<AccountId>() {
            let alias = accounts.iter().find(|a| a.id == id).and_then(|a| a.alias.clone());
            push_unique(&mut q.filters.accounts, id);
            if let Some(alias) = alias {
                push_unique(&mut q.filters.account_aliases, alias);
            }
        } else if let Some(region) = region_code(w) {
            push_unique(&mut q.filters.regions, region);
        } else if let Some(hit) =
            accounts.iter().find(|a| a.alias.as_deref().is_some_and(|al| al.eq_ignore_ascii_case(w)))
        {
            add_accounts(&mut q, vec![hit]);
        } else if let Some(code) = region_word(w) {
            push_unique(&mut q.filters.regions, code.parse().expect("region table holds valid codes"));
        } else if let Some(kinds) = kind_word(w) {
            kinds.iter().for_each(|k| push_unique(&mut q.filters.kinds, *k));
            instance_word |= matches!(w, "instance" | "instances");
            kind_words.push(w.to_owned());
        } else if let Some(states) = state_word(w) {
            // "needs to be running again": the state wanted afterwards, not a filter.
            if !matches!(prev, Some("be" | "being" | "get" | "gets" | "become" | "keep" | "stay" | "remain")) {
                states.iter().for_each(|s| push_unique(&mut q.filters.states, ResourceState::new(s)));
            }
        } else if let hits = accounts_for_environment(w, accounts)
            && !hits.is_empty()
        {
            add_accounts(&mut q, hits);
        } else if account_position
            && let hits = accounts_for_alias_word(w, accounts)
            && !hits.is_empty()
        {
            add_accounts(&mut q, hits);
        } else if !is_filler(w) {
            q.terms.push(w.to_owned());
        }
    }
    // "RDS instance", "database instance": the instance is the database's.
    let rds = [ResourceKind::RdsInstance, ResourceKind::RdsCluster];
    if instance_word && q.filters.kinds.iter().any(|k| rds.contains(k)) {
        q.filters.kinds.retain(|k| *k != ResourceKind::Ec2Instance);
    }
    let mut semantic: Vec<String> = q.terms.clone();
    if !semantic.is_empty() {
        semantic.extend(kind_words);
    }
    q.semantic_text = semantic.join(" ");
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Vec<AccountName> {
        [("111111111111", "acme-prod"), ("222222222222", "acme-staging"), ("333333333333", "acme-dev")]
            .iter()
            .map(|(id, alias)| AccountName { id: id.parse().unwrap(), alias: Some((*alias).into()) })
            .collect()
    }

    #[test]
    fn names_survive_and_verbs_do_not() {
        let q = parse("stop pg-instance-main1", &accounts());
        assert_eq!(q.terms, ["pg-instance-main1"]);
        assert!(q.filters.is_empty());
        assert_eq!(q.semantic_text, "pg-instance-main1");
    }

    #[test]
    fn filters_come_from_words_phrases_and_codes() {
        let q = parse("stopped postgres databases in production in oregon tagged app=main AND team=data", &accounts());
        assert_eq!(q.filters.kinds, [ResourceKind::RdsInstance, ResourceKind::RdsCluster]);
        assert_eq!(q.filters.states, [ResourceState::new("stopped")]);
        assert_eq!(q.filters.accounts, ["111111111111".parse::<AccountId>().unwrap()]);
        assert_eq!(q.filters.account_aliases, ["acme-prod"]);
        assert_eq!(q.filters.regions, ["us-west-2".parse::<Region>().unwrap()]);
        assert_eq!(q.filters.tags.len(), 2);
        assert_eq!(q.terms, ["postgres"]);
        assert_eq!(q.semantic_text, "postgres databases");
    }

    #[test]
    fn accounts_by_id_alias_and_position() {
        let q = parse("web servers in 222222222222", &accounts());
        assert_eq!(q.filters.account_aliases, ["acme-staging"]);
        let q = parse("acme-dev buckets", &accounts());
        assert_eq!(q.filters.account_aliases, ["acme-dev"]);
        assert_eq!(q.filters.kinds, [ResourceKind::S3Bucket]);
        let q = parse("the dev account load balancers", &accounts());
        assert_eq!(q.filters.account_aliases, ["acme-dev"]);
        assert_eq!(q.filters.kinds, [ResourceKind::LoadBalancer]);
        // "acme" names every account: it filters nothing and stays a name word.
        let q = parse("acme account", &accounts());
        assert!(q.filters.accounts.is_empty());
        assert_eq!(q.terms, ["acme"]);
    }

    #[test]
    fn region_shaped_names_are_names() {
        let q = parse("pg-main-1 in us-east-1", &accounts());
        assert_eq!(q.terms, ["pg-main-1"]);
        assert_eq!(q.filters.regions, ["us-east-1".parse::<Region>().unwrap()]);
        let q = parse("web in n. virginia", &accounts());
        assert_eq!(q.filters.regions, ["us-east-1".parse::<Region>().unwrap()]);
    }

    #[test]
    fn rds_instance_is_not_an_ec2_instance_and_arns_are_exact() {
        let q = parse("reboot rds instance orders", &accounts());
        assert_eq!(q.filters.kinds, [ResourceKind::RdsInstance, ResourceKind::RdsCluster]);
        let q = parse("describe arn:aws:rds:us-east-1:111111111111:db:pg-main", &accounts());
        assert_eq!(q.arns, ["arn:aws:rds:us-east-1:111111111111:db:pg-main"]);
        assert!(q.terms.is_empty());
    }

    #[test]
    fn a_wanted_state_is_not_a_filter_and_request_words_are_not_names() {
        let q = parse("web-2 needs to be running again, start it", &accounts());
        assert!(q.filters.states.is_empty(), "{:?}", q.filters.states);
        let q = parse("show running instances", &accounts());
        assert_eq!(q.filters.states.len(), 3);
        let q = parse("give invoice-fn a 5 minute timeout", &accounts());
        assert_eq!(q.terms, ["give", "invoice-fn"]);
        let q = parse("tag web-1 with owner=alice", &accounts());
        assert!(q.filters.tags.is_empty(), "the pair is the tag to add");
        let q = parse("bring the reporting db back up", &accounts());
        assert_eq!(q.terms, ["reporting"]);
    }

    #[test]
    fn unknown_environments_stay_words() {
        let q = parse("qa runners", &accounts());
        assert!(q.filters.accounts.is_empty());
        assert_eq!(q.terms, ["qa", "runners"]);
    }
}
