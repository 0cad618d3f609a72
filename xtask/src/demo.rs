//! `cargo xtask demo`: the main job, end to end against an emulator the demo starts itself.
//! Grows with each issue; it shows only what really works.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use crate::emulator::{Session, root, seed};

const ACCOUNTS: [(&str, &str); 2] = [("staging", "111122223333"), ("production", "444455556666")];

pub fn run() -> anyhow::Result<()> {
    let work = tempfile::Builder::new().prefix("cloudops-demo-").tempdir().context("cannot create a temp dir")?;
    crate::emulator::setup("moto")?;
    crate::models::setup()?;
    let bin = crate::cargo::workspace_binary("cloudops")?;
    let emulator = Session::private(&work.path().join("emulator"))?;
    emulator.stop_on_ctrl_c()?;

    step("1. Seed the emulator with a small two-account estate");
    seed(&emulator.url, "small", Some(&work.path().join("manifest.json")))?;

    step("2. An AWS config as a user with two accounts writes it (source_profile + role_arn + endpoint_url)");
    let aws_dir = work.path().join("aws");
    std::fs::create_dir_all(&aws_dir)?;
    write_aws_config(&aws_dir, &emulator.url)?;
    println!("{}", std::fs::read_to_string(aws_dir.join("config"))?);
    println!("# cloudops config:\n{}", std::fs::read_to_string(aws_dir.join("cloudops.toml"))?);

    step("3. `cloudops doctor`: each profile reaches its own account, named by its IAM alias");
    let data_dir = work.path().join("data");
    let cloudops = |args: &[&str]| cloudops(&bin, &aws_dir, &data_dir, args);
    cloudops(&["doctor"])?;
    step("   … and as JSON for scripts (`cloudops doctor --json`)");
    cloudops(&["doctor", "--json"])?;

    step("4. `cloudops sync`: every account x region x service into the local encrypted store");
    cloudops(&["sync"])?;
    step("5. `cloudops status`: what each (account, region, service) last synced");
    cloudops(&["status"])?;
    step("6. `cloudops search`: names, typos, filters in words — resolved on this machine only");
    cloudops(&["search", "pg-main"])?;
    cloudops(&["search", "stopped", "instances", "in", "production"])?;
    cloudops(&["search", "--json", "--limit", "3", "web", "servers", "in", "staging"])?;

    step("Done. The emulator this demo started is stopped now.");
    Ok(())
}

fn step(text: &str) {
    println!("\n\x1b[1m== {text}\x1b[0m");
}

fn write_aws_config(dir: &Path, url: &str) -> anyhow::Result<()> {
    let mut config = format!("[profile demo-source]\nregion = us-east-1\nendpoint_url = {url}\n");
    for (name, account) in ACCOUNTS {
        config.push_str(&format!(
            "\n[profile {name}]\nrole_arn = arn:aws:iam::{account}:role/ops\nsource_profile = demo-source\n\
             region = us-east-1\nendpoint_url = {url}\n"
        ));
    }
    std::fs::write(dir.join("config"), config)?;
    std::fs::write(dir.join("credentials"), "[demo-source]\naws_access_key_id = test\naws_secret_access_key = test\n")?;
    // cloudops's own config: which profiles to work with.
    std::fs::write(dir.join("cloudops.toml"), "[aws]\nprofiles = [\"staging\", \"production\"]\n")?;
    Ok(())
}

/// Runs the real `cloudops` binary with the demo's AWS config and the user's own config
/// ignored (it only points at the demo's files).
fn cloudops(bin: &Path, aws_dir: &Path, data_dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let mut cmd = Command::new(bin);
    cmd.arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .current_dir(root())
        // The demo's store keys live in a file in its temp dir, not in the user's keychain.
        .env("CLOUDOPS_KEY_STORAGE", "file")
        .env("AWS_CONFIG_FILE", aws_dir.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", aws_dir.join("credentials"))
        .env("CLOUDOPS_CONFIG", aws_dir.join("cloudops.toml"))
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL");
    println!("$ cloudops {}", args.join(" "));
    let status = cmd.status().context("cannot run cloudops")?;
    if !status.success() {
        bail!("`cloudops {}` failed ({status})", args.join(" "));
    }
    Ok(())
}
