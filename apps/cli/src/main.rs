//! `cloudops`: the command-line app. Thin wiring: parse arguments, build adapters, call the
//! use cases in `cloudops-app`, render text or `--json`.

mod cli;
mod plan_cmd;
mod render;
mod search_cmd;
mod store_cmds;
mod stores;
mod sync_cmd;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, KeyCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("CLOUDOPS_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let paths = cloudops_app::AppPaths::resolve(cli.data_dir, cli.config)?;
    match cli.command {
        Command::Doctor { json } => {
            // A broken config file is reported by doctor, not fatal to it.
            let config = cloudops_app::Config::load(&paths.config_file).unwrap_or_default();
            let accounts = cloudops_aws::AwsAccounts::default();
            let report = cloudops_app::doctor::doctor(&paths, &config, &accounts).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", render::doctor(&report));
            }
            Ok(if report.healthy() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Sync { profiles, regions, full, json } => {
            let config = cloudops_app::Config::load(&paths.config_file)?;
            let secrets = stores::secret_store(&paths, &config, cli.key_storage);
            let output = sync_cmd::run(&paths, &config, secrets.as_ref(), profiles, regions, full).await?;
            let failed = output.report.failed > 0;
            emit(json, &output, render::sync(&output))?;
            Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Status { json } => {
            let config = cloudops_app::Config::load(&paths.config_file)?;
            let secrets = stores::secret_store(&paths, &config, cli.key_storage);
            let rows = sync_cmd::statuses(&paths, secrets.as_ref()).await?;
            emit(json, &rows, render::status(&rows))
        }
        Command::Search { text, limit, json } => {
            let config = cloudops_app::Config::load(&paths.config_file)?;
            let secrets = stores::secret_store(&paths, &config, cli.key_storage);
            let result = search_cmd::run(&paths, secrets.as_ref(), &text.join(" "), usize::from(limit)).await?;
            emit(json, &search_cmd::SearchOutput::from(&result), search_cmd::render(&result))
        }
        Command::Plan { text, server, server_token, json } => {
            let config = cloudops_app::Config::load(&paths.config_file)?;
            let secrets = stores::secret_store(&paths, &config, cli.key_storage);
            let target = plan_cmd::Target { server, token: server_token };
            let output = plan_cmd::run(&paths, &config, secrets.as_ref(), &text.join(" "), target).await?;
            emit(json, &output, plan_cmd::render(&output))
        }
        Command::Backup { no_push, json } => {
            let config = cloudops_app::Config::load(&paths.config_file)?;
            let secrets = stores::secret_store(&paths, &config, cli.key_storage);
            let report = store_cmds::backup(&paths, &config, secrets.as_ref(), no_push).await?;
            emit(json, &report, render::backup(&report))
        }
        Command::Restore { file, from_s3, json } => {
            let config = cloudops_app::Config::load(&paths.config_file)?;
            let secrets = stores::secret_store(&paths, &config, cli.key_storage);
            let report = store_cmds::restore(&paths, &config, secrets.as_ref(), file, from_s3).await?;
            let text = format!("restored {} files from {}\n", report.files, report.restored_from);
            emit(json, &report, text)
        }
        Command::Key { command: KeyCommand::Rotate { json } } => {
            let config = cloudops_app::Config::load(&paths.config_file)?;
            let secrets = stores::secret_store(&paths, &config, cli.key_storage);
            let report = store_cmds::rotate(&paths, secrets.as_ref()).await?;
            let text = format!(
                "data key rotated to version {}: re-encrypted {} resources and {} chat messages\n",
                report.key_version, report.resealed_resources, report.resealed_messages
            );
            emit(json, &report, text)
        }
    }
}

/// Prints `value` as JSON or `text`, and succeeds.
fn emit(json: bool, value: &impl serde::Serialize, text: String) -> anyhow::Result<ExitCode> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        print!("{text}");
    }
    Ok(ExitCode::SUCCESS)
}
