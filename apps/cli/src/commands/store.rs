//! `cloudops backup`, `restore`, `key rotate`.

use std::path::PathBuf;
use std::process::ExitCode;

use cloudops_app::Client;
use cloudops_wiring::Options;

use crate::render;

pub async fn backup(client: &Client, no_push: bool, json: bool) -> anyhow::Result<ExitCode> {
    let report = client.backup(!no_push).await?;
    render::emit(json, &report, render::backup(&report))
}

pub async fn restore(
    options: &Options,
    file: Option<PathBuf>,
    from_s3: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let report = cloudops_wiring::restore(options, file, from_s3).await?;
    let text = format!("restored {} files from {}\n", report.files, report.restored_from);
    render::emit(json, &report, text)
}

pub async fn rotate(options: &Options, json: bool) -> anyhow::Result<ExitCode> {
    let report = cloudops_wiring::rotate(options).await?;
    let text = format!(
        "data key rotated to version {}: re-encrypted {} resources, {} chat messages and {} audit entries\n",
        report.key_version, report.resealed_resources, report.resealed_messages, report.resealed_audit_entries
    );
    render::emit(json, &report, text)
}
