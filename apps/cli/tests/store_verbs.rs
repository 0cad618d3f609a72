//! `cloudops backup`, `restore` and `key rotate` on the real binary, with the opt-in key file
//! (tests must not write to the developer's keychain; the keychain adapter has its own test).

mod common;

use std::path::Path;
use std::process::Output;

use common::{json, text};

fn cloudops(args: &[&str], home: &Path) -> Output {
    common::cloudops_with_key_file(home).args(args).output().expect("run cloudops")
}

#[test]
fn backup_rotate_restore_round_trip_with_the_key_file() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data/cloudops");

    let out = cloudops(&["backup", "--json"], home.path());
    assert!(text(&out.stderr).contains("0600 file"), "the key file is announced: {}", text(&out.stderr));
    let report = json(&out);
    let name = report["name"].as_str().unwrap();
    assert!(name.starts_with("store-") && name.ends_with(".cobk"), "{report}");
    assert!(report["pushed_to"].is_null(), "no bucket configured");
    assert!(data.join("backups").join(name).exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(data.join("keys/store-data-keys.secret")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let again = cloudops(&["backup", "--no-push", "--json"], home.path());
    assert!(!text(&again.stderr).contains("0600 file"), "said once, when the key is created: {}", text(&again.stderr));
    json(&again);

    let rotated = json(&cloudops(&["key", "rotate", "--json"], home.path()));
    assert_eq!(rotated["key_version"], 2, "{rotated}");

    // The backup was sealed with key v1, which the rotation retired: restore refuses it
    // clearly and leaves the store as it was.
    let out = cloudops(&["restore", "--json"], home.path());
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("v1") && err.contains("data key"), "{err}");
    assert!(data.join("store/aws_estate").exists());

    // A fresh backup under the new key restores.
    json(&cloudops(&["backup", "--no-push", "--json"], home.path()));
    let restored = json(&cloudops(&["restore", "--json"], home.path()));
    assert!(restored["files"].as_u64().unwrap() > 0, "{restored}");

    let junk = home.path().join("junk.cobk");
    std::fs::write(&junk, "hello").unwrap();
    let out = cloudops(&["restore", junk.to_str().unwrap()], home.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not a cloudops backup"), "{}", text(&out.stderr));
}

#[test]
fn restore_without_any_backup_says_what_to_pass() {
    let home = tempfile::tempdir().unwrap();
    json(&cloudops(&["key", "rotate", "--json"], home.path()));
    let out = cloudops(&["restore"], home.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--from-s3"), "{}", text(&out.stderr));
}

#[test]
fn a_bad_key_storage_value_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    let out = cloudops(&["--key-storage", "disk", "backup"], home.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("use `keychain` or `file`"), "{}", text(&out.stderr));
}
