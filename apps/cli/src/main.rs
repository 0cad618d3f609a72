//! `cloudops`: the command-line app. Thin wiring: parse arguments, build adapters, call the
//! use cases in `cloudops-app`, render text or `--json`.

mod ask_cmd;
mod audit_cmds;
mod cli;
mod plan_cmd;
mod render;
mod search_cmd;
mod store_cmds;
mod stores;
mod sync_cmd;

use std::process::ExitCode;

use clap::Parser;
use cloudops_app::plan_file::SavedPlan;

use crate::cli::{AuditCommand, Cli, Command, KeyCommand, RunArgs, ServerCommand};

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
        Command::Sync { profiles, regions, full, every: Some(interval), json } => {
            let config = cloudops_app::Config::load(&paths.config_file)?;
            let secrets = stores::secret_store(&paths, &config, cli.key_storage);
            let stop = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            let round = |_| {
                let (paths, config, secrets) = (&paths, &config, secrets.as_ref());
                let (profiles, regions) = (profiles.clone(), regions.clone());
                async move {
                    match sync_cmd::run(paths, config, secrets, profiles, regions, full).await {
                        Ok(output) if json => match serde_json::to_string(&output) {
                            Ok(line) => println!("{line}"),
                            Err(e) => eprintln!("error: {e}"),
                        },
                        Ok(output) => print!("{}", render::sync(&output)),
                        Err(e) => eprintln!("error: {e:#} (the next sync runs on schedule)"),
                    }
                }
            };
            cloudops_app::schedule::every(interval, round, stop).await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sync { profiles, regions, full, every: None, json } => {
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
        Command::Plan { text, server, out, json } => {
            let config = cloudops_app::Config::load(&paths.config_file)?;
            let secrets = stores::secret_store(&paths, &config, cli.key_storage);
            let target = plan_cmd::Target { server: server.server, token: server.server_token };
            let prompt = text.join(" ");
            let output = plan_cmd::run(&paths, &config, secrets.as_ref(), &prompt, target).await?;
            if let Some(path) = out {
                let ring = cloudops_app::keys::load(secrets.as_ref()).await?;
                let identified = output.identified_resources.clone();
                let saved =
                    SavedPlan::new(&prompt, &output.planner, identified, output.response.clone(), chrono::Utc::now());
                saved.write(&path, &ring)?;
                eprintln!(
                    "plan saved to {} (run it with `cloudops exec {}` within an hour)",
                    path.display(),
                    path.display()
                );
            }
            emit(json, &output, plan_cmd::render(&output))
        }
        Command::Ask { text, server, run } => {
            let config = cloudops_app::Config::load(&paths.config_file)?;
            let secrets = stores::secret_store(&paths, &config, cli.key_storage);
            let target = plan_cmd::Target { server: server.server, token: server.server_token };
            let prompt = text.join(" ");
            let output = plan_cmd::run(&paths, &config, secrets.as_ref(), &prompt, target).await?;
            let ring = stores::ring(&paths, secrets.as_ref()).await?;
            let planned = ask_cmd::Planned::new(prompt, output);
            let result = ask_cmd::run(&paths, &config, ring, planned, &flags(&run)).await?;
            finish_run(run.json, &result)
        }
        Command::Exec { file, run } => {
            let config = cloudops_app::Config::load(&paths.config_file)?;
            let secrets = stores::secret_store(&paths, &config, cli.key_storage);
            let result = ask_cmd::exec(&paths, &config, secrets.as_ref(), &file, &flags(&run)).await?;
            finish_run(run.json, &result)
        }
        Command::History { limit, json } => {
            let config = cloudops_app::Config::load(&paths.config_file)?;
            let secrets = stores::secret_store(&paths, &config, cli.key_storage);
            let entries = audit_cmds::history(&paths, secrets.as_ref(), limit).await?;
            emit(json, &entries, audit_cmds::render_history(&entries))
        }
        Command::Audit { command: AuditCommand::Verify { json } } => {
            let config = cloudops_app::Config::load(&paths.config_file)?;
            let secrets = stores::secret_store(&paths, &config, cli.key_storage);
            let verification = audit_cmds::verify(&paths, secrets.as_ref()).await?;
            emit(json, &verification, audit_cmds::render_verification(&verification))?;
            Ok(if verification.intact() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Server { command: ServerCommand::Show { json } } => {
            let config = cloudops_app::Config::load(&paths.config_file)?;
            let shown = serde_json::json!({
                "url": config.server.url,
                "token_set": config.server.token.is_some(),
                "playbooks": config.server.playbooks,
                "config_file": paths.config_file,
            });
            let text = format!(
                "server     {}\ntoken      {}\nplaybooks  {}\n",
                config.server.url.as_deref().unwrap_or("(none: plans in-process)"),
                if config.server.token.is_some() { "set" } else { "not set" },
                config.server.playbooks.as_ref().map_or("(built in)".into(), |p| p.display().to_string()),
            );
            emit(json, &shown, text)
        }
        Command::Server { command: ServerCommand::Set { url, token, playbooks, json } } => {
            let mut config = cloudops_app::Config::load(&paths.config_file)?;
            if let Some(url) = url {
                if !url.is_empty() {
                    cloudops_http::HttpPlannerClient::new(&url, None)?;
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
            emit(json, &saved, format!("saved {}\n", paths.config_file.display()))
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
                "data key rotated to version {}: re-encrypted {} resources, {} chat messages and {} audit entries\n",
                report.key_version, report.resealed_resources, report.resealed_messages, report.resealed_audit_entries
            );
            emit(json, &report, text)
        }
    }
}

fn flags(run: &RunArgs) -> ask_cmd::RunFlags {
    ask_cmd::RunFlags {
        yes: run.yes,
        allow_high_risk: run.allow_high_risk,
        dry_run: run.dry_run,
        strategy: run.strategy,
        json: run.json,
    }
}

/// Prints the result of `ask`/`exec` (as JSON with `--json`; the text was streamed) and maps
/// its outcome to the exit status.
fn finish_run(json: bool, result: &ask_cmd::RunOutput) -> anyhow::Result<ExitCode> {
    if json {
        println!("{}", serde_json::to_string_pretty(result)?);
    }
    Ok(ExitCode::from(result.outcome.exit_code()))
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
