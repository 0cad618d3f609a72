//! `cloudops search`: the lookup on the local store.

use std::process::ExitCode;

use cloudops_app::Client;

use crate::render;
use crate::render::search::SearchOutput;

pub async fn run(client: &Client, text: &[String], limit: u16, json: bool) -> anyhow::Result<ExitCode> {
    let result = client.search(&text.join(" "), usize::from(limit)).await?;
    render::emit(json, &SearchOutput::from(&result), render::search::result(&result))
}
