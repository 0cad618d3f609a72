//! `cloudops`: the command-line front end. Presentation only: parse the flags, open THE
//! client once (`cloudops_wiring::open`), call it, render text or `--json`.

mod cli;
mod commands;
mod mcp;
mod progress;
mod render;
mod terminal;

use std::process::ExitCode;

use clap::Parser;
use cloudops_app::client::SyncSelection;
use cloudops_wiring::Options;

use crate::cli::{AuditCommand, Cli, Command, KeyCommand};
use crate::commands::{ask, audit, chat, doctor, insights, plan, search, server, store, sync};

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
    let mut options =
        Options { data_dir: cli.data_dir, config: cli.config, key_storage: cli.key_storage, ..Options::default() };
    if let Command::Plan { server, .. }
    | Command::Ask { server, .. }
    | Command::Chat { server, .. }
    | Command::Mcp { server } = &cli.command
    {
        (options.server, options.server_token) = (server.server.clone(), server.server_token.clone());
    }
    // Commands that need no client (or must run with the store closed).
    let command = match cli.command {
        Command::Doctor { json } => return doctor::run(&options, json).await,
        Command::Server { command } => return server::run(&options, command),
        Command::Restore { file, from_s3, json } => return store::restore(&options, file, from_s3, json).await,
        Command::Key { command: KeyCommand::Rotate { json } } => return store::rotate(&options, json).await,
        other => other,
    };
    let client = cloudops_wiring::open(&options).await?;
    let result = with_client(&client, command).await;
    for notice in client.take_notices() {
        eprintln!("warning: {}", notice.text);
    }
    result
}

async fn with_client(client: &cloudops_app::Client, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Sync { profiles, regions, full, every, json } => {
            let selection = SyncSelection { profiles, regions, full };
            match every {
                Some(interval) => sync::every(client, selection, interval, json).await,
                None => sync::run(client, selection, json).await,
            }
        }
        Command::Status { json } => sync::status(client, json).await,
        Command::Search { text, limit, json } => search::run(client, &text, limit, json).await,
        Command::Plan { text, show_request: true, json, .. } => plan::show_request(client, &text, json).await,
        Command::Plan { text, out, json, .. } => plan::run(client, &text, out, json).await,
        Command::Insights { rules, json } => insights::run(client, rules, json).await,
        Command::Mcp { .. } => mcp::serve(client.clone()).await,
        Command::Ask { text, run, .. } => ask::ask(client, &text, &run).await,
        Command::Exec { file, run } => ask::exec(client, &file, &run).await,
        Command::Chat { conversation, dry_run, .. } => chat::run(client, conversation, dry_run).await,
        Command::History { limit, json } => audit::history(client, limit, json).await,
        Command::Audit { command: AuditCommand::Verify { json } } => audit::verify(client, json).await,
        Command::Backup { no_push, json } => store::backup(client, no_push, json).await,
        Command::Doctor { .. } | Command::Server { .. } | Command::Restore { .. } | Command::Key { .. } => {
            anyhow::bail!("internal error: this command runs without a client")
        }
    }
}
