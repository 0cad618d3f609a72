//! What went wrong, as the UI shows it: one line that says what to do, and the cause a UI
//! branches on (an empty store shows the first-run guide, a busy store says who holds it).

use cloudops_app::ClientError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Nothing synced yet: the first-run guide.
    EmptyStore,
    /// Another process holds the store.
    StoreBusy,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub cause: Cause,
    pub text: String,
}

impl Problem {
    pub fn other(text: impl Into<String>) -> Self {
        Self { cause: Cause::Other, text: one_line(&text.into()) }
    }
}

/// The first line of a message, at most 300 characters (a message box is not a log).
fn one_line(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    if line.chars().count() > 300 {
        format!("{}…", line.chars().take(299).collect::<String>())
    } else {
        line.to_owned()
    }
}

impl From<ClientError> for Problem {
    fn from(e: ClientError) -> Self {
        let cause = match &e {
            ClientError::EmptyStore(_) => Cause::EmptyStore,
            ClientError::StoreBusy { .. } => Cause::StoreBusy,
            _ => Cause::Other,
        };
        Self { cause, text: one_line(&e.to_string()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_is_one_bounded_line_and_keeps_its_cause() {
        let p = Problem::from(ClientError::EmptyStore("/tmp/store".into()));
        assert_eq!(p.cause, Cause::EmptyStore);
        assert!(!p.text.contains('\n') && p.text.contains("sync"), "{}", p.text);
        let long = Problem::other(format!("\n\nfirst {}\nsecond", "x".repeat(500)));
        assert!(long.text.starts_with("first ") && long.text.chars().count() == 300, "{}", long.text);
    }
}
