//! The terminal side of running a reviewed plan (`ask`, `exec`, `chat`): show it, ask for
//! approval, stream the execution's events, Ctrl-C to cancel, the states after. Everything it
//! decides or records is the client's; this only reads answers and prints.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use cloudops_app::client::{Client, ClientError, Review, RunRecord, Verdict};
use cloudops_app::execute::{RunOptions, Strategy};
use cloudops_domain::approval::{ApprovalError, ApprovalMode};
use tokio::sync::mpsc;

use crate::render;

/// The conversation `plan` and `ask` record their turns in (`chat` and the desktop app keep
/// their own).
pub fn conversation() -> cloudops_ports::ConversationId {
    cloudops_ports::ConversationId("cli".into())
}

/// The flags `ask` and `exec` share.
#[derive(Debug, Clone)]
pub struct RunFlags {
    pub yes: bool,
    pub allow_high_risk: bool,
    pub dry_run: bool,
    pub strategy: Strategy,
    pub json: bool,
}

/// Where answers to questions come from.
pub enum Answers<'a> {
    /// The terminal, when stdin is one (otherwise there is no answer).
    Terminal,
    /// The lines of an interactive session (`chat`), which may be piped.
    Lines(&'a mut mpsc::UnboundedReceiver<String>),
}

impl Answers<'_> {
    async fn ask(&mut self, question: &str) -> anyhow::Result<Option<String>> {
        eprint!("{question}");
        std::io::stderr().flush()?;
        match self {
            Answers::Terminal => {
                let line = tokio::task::spawn_blocking(|| {
                    let mut answer = String::new();
                    std::io::stdin().lock().read_line(&mut answer).map(|_| answer)
                })
                .await??;
                Ok(Some(line))
            }
            Answers::Lines(lines) => Ok(lines.recv().await),
        }
    }

    fn available(&self) -> bool {
        match self {
            Answers::Terminal => std::io::stdin().is_terminal(),
            Answers::Lines(_) => true,
        }
    }
}

/// Guard verdict → shown → approved → executed → re-synced, for a reviewed plan. Text goes to
/// stdout as it happens (unless `--json`, whose object the caller prints at the end).
pub async fn drive(
    client: &Client,
    review: Review,
    flags: &RunFlags,
    mut answers: Answers<'_>,
) -> anyhow::Result<RunRecord> {
    let mut record = review.record();
    let text = !flags.json;
    let needs_approval = match &review.verdict {
        Verdict::Ready { needs_approval, .. } => *needs_approval,
        Verdict::Refused(reasons) => {
            if text {
                print!("{}", render::plan::refusal(reasons));
            }
            return Ok(record);
        }
        Verdict::Question | Verdict::Blocked | Verdict::NothingToRun => {
            if text {
                print!("{}", render::plan::response(review.response()));
            }
            return Ok(record);
        }
    };
    if text {
        print!("{}", render::plan::review(&review));
    }
    let approval = if flags.dry_run || !needs_approval {
        None
    } else {
        let mode = if flags.yes {
            ApprovalMode::Preapproved
        } else if !answers.available() {
            let reason = ApprovalError::Missing.to_string();
            client.reject(&review, &reason).await?;
            if text {
                println!("refused: {reason}");
            }
            record.refused(reason);
            return Ok(record);
        } else {
            let answer = answers.ask(&render::plan::approval_question(review.steps().len())).await?;
            if !answer.is_some_and(|a| a.trim().eq_ignore_ascii_case("yes")) {
                client.reject(&review, "declined at the prompt").await?;
                record.outcome = cloudops_app::client::Outcome::Declined;
                return Ok(record);
            }
            ApprovalMode::Interactive
        };
        match client.approve(&review, mode, flags.allow_high_risk).await {
            Ok(approval) => Some(approval),
            Err(ClientError::ApprovalRefused(reason)) => {
                if text {
                    println!("refused: {reason}");
                }
                record.refused(reason);
                return Ok(record);
            }
            Err(e) => return Err(e.into()),
        }
    };
    record.approval = approval.clone();
    let options = RunOptions { strategy: flags.strategy, dry_run: flags.dry_run, ..RunOptions::default() };
    let mut handle = match client.run(review, approval, options).await {
        Ok(handle) => handle,
        Err(ClientError::Start(e)) => {
            if text {
                println!("refused: {e}");
            }
            record.refused(e.to_string());
            return Ok(record);
        }
        Err(e) => return Err(e.into()),
    };
    if text {
        println!("execution {}", handle.id);
    }
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut cancelled = false;
    loop {
        tokio::select! {
            event = handle.events.recv() => match event {
                Some(event) if text => print!("{}", render::plan::event(&event)),
                Some(_) => {}
                None => break,
            },
            _ = &mut ctrl_c, if !cancelled => {
                eprintln!("cancelling: pending steps are skipped, waits stop");
                handle.cancel();
                cancelled = true;
            }
        }
    }
    let finished = handle.finish().await?;
    if text {
        print!("{}", render::plan::after(&finished));
    }
    record.outcome = finished.outcome;
    record.execution = Some(finished.report);
    record.resources_after = finished.resources_after;
    Ok(record)
}
