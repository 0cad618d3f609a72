//! IAM wildcard matching: `*` matches any run of characters (also none), `?` exactly one.

/// Matches `text` against an IAM wildcard `pattern`. Case-sensitive: fold both sides first
/// where IAM compares case-insensitively (actions).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Iterative matcher with backtracking to the last `*`.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
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
    p[pi..].iter().all(|&c| c == '*')
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
    }
}
