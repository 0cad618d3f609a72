//! `cloudops doctor`: the data dir, the config file and what each AWS profile reaches.

use std::process::ExitCode;

use cloudops_wiring::Options;

use crate::render;

pub async fn run(options: &Options, json: bool) -> anyhow::Result<ExitCode> {
    let paths = cloudops_wiring::paths(options)?;
    // A broken config file is reported by doctor, not fatal to it.
    let config = cloudops_app::Config::load(&paths.config_file).unwrap_or_default();
    let report = cloudops_app::doctor::doctor(&paths, &config, &cloudops_wiring::accounts(options, &paths)).await?;
    render::emit(json, &report, render::doctor(&report))?;
    Ok(if report.healthy() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
