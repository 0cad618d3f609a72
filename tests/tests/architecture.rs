//! ARCHITECTURE.md's dependency rules as a test, like the domain's purity test: it reads the
//! crates' manifests and sources, so it fails the moment a use case reaches for an adapter, a
//! front end builds adapters itself, or a CLI command borrows another command's code.
//!
//! - `ports` depends on no crate under `adapters/`; `app` on none but `cloudops-crypto`, the
//!   one explicit exception: a pure sealing library (no IO, checked here) that the use cases
//!   need for the status file, plan files and backups.
//! - Adapters do not depend on `app`.
//! - Every crate under `apps/` depends on `cloudops-app` for its use cases; the CLI and the
//!   desktop app depend on no adapter crate (they get the client from `cloudops-wiring`).
//! - The desktop app's UI thread never blocks on IO.
//! - `app/` never prints or reads stdin (questions to the user are values).
//! - CLI command modules do not import one another, and each stays small (presentation only).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The crates under adapters/, by package name.
const ADAPTERS: &[&str] = &[
    "cloudops-audit",
    "cloudops-aws",
    "cloudops-crypto",
    "cloudops-embeddings",
    "cloudops-fakes",
    "cloudops-http",
    "cloudops-keychain",
    "cloudops-llm",
    "cloudops-playbooks",
    "cloudops-qdrant",
    "cloudops-redis",
];

/// Adapters `app` may use, each with why.
const APP_EXCEPTIONS: &[(&str, &str)] =
    &[("cloudops-crypto", "pure AES-GCM sealing (no IO) for the status file, plan files and backups")];

fn root() -> PathBuf {
    let dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    dir.join("..")
}

/// The names in a manifest's `[dependencies]` (not dev-dependencies: tests may use anything).
fn dependencies(manifest: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(manifest).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
    let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
    table.get("dependencies").and_then(|d| d.as_table()).map(|d| d.keys().cloned().collect()).unwrap_or_default()
}

fn crates_under(dir: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path().join("Cargo.toml")))
        .filter(|p| p.exists())
        .collect();
    out.sort();
    out
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_owned()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Source lines that are code (not comments).
fn code_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn ports_and_app_depend_on_no_adapter_but_the_explicit_exception() {
    let ports = dependencies(&root().join("ports/Cargo.toml"));
    let bad: Vec<_> = ports.iter().filter(|d| ADAPTERS.contains(&d.as_str())).collect();
    assert!(bad.is_empty(), "ports depends on adapters {bad:?}");
    let app = dependencies(&root().join("app/Cargo.toml"));
    let allowed: Vec<&str> = APP_EXCEPTIONS.iter().map(|(name, _)| *name).collect();
    let bad: Vec<_> = app.iter().filter(|d| ADAPTERS.contains(&d.as_str()) && !allowed.contains(&d.as_str())).collect();
    assert!(bad.is_empty(), "app depends on adapters {bad:?}: put what it needs behind a port");
    assert!(app.contains("cloudops-ports") && app.contains("cloudops-domain"), "the walk read app's manifest");
}

#[test]
fn the_crypto_exception_stays_pure() {
    let deps = dependencies(&root().join("adapters/crypto/Cargo.toml"));
    let io = ["tokio", "reqwest", "hyper", "aws-config", "keyring", "qdrant-edge", "cloudops-ports"];
    let bad: Vec<_> = deps.iter().filter(|d| io.contains(&d.as_str())).collect();
    assert!(bad.is_empty(), "cloudops-crypto must stay a pure library to be app's exception: {bad:?}");
    for file in rust_files(&root().join("adapters/crypto/src")) {
        for line in code_lines(&file) {
            for needle in ["std::fs", "std::net", "std::process", "std::env", "tokio"] {
                assert!(!line.contains(needle), "{} does IO ({needle}): {line}", file.display());
            }
        }
    }
}

#[test]
fn adapters_do_not_depend_on_the_use_cases() {
    for manifest in crates_under("adapters") {
        let deps = dependencies(&manifest);
        assert!(!deps.contains("cloudops-app"), "{} depends on cloudops-app", manifest.display());
    }
}

#[test]
fn apps_use_the_client_and_front_ends_build_no_adapters() {
    let apps = crates_under("apps");
    assert!(apps.len() >= 4, "cli, desktop, server, wiring: {apps:?}");
    for manifest in &apps {
        let deps = dependencies(manifest);
        let name = manifest.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
        assert!(deps.contains("cloudops-app"), "{name} must call cloudops-app for its use cases");
        if name == "cli" || name == "desktop" {
            let bad: Vec<_> = deps.iter().filter(|d| ADAPTERS.contains(&d.as_str())).collect();
            assert!(bad.is_empty(), "{name} builds adapters {bad:?}: get the client from cloudops-wiring");
        }
    }
}

#[test]
fn the_use_cases_never_print_or_read_stdin() {
    let files = rust_files(&root().join("app/src"));
    assert!(files.len() > 10);
    for file in files {
        for line in code_lines(&file) {
            for needle in ["println!", "eprintln!", "print!(", "eprint!(", "stdin()", "dbg!("] {
                assert!(!line.contains(needle), "{} talks to the terminal ({needle}): {line}", file.display());
            }
        }
    }
}

/// The desktop app never waits for IO on its UI thread: every client call is a task on its
/// runtime (`tasks.rs`), so a slow AWS, server or store never freezes the window. Only
/// `tasks.rs` may block (shutdown), only `probe.rs` reads /proc.
#[test]
fn the_desktop_ui_thread_never_blocks_on_io() {
    let files = rust_files(&root().join("apps/desktop/src"));
    assert!(files.len() >= 10, "{files:?}");
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if name == "tasks.rs" || name == "probe.rs" {
            continue;
        }
        for line in code_lines(&file) {
            for needle in ["block_on(", "blocking", "std::fs", "std::thread::sleep", "Runtime::new", "std::net"] {
                assert!(!line.contains(needle), "{} blocks the UI thread ({needle}): {line}", file.display());
            }
        }
    }
}

#[test]
fn cli_commands_are_small_and_import_no_other_command() {
    let dir = root().join("apps/cli/src/commands");
    let files = rust_files(&dir);
    assert!(files.len() >= 8, "{files:?}");
    for file in files {
        let lines = code_lines(&file);
        assert!(
            lines.len() < 200,
            "{} has {} lines: move logic to the client, text to render/",
            file.display(),
            lines.len()
        );
        for line in
            lines.iter().filter(|l| l.starts_with("use ") || l.contains("crate::commands") || l.contains("super::"))
        {
            let borrows = line.contains("crate::commands") || line.contains("super::");
            assert!(!borrows, "{} imports another command: {line}", file.display());
        }
    }
}

/// Agent tools plan, they never run: the MCP server calls no execution method of the client,
/// and never prints (stdout is the protocol's).
#[test]
fn the_mcp_server_never_executes_or_prints() {
    let files = rust_files(&root().join("apps/cli/src/mcp"));
    assert!(files.len() >= 3, "{files:?}");
    for file in files {
        for line in code_lines(&file) {
            for needle in [".run(", ".approve(", ".open_saved(", ".execute(", "println!", "print!("] {
                assert!(!line.contains(needle), "{} must not `{needle}`: {line}", file.display());
            }
        }
    }
}
