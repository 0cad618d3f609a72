//! `cloudops insights`: the findings over the synced estate, from the local store.

use std::process::ExitCode;

use cloudops_app::Client;
use cloudops_domain::insights::{RuleId, Scope};

use crate::render;

pub async fn run(client: &Client, rules: Vec<RuleId>, json: bool) -> anyhow::Result<ExitCode> {
    let insights = client.insights(&Scope { rules, ..Scope::default() }).await?;
    render::emit(json, &insights, insights.text())
}
