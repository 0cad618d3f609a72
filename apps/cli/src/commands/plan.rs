//! `cloudops plan`: the prompt's resources looked up here, only their facts sent to the
//! planner, the plan printed (and saved with --out). Nothing runs.

use std::path::PathBuf;
use std::process::ExitCode;

use cloudops_app::Client;

use crate::{render, terminal};

pub async fn run(client: &Client, text: &[String], out: Option<PathBuf>, json: bool) -> anyhow::Result<ExitCode> {
    let planned = client.plan(&text.join(" "), &terminal::conversation()).await?;
    if let Some(path) = out {
        client.save_plan(&planned, &path).await?;
        eprintln!("plan saved to {} (run it with `cloudops exec {}` within an hour)", path.display(), path.display());
    }
    render::emit(json, &planned, render::plan::response(&planned.response))
}

/// `plan --show-request`: the exact request the planner would get, field by field, then
/// the JSON body. Nothing is sent.
pub async fn show_request(client: &Client, text: &[String], json: bool) -> anyhow::Result<ExitCode> {
    let request = client.request(&text.join(" "), &terminal::conversation()).await?;
    let manifest = render::plan::Manifest {
        destination: client.planner_name().to_owned(),
        sent: false,
        pseudonymized: client.config().server.pseudonymize,
        request,
    };
    let text = render::plan::manifest(&manifest)?;
    render::emit(json, &manifest, text)
}
