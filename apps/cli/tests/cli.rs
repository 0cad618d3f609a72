//! The real `cloudops` binary: usage errors, help, and `doctor` against the emulator with an
//! AWS config passed the way users pass it (AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE).

mod common;

use std::path::Path;
use std::process::Output;

use cloudops_e2e::{AwsConfigPaths, Emulator};
use common::text;

fn cloudops(args: &[&str], aws: Option<&AwsConfigPaths>, home: &Path) -> Output {
    let mut cmd = common::cloudops_in(home);
    cmd.args(args);
    if let Some(aws) = aws {
        cmd.env("AWS_CONFIG_FILE", &aws.config).env("AWS_SHARED_CREDENTIALS_FILE", &aws.credentials);
    }
    cmd.output().expect("run cloudops")
}

#[test]
fn help_lists_the_global_flags_and_verbs() {
    let home = tempfile::tempdir().unwrap();
    let out = cloudops(&["--help"], None, home.path());
    assert!(out.status.success());
    let help = text(&out.stdout);
    for needle in ["--data-dir", "CLOUDOPS_DATA_DIR", "--config", "CLOUDOPS_CONFIG", "doctor"] {
        assert!(help.contains(needle), "help lacks {needle}:\n{help}");
    }
}

#[test]
fn unknown_input_is_a_usage_error_with_exit_code_2() {
    let home = tempfile::tempdir().unwrap();
    for args in [&["dance"][..], &["doctor", "--jsn"][..], &[][..]] {
        let out = cloudops(args, None, home.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains("Usage: cloudops"), "{args:?}: {}", text(&out.stderr));
    }
}

#[test]
fn doctor_reports_every_profile_as_json_and_fails_on_a_broken_one() {
    let emulator = Emulator::shared();
    let home = tempfile::tempdir().unwrap();
    let prod = emulator.fresh_account();
    let aws_dir = home.path().join("aws");
    std::fs::create_dir(&aws_dir).unwrap();
    let aws = emulator.write_aws_config(&aws_dir, &[("prod", &prod)]);
    let data = home.path().join("my-data");
    let data = data.to_str().unwrap();

    let out = cloudops(&["--data-dir", data, "doctor", "--json"], Some(&aws), home.path());
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["data_dir"]["path"], data);
    assert!(report["config_file"]["path"].as_str().unwrap().ends_with("config/cloudops/config.toml"));
    let profiles = report["profiles"].as_array().unwrap();
    let row = profiles.iter().find(|p| p["profile"] == "prod").unwrap();
    assert_eq!(row["account_id"], prod.as_str());
    assert!(row["error"].is_null());

    // A cloudops config naming a profile the AWS config lacks: reported, exit 1.
    let config = home.path().join("cloudops.toml");
    std::fs::write(&config, "[aws]\nprofiles = [\"prod\", \"missing\"]\n").unwrap();
    let out = cloudops(&["--config", config.to_str().unwrap(), "doctor"], Some(&aws), home.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains(prod.as_str()), "{stdout}");
    assert!(stdout.contains("missing") && stdout.contains("was not found"), "{stdout}");
}

#[test]
fn an_invalid_config_file_is_reported_by_doctor() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("bad.toml");
    std::fs::write(&config, "[aws]\nregions = [\"mars-1\"]\n").unwrap();
    let out = cloudops(&["--config", config.to_str().unwrap(), "doctor", "--json"], None, home.path());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let status = report["config_file"]["status"].as_str().unwrap();
    assert!(status.contains("bad.toml") && status.contains("region"), "{status}");
    assert_eq!(report["config_file"]["ok"], false);
    assert_eq!(out.status.code(), Some(1), "a bad config is not healthy");
}

#[test]
fn server_set_writes_the_config_and_show_never_prints_the_token() {
    let home = tempfile::tempdir().unwrap();
    let set = cloudops(
        &["server", "set", "--url", "https://plan.example:8443", "--token", "s3cr3t-token"],
        None,
        home.path(),
    );
    assert!(set.status.success(), "{}", common::text(&set.stderr));
    let config = home.path().join("config/cloudops/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("url = \"https://plan.example:8443\""), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&config).unwrap().permissions().mode() & 0o777, 0o600, "it holds the token");
    }
    let shown = cloudops(&["server", "show", "--json"], None, home.path());
    let out = common::text(&shown.stdout);
    assert!(!out.contains("s3cr3t-token"), "{out}");
    let shown: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((shown["url"].as_str(), shown["token_set"].as_bool()), (Some("https://plan.example:8443"), Some(true)));
    let bad = cloudops(&["server", "set", "--url", "plan.example"], None, home.path());
    assert_eq!(bad.status.code(), Some(1));
    assert!(common::text(&bad.stderr).contains("http://"), "{}", common::text(&bad.stderr));
    // Empty clears it: plans are made in-process again.
    assert!(cloudops(&["server", "set", "--url", ""], None, home.path()).status.success());
    let shown: serde_json::Value =
        serde_json::from_slice(&cloudops(&["server", "show", "--json"], None, home.path()).stdout).unwrap();
    assert!(shown["url"].is_null(), "{shown}");
}

#[test]
fn history_and_audit_verify_on_a_fresh_machine_are_empty_and_create_nothing() {
    let home = tempfile::tempdir().unwrap();
    let history = common::cloudops_with_key_file(home.path()).args(["history", "--json"]).output().unwrap();
    assert!(history.status.success(), "{}", text(&history.stderr));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&history.stdout).unwrap(), serde_json::json!([]));
    let verify = common::cloudops_with_key_file(home.path()).args(["audit", "verify"]).output().unwrap();
    assert!(verify.status.success());
    assert!(text(&verify.stdout).contains("intact: 0 entries"), "{}", text(&verify.stdout));
    assert!(!home.path().join("data/cloudops/keys").exists(), "no key was created to read nothing");
}
