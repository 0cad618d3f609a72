//! Name similarity: exact, token, prefix and typo-tolerant matching of what the user typed
//! against a resource's name or identifier. Scores are in `0.0..=1.0`; 1.0 is an exact match.

/// Lower-case alphanumeric runs, camelCase split: `"pg-instance-main1"` → `["pg", "instance",
/// "main1"]`, `"OrdersAPIHandler"` → `["orders", "api", "handler"]`.
pub fn tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for run in s.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()) {
        let chars: Vec<char> = run.chars().collect();
        let mut start = 0;
        for i in 1..chars.len() {
            let (prev, c) = (chars[i - 1], chars[i]);
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            // "ordersApi" splits before 'A'; "APIHandler" before 'H'.
            if c.is_uppercase() && (prev.is_lowercase() || (prev.is_uppercase() && next_lower)) {
                out.push(chars[start..i].iter().collect::<String>().to_lowercase());
                start = i;
            }
        }
        out.push(chars[start..].iter().collect::<String>().to_lowercase());
    }
    out
}

/// Abbreviations people use for the words in names, both ways ("db" / "database").
const SYNONYMS: &[&[&str]] = &[
    &["db", "database", "databases", "dbs"],
    &["prod", "production", "prd"],
    &["stg", "stage", "staging"],
    &["dev", "development"],
    &["pg", "postgres", "postgresql"],
    &["cfg", "config", "configuration"],
    &["svc", "service"],
    &["app", "application"],
    &["env", "environment"],
    &["img", "image", "images"],
    &["msg", "message", "messages"],
    &["auth", "authentication"],
    &["k8s", "kubernetes"],
    &["fn", "func", "function"],
    &["lb", "loadbalancer"],
    &["sbx", "sandbox"],
    &["repl", "replica"],
];

/// The other spellings of token `t` (abbreviations, singular and plural), not `t` itself.
pub fn variants(t: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for group in SYNONYMS.iter().filter(|g| g.contains(&t)) {
        out.extend(group.iter().filter(|w| **w != t).map(|w| (*w).to_owned()));
    }
    let singular = singular(t);
    if singular != t {
        out.push(singular.into_owned());
    } else if t.len() >= 3 && t.chars().all(char::is_alphabetic) {
        out.push(format!("{t}s"));
        if let Some(stem) = t.strip_suffix('y') {
            out.push(format!("{stem}ies"));
        } else if t.ends_with('x') || t.ends_with("ch") || t.ends_with("sh") {
            out.push(format!("{t}es"));
        }
    }
    out
}

/// The singular of an English plural token, the token itself otherwise ("brokers" → "broker",
/// "policies" → "policy", "boxes" → "box"; "class" and "us" stay).
pub fn singular(t: &str) -> std::borrow::Cow<'_, str> {
    if t.len() < 4 || !t.chars().all(char::is_alphabetic) || t.ends_with("ss") || t.ends_with("us") {
        return t.into();
    }
    if let Some(stem) = t.strip_suffix("ies") {
        return format!("{stem}y").into();
    }
    if let Some(stem) = t.strip_suffix("es")
        && (stem.ends_with('x') || stem.ends_with("ch") || stem.ends_with("sh"))
    {
        return stem.into();
    }
    t.strip_suffix('s').map_or(t.into(), Into::into)
}

/// Whether two tokens are the same word in another form (plural, abbreviation).
fn same_word(q: &str, c: &str) -> bool {
    singular(q) == singular(c) || SYNONYMS.iter().any(|g| g.contains(&q) && g.contains(&c))
}

/// Edits allowed for a typo in a token of `len` characters (none below 4: too many collide).
fn allowed_typos(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps), or `None`
/// once it exceeds `max` (cheap rejection for the typo scan).
pub fn typo_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    if a.is_ascii() && b.is_ascii() {
        // Names are almost always ASCII: compare bytes, no allocation.
        return distance_within(a.as_bytes(), b.as_bytes(), max);
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    distance_within(&a, &b, max)
}

/// Rows of up to this many cells live on the stack.
const STACK_ROW: usize = 64;

fn distance_within<T: PartialEq>(a: &[T], b: &[T], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    let mut stack = [[0usize; STACK_ROW]; 3];
    let mut heap: Vec<usize>;
    let [mut prev2, mut prev, mut cur]: [&mut [usize]; 3] = if width <= STACK_ROW {
        let [x, y, z] = &mut stack;
        [&mut x[..width], &mut y[..width], &mut z[..width]]
    } else {
        heap = vec![0; 3 * width];
        let (x, rest) = heap.split_at_mut(width);
        let (y, z) = rest.split_at_mut(width);
        [x, y, z]
    };
    for (j, cell) in prev.iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

/// Characters in `s` (its length, for ASCII).
fn char_len(s: &str) -> usize {
    if s.is_ascii() { s.len() } else { s.chars().count() }
}

/// The first `n` characters of `s`.
fn char_prefix(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(at, _)| &s[..at])
}

/// How well the query token `q` matches the name token `c`: equal 1.0; the same word in
/// another form (plural, abbreviation: "brokers"/"broker", "db"/"database") 0.95; `c` starts with `q`
/// ("main" → "main1") 0.75–1.0 by how much of `c` is covered; a typo 0.85 (one edit) or
/// 0.75 (two); a typo in a prefix 0.7; otherwise 0.
pub fn token_similarity(q: &str, c: &str) -> f32 {
    if q == c {
        return 1.0;
    }
    if same_word(q, c) {
        return 0.95;
    }
    let (ql, cl) = (char_len(q), char_len(c));
    if ql >= 2 && c.starts_with(q) {
        return 0.75 + 0.25 * ql as f32 / cl as f32;
    }
    let max = allowed_typos(ql);
    if max == 0 || q.chars().all(|ch| ch.is_ascii_digit()) {
        return 0.0;
    }
    if let Some(d) = typo_distance(q, c, max) {
        return if d <= 1 { 0.85 } else { 0.75 };
    }
    if cl > ql && typo_distance(q, char_prefix(c, ql), 1).is_some() {
        return 0.7;
    }
    0.0
}

/// A query prepared once for scoring many names.
#[derive(Debug, Clone)]
pub struct NameQuery {
    /// The typed words, lower case (each may itself be a whole name).
    pub words: Vec<String>,
    /// Their tokens, flattened.
    pub tokens: Vec<String>,
    /// The tokens joined with `-`, compared with whole names for typos across tokens.
    pub joined: String,
}

impl NameQuery {
    pub fn new(words: &[String]) -> Self {
        let words: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
        let tokens: Vec<String> = words.iter().flat_map(|w| tokens(w)).collect();
        let joined = tokens.join("-");
        Self { words, tokens, joined }
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Similarity of this query to one name (lower case) and its tokens.
    ///
    /// Token score: the mean over query tokens of their best match among the name's tokens,
    /// scaled down (at most 30 %) by how many name tokens nothing matched, so "pg-main"
    /// prefers "pg-instance-main1" to "pg-instance-main1-replica". Whole-name score: a
    /// near-miss of the entire name ("pg-instnce-main1"). The better of the two wins; an
    /// exact match of a typed word is 1.0.
    pub fn score(&self, name: &str, name_tokens: &[String]) -> f32 {
        if self.tokens.is_empty() || name_tokens.is_empty() {
            return 0.0;
        }
        if self.words.iter().any(|w| w == name) || self.joined == name {
            return 1.0;
        }
        let mut matched = vec![false; name_tokens.len()];
        let mut total = 0.0;
        for q in &self.tokens {
            let mut best = 0.0f32;
            let mut at = None;
            for (i, c) in name_tokens.iter().enumerate() {
                let s = token_similarity(q, c);
                if s > best {
                    best = s;
                    at = Some(i);
                }
            }
            if let Some(i) = at {
                matched[i] = true;
            }
            total += best;
        }
        let coverage = total / self.tokens.len() as f32;
        let precision = matched.iter().filter(|m| **m).count() as f32 / name_tokens.len() as f32;
        let token_score = coverage * (0.7 + 0.3 * precision);
        let whole = self.whole_name_score(name);
        // Never 1.0 without an exact match: exact matches rank in a class of their own.
        token_score.max(whole).min(0.99)
    }

    fn whole_name_score(&self, name: &str) -> f32 {
        let len = self.joined.chars().count().max(name.chars().count());
        if len < 6 {
            return 0.0;
        }
        let max = (len / 8).clamp(1, 3);
        match typo_distance(&self.joined, name, max) {
            Some(d) => 0.95 * (1.0 - d as f32 / len as f32),
            None => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(query: &str, name: &str) -> f32 {
        let q = NameQuery::new(&query.split_whitespace().map(str::to_owned).collect::<Vec<_>>());
        q.score(name, &tokens(name))
    }

    #[test]
    fn typo_distance_counts_swaps_as_one_edit() {
        assert_eq!(typo_distance("instance", "instnace", 2), Some(1));
        assert_eq!(typo_distance("instance", "instnce", 2), Some(1));
        assert_eq!(typo_distance("abc", "xyz", 1), None);
        assert_eq!(typo_distance("", "", 0), Some(0));
        assert_eq!(typo_distance("café", "cafe", 1), Some(1));
        assert_eq!(typo_distance("instancé", "instnacé", 2), Some(1));
        let long = "a".repeat(100);
        assert_eq!(typo_distance(&long, &format!("{long}bc"), 2), Some(2), "rows longer than the stack buffer");
        assert_eq!(char_prefix("naïve-db", 3), "naï");
        assert_eq!(char_prefix("db", 5), "db");
    }

    #[test]
    fn tokens_prefixes_and_typos_score_in_that_order() {
        assert_eq!(token_similarity("main", "main"), 1.0);
        assert!(token_similarity("main", "main1") > token_similarity("instnce", "instance"));
        assert!(token_similarity("instnce", "instance") > 0.8);
        assert_eq!(token_similarity("pg", "pq"), 0.0, "short tokens need exact or prefix matches");
        assert_eq!(token_similarity("03", "04"), 0.0, "numbers are never typos of each other");
    }

    #[test]
    fn names_match_by_their_words_in_any_form() {
        assert_eq!(tokens("OrdersAPIHandler"), ["orders", "api", "handler"]);
        assert_eq!(tokens("batch_worker_07"), ["batch", "worker", "07"]);
        assert_eq!(tokens("pg-instance-main1"), ["pg", "instance", "main1"]);
        assert_eq!(singular("brokers"), "broker");
        assert_eq!(singular("policies"), "policy");
        assert_eq!(singular("class"), "class");
        // Plural/singular, word order, separators, camelCase, abbreviations.
        for (query, name) in [
            ("invoice archive", "acme-invoices-archive"),
            ("archive invoices", "acme-invoices-archive"),
            ("orders api handler", "OrdersApiHandler"),
            ("batch worker 07", "batch_worker_07"),
            ("orders database", "orders-db"),
            ("kafka brokers", "kafka-broker"),
            ("payments production", "payments-prod"),
        ] {
            let s = score(query, name);
            assert!(s > 0.85, "{query} / {name}: {s}");
        }
        assert!(score("invoice archive", "acme-invoices-archive") > score("invoice archive", "acme-invoices-raw"));
    }

    #[test]
    fn pg_main_finds_the_primary_before_its_replica() {
        let primary = score("pg-main", "pg-instance-main1");
        let replica = score("pg-main", "pg-instance-main1-replica");
        assert!(primary > 0.8, "{primary}");
        assert!(primary - replica > 0.03, "{primary} vs {replica}");
        assert!(score("pg-main", "orders-api-prod-01") < 0.3);
    }

    #[test]
    fn exact_words_score_one_and_near_misses_less() {
        assert_eq!(score("stop pg-instance-main1", "pg-instance-main1"), 1.0);
        let typo = score("pg-instnce-main1", "pg-instance-main1");
        assert!(typo > 0.85 && typo < 1.0, "{typo}");
        assert!(score("pginstancemain1", "pg-instance-main1") > 0.8);
    }
}
