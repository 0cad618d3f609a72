//! The playbook repository as the server serves it: a Git work tree on disk
//! (`DirPlaybookSource`), indexed in embedded Qdrant (`EdgePlaybookStore`) by the library that
//! reloads it. Versions are commit ids; an edit is picked up; a bad edit is refused with the
//! file and field named while the last good catalog stays in service.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use cloudops_app::playbooks::PlaybookLibrary;
use cloudops_fakes::HashEmbedder;
use cloudops_playbooks::DirPlaybookSource;
use cloudops_ports::{Embedder, PlaybookStore};
use cloudops_qdrant::EdgePlaybookStore;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn copy_playbook(to: &Path, id: &str) {
    let from = cloudops_e2e::workspace_root().join("playbooks").join(format!("{id}.yaml"));
    std::fs::copy(from, to.join(format!("{id}.yaml"))).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn versions_reloads_and_refuses_bad_edits() {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    git(dir, &["init", "-q"]);
    copy_playbook(dir, "rds-stop-instance");
    copy_playbook(dir, "rds-start-instance");
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "two playbooks"]);
    let commit = git(dir, &["rev-parse", "HEAD"]);

    let counting = Arc::new(HashEmbedder::default());
    let embedder: Arc<dyn Embedder> = counting.clone();
    let store = Arc::new(EdgePlaybookStore::new(embedder.dimension()));
    let vectors = tempfile::tempdir().unwrap();
    let vector_file = vectors.path().join("playbook-vectors.json");
    let library = PlaybookLibrary::new(Arc::new(DirPlaybookSource::new(dir)), store.clone(), embedder.clone())
        .with_vector_file(vector_file.clone());
    assert!(library.refresh().await.unwrap());
    assert!(!library.refresh().await.unwrap(), "nothing changed: no reload");
    let catalog = store.catalog();
    assert_eq!(catalog.version, commit);
    assert_eq!(catalog.playbooks.len(), 2);
    let vector = embedder.embed(&["stop pg-main".to_owned()]).await.unwrap().remove(0);
    assert_eq!(counting.embedded(), catalog.texts().len() + 1, "each text embedded once");
    let hits = store.search(&vector, &[cloudops_domain::ResourceKind::RdsInstance], 8).await.unwrap();
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert!(store.search(&vector, &[cloudops_domain::ResourceKind::S3Bucket], 8).await.unwrap().is_empty());

    // A new, uncommitted playbook: served at once, its version marked dirty; only its texts
    // are embedded.
    let before = counting.embedded();
    copy_playbook(dir, "s3-enable-versioning");
    assert!(library.refresh().await.unwrap());
    let dirty = store.catalog();
    let added = dirty.get("s3-enable-versioning").unwrap();
    assert_eq!(counting.embedded() - before, added.utterances.len() + 1);
    assert_eq!(dirty.playbooks.len(), 3);
    assert!(dirty.version.starts_with(&format!("{commit}-dirty-")), "{}", dirty.version);

    // A bad edit: refused with the file and the field; the last good catalog stays.
    let bad = dir.join("rds-start-instance.yaml");
    let text = std::fs::read_to_string(&bad).unwrap();
    std::fs::write(&bad, text.replace("verb: start", "verb: launch")).unwrap();
    let err = library.refresh().await.unwrap_err().to_string();
    assert!(err.contains("rds-start-instance.yaml") && err.contains("verb"), "{err}");
    assert_eq!(store.catalog().version, dirty.version);
    std::fs::write(&bad, text.replace("id: rds-start-instance", "id: rds-start")).unwrap();
    let err = library.refresh().await.unwrap_err().to_string();
    assert!(err.contains("must equal the file name"), "{err}");

    // Fixed and committed: a clean commit id again.
    std::fs::write(&bad, &text).unwrap();
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "versioning"]);
    assert!(library.refresh().await.unwrap());
    assert_eq!(store.catalog().version, git(dir, &["rev-parse", "HEAD"]));

    // Another process (the next CLI call) finds the vectors in the file and embeds nothing.
    let fresh = Arc::new(HashEmbedder::default());
    let again = PlaybookLibrary::new(
        Arc::new(DirPlaybookSource::new(dir)),
        Arc::new(EdgePlaybookStore::new(fresh.dimension())),
        fresh.clone(),
    )
    .with_vector_file(vector_file);
    assert!(again.refresh().await.unwrap());
    assert_eq!(fresh.embedded(), 0, "every text came from the vector file");
}
