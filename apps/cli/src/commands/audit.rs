//! `cloudops history` and `cloudops audit verify`.

use std::process::ExitCode;

use cloudops_app::Client;

use crate::render;

pub async fn history(client: &Client, limit: usize, json: bool) -> anyhow::Result<ExitCode> {
    let entries = client.history(limit).await?;
    render::emit(json, &entries, render::audit::history(&entries))
}

pub async fn verify(client: &Client, json: bool) -> anyhow::Result<ExitCode> {
    let verification = client.verify_audit().await?;
    render::emit(json, &verification, render::audit::verification(&verification))?;
    Ok(if verification.intact() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
