//! `cloudops server show|set`: the [server] section of the config file.

use std::process::ExitCode;

use cloudops_wiring::Options;

use crate::cli::ServerCommand;
use crate::render;

pub fn run(options: &Options, command: ServerCommand) -> anyhow::Result<ExitCode> {
    let paths = cloudops_wiring::paths(options)?;
    let mut config = cloudops_app::Config::load(&paths.config_file)?;
    match command {
        ServerCommand::Show { json } => {
            let shown = serde_json::json!({
                "url": config.server.url,
                "token_set": config.server.token.is_some(),
                "playbooks": config.server.playbooks,
                "config_file": paths.config_file,
            });
            render::emit(json, &shown, render::server(&config))
        }
        ServerCommand::Set { url, token, playbooks, json } => {
            if let Some(url) = url {
                if !url.is_empty() {
                    cloudops_wiring::check_server_url(&url)?;
                }
                config.server.url = Some(url).filter(|u| !u.is_empty());
            }
            if let Some(token) = token {
                config.server.token = Some(token).filter(|t| !t.is_empty());
            }
            if let Some(dir) = playbooks {
                config.server.playbooks = Some(dir).filter(|d| !d.as_os_str().is_empty());
            }
            config.save(&paths.config_file)?;
            let saved = serde_json::json!({"saved": paths.config_file, "url": config.server.url});
            render::emit(json, &saved, format!("saved {}\n", paths.config_file.display()))
        }
    }
}
