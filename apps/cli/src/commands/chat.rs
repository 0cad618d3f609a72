//! `cloudops chat`: an interactive session on one conversation of the encrypted chat
//! history. Each line is planned in the conversation (follow-ups resolve against it), shown
//! and approved in place like `ask`; a question's choices are answered by number.

use std::io::{BufRead as _, Write as _};
use std::process::ExitCode;

use cloudops_app::Client;
use cloudops_app::client::{Outcome, Planned, Review};
use cloudops_app::execute::Strategy;
use cloudops_ports::ConversationId;
use tokio::sync::mpsc;

use crate::render;
use crate::terminal::{self, Answers, RunFlags};

/// The lines of stdin, read on their own thread (a blocking read must not hold the runtime).
fn lines() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// A pick by number among the last question's candidates: that candidate's ARN.
fn choice(line: &str, last: Option<&(Planned, Vec<String>)>) -> Option<(Planned, String)> {
    let (planned, candidates) = last?;
    let n: usize = line.trim().parse().ok()?;
    candidates.get(n.checked_sub(1)?).map(|arn| (planned.clone(), arn.clone()))
}

pub async fn run(client: &Client, conversation: Option<String>, dry_run: bool) -> anyhow::Result<ExitCode> {
    let name = conversation.unwrap_or_else(|| format!("chat-{}", chrono::Utc::now().format("%Y%m%d-%H%M%S")));
    let conversation = ConversationId(name);
    let earlier = client.messages(&conversation, 6).await?;
    print!("{}", render::chat::header(&conversation, &earlier));
    let flags = RunFlags { yes: false, allow_high_risk: false, dry_run, strategy: Strategy::default(), json: false };
    let mut input = lines();
    let mut last_question: Option<(Planned, Vec<String>)> = None;
    loop {
        eprint!("> ");
        std::io::stderr().flush()?;
        let Some(line) = input.recv().await else { break };
        let line = line.trim().to_owned();
        match line.as_str() {
            "" => continue,
            "/quit" | "/exit" => break,
            "/list" => {
                print!("{}", render::chat::conversations(&client.conversations().await?));
                continue;
            }
            _ => {}
        }
        let planned = match choice(&line, last_question.as_ref()) {
            // The choice continues the same request.
            Some((asked, arn)) => client.answer(&asked, &arn, &conversation).await,
            None => client.plan(&line, &conversation).await,
        };
        let review = match review(client, planned).await {
            Ok(review) => review,
            Err(e) => {
                println!("error: {e:#}");
                continue;
            }
        };
        let candidates = review.response().clarification.as_ref().map(|c| c.candidates.clone()).unwrap_or_default();
        let asked = review.planned.clone();
        let record = terminal::drive(client, review, &flags, Answers::Lines(&mut input)).await;
        for notice in client.take_notices() {
            eprintln!("warning: {}", notice.text);
        }
        match record {
            Ok(record) if record.outcome == Outcome::Question && !candidates.is_empty() => {
                println!("(answer with 1–{} to pick one)", candidates.len());
                last_question = Some((asked, candidates.iter().map(ToString::to_string).collect()));
            }
            Ok(_) => last_question = None,
            Err(e) => println!("error: {e:#}"),
        }
    }
    println!(
        "conversation {} saved (continue it with `cloudops chat --conversation {}`)",
        conversation.0, conversation.0
    );
    Ok(ExitCode::SUCCESS)
}

async fn review(client: &Client, planned: Result<Planned, cloudops_app::ClientError>) -> anyhow::Result<Review> {
    let planned = planned?;
    if let Some(follow_up) = &planned.follow_up {
        println!("({})", render::chat::follow_up(follow_up));
    }
    Ok(client.review(planned).await?)
}
