//! The playbook version: the Git commit of the repository holding the directory.

use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The commit checked out, if the directory is in a Git work tree.
pub fn head(dir: &Path) -> Option<String> {
    git(dir, &["rev-parse", "HEAD"]).filter(|h| !h.is_empty())
}

/// The commit id; with `-dirty-<content>` when the directory has uncommitted changes (so two
/// different edits never share a version); `unversioned-<content>` outside Git.
pub fn version(dir: &Path, content: &str) -> String {
    match head(dir) {
        Some(commit) => {
            let dirty = git(dir, &["status", "--porcelain", "--", "."]).is_some_and(|s| !s.is_empty());
            if dirty { format!("{commit}-dirty-{content}") } else { commit }
        }
        None => {
            tracing::warn!(dir = %dir.display(), "the playbook directory is not in a Git repository: versioned by content");
            format!("unversioned-{content}")
        }
    }
}
