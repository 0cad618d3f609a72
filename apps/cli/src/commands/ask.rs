//! `cloudops ask` and `cloudops exec`: a plan (fresh, or from a plan file) reviewed by the
//! client, approved on the terminal (or by --yes), run, re-synced. The pipeline and its audit
//! trail are the client's; this converts flags and prints.

use std::path::Path;
use std::process::ExitCode;

use cloudops_app::Client;
use cloudops_app::client::RunRecord;

use crate::cli::RunArgs;
use crate::terminal::{self, Answers, RunFlags};

fn flags(run: &RunArgs) -> RunFlags {
    RunFlags {
        yes: run.yes,
        allow_high_risk: run.allow_high_risk,
        dry_run: run.dry_run,
        strategy: run.strategy,
        json: run.json,
    }
}

pub async fn ask(client: &Client, text: &[String], run: &RunArgs) -> anyhow::Result<ExitCode> {
    let planned = client.plan(&text.join(" "), &terminal::conversation()).await?;
    let review = client.review(planned).await?;
    finish(run.json, &terminal::drive(client, review, &flags(run), Answers::Terminal).await?)
}

/// The plan file must open with this store's key, match its seal and be fresh (a refusal is
/// audited), then it runs as `ask` runs a fresh plan.
pub async fn exec(client: &Client, file: &Path, run: &RunArgs) -> anyhow::Result<ExitCode> {
    let planned = client.open_saved(file).await?;
    let review = client.review(planned).await?;
    finish(run.json, &terminal::drive(client, review, &flags(run), Answers::Terminal).await?)
}

/// Prints the record as JSON with `--json` (the text was streamed) and maps its outcome to
/// the exit status.
fn finish(json: bool, record: &RunRecord) -> anyhow::Result<ExitCode> {
    if json {
        println!("{}", serde_json::to_string_pretty(record)?);
    }
    Ok(ExitCode::from(record.outcome.exit_code()))
}
