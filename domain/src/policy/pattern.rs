//! IAM wildcard matching: `*` matches any run of characters (also none), `?` exactly one.

/// Matches `text` against an IAM wildcard `pattern`. Case-sensitive; see
/// [`wildcard_match_ignore_case`] where IAM compares case-insensitively (actions).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if !pattern.contains(['*', '?']) {
        return pattern == text;
    }
    match_folding(pattern, text, false)
}

/// [`wildcard_match`] ignoring ASCII case (IAM actions: `ec2:stop*` matches `ec2:StopInstances`).
pub fn wildcard_match_ignore_case(pattern: &str, text: &str) -> bool {
    match_folding(pattern, text, true)
}

/// Sync evaluates every resource against every statement: no allocation for ASCII (ARNs,
/// actions); `?` is one character, so other text is matched by `char`.
fn match_folding(pattern: &str, text: &str, fold_ascii: bool) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        matches(pattern.as_bytes(), text.as_bytes(), b'*', b'?', |a, b| {
            a == b || (fold_ascii && a.eq_ignore_ascii_case(&b))
        })
    } else {
        let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
        matches(&p, &t, '*', '?', |a, b| a == b || (fold_ascii && a.eq_ignore_ascii_case(&b)))
    }
}

/// Iterative matcher with backtracking to the last `*`.
fn matches<T: PartialEq + Copy>(p: &[T], t: &[T], any: T, one: T, same: impl Fn(T, T) -> bool) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == one || same(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == any {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == any)
}

#[cfg(test)]
mod tests {
    use super::wildcard_match as m;

    #[test]
    fn wildcards() {
        assert!(m("*", ""));
        assert!(m("*", "anything"));
        assert!(m("ec2:Stop*", "ec2:StopInstances"));
        assert!(!m("ec2:Stop*", "ec2:StartInstances"));
        assert!(m("ec2:*Instances", "ec2:StopInstances"));
        assert!(m("rds:*DB*", "rds:StopDBInstance"));
        assert!(m("s3:Get?bject", "s3:GetObject"));
        assert!(!m("s3:Get?bject", "s3:GetObjet"));
        assert!(m("arn:aws:s3:::logs-*/*", "arn:aws:s3:::logs-prod/a/b"));
        assert!(!m("abc", "abcd"));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(!m("a*b*c", "aXXbYY"));
        assert!(m("arn:aws:s3:::données-?/*", "arn:aws:s3:::données-é/x"), "`?` is one character");
        assert!(!m("arn:aws:s3:::données-?", "arn:aws:s3:::données-éé"));
        assert!(m("ec2:StopInstances", "ec2:StopInstances") && !m("ec2:StopInstances", "ec2:Stop"));
    }

    #[test]
    fn actions_ignore_case() {
        use super::wildcard_match_ignore_case as ci;
        assert!(ci("EC2:stop*", "ec2:StopInstances"));
        assert!(ci("ec2:StopInstances", "EC2:STOPINSTANCES"));
        assert!(!ci("ec2:Stop*", "ec2:StartInstances"));
        assert!(ci("s3:GetÖbject", "S3:getÖbject"), "ASCII letters fold around others");
        assert!(!ci("s3:GetÖbject", "s3:getöbject"), "only ASCII case folds, as before");
    }
}
