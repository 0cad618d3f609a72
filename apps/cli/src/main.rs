//! `cloudops`: the command-line app. Thin wiring: parse arguments, build adapters, call the
//! use cases in `cloudops-app`, render text or `--json`.

mod cli;
mod render;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

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
    }
}
