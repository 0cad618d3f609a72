//! `cloudops sync` (once, or `--every` interval) and `cloudops status`.

use std::process::ExitCode;
use std::time::Duration;

use cloudops_app::Client;
use cloudops_app::client::{SyncOutcome, SyncSelection};

use crate::progress::Progress;
use crate::render;

async fn once(client: &Client, selection: SyncSelection) -> anyhow::Result<SyncOutcome> {
    let request = client.sync_request(selection).await?;
    let progress = Progress::new();
    let outcome = client.sync(&request, &progress).await;
    progress.finish();
    Ok(outcome?)
}

pub async fn run(client: &Client, selection: SyncSelection, json: bool) -> anyhow::Result<ExitCode> {
    let outcome = once(client, selection).await?;
    let failed = outcome.report.failed > 0;
    render::emit(json, &outcome, render::sync::sync(&outcome))?;
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Now, then every `interval` until Ctrl-C; a failed round is reported and the schedule goes
/// on. The store is released between rounds, so other commands can use it meanwhile.
pub async fn every(
    client: &Client,
    selection: SyncSelection,
    interval: Duration,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let round = |_| {
        let selection = selection.clone();
        async move {
            match once(client, selection).await {
                Ok(outcome) if json => match serde_json::to_string(&outcome) {
                    Ok(line) => println!("{line}"),
                    Err(e) => eprintln!("error: {e}"),
                },
                Ok(outcome) => print!("{}", render::sync::sync(&outcome)),
                Err(e) => eprintln!("error: {e:#} (the next sync runs on schedule)"),
            }
            for notice in client.take_notices() {
                eprintln!("warning: {}", notice.text);
            }
            client.release().await;
        }
    };
    cloudops_app::schedule::every(interval, round, stop).await;
    Ok(ExitCode::SUCCESS)
}

pub async fn status(client: &Client, json: bool) -> anyhow::Result<ExitCode> {
    let rows = client.statuses().await?;
    render::emit(json, &rows, render::sync::status(&rows))
}
