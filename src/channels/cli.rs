//! The CLI channel: `zeroclaw agent` reads messages from stdin (one per line), or one from
//! `-m`, and prints each reply. `/reset` starts the session afresh; `/quit` (or end of
//! input) ends it.

use std::io::Write;

use tokio::io::{AsyncBufReadExt, BufReader};
use zeroclaw_plugin_api::SessionEndReason;

use super::{Incoming, Reply, delivered, receive};
use crate::agent::Agent;
use crate::observability::{for_one_line, for_terminal};

/// The channel name.
pub const CHANNEL: &str = "cli";

/// Handles one message and prints the outcome; returns the printed text, or the error
/// when the turn could not be stored (then nothing is printed on stdout).
pub async fn one(agent: &Agent, session_id: &str, text: &str) -> Result<String, Unanswered> {
    let user = whoami();
    let incoming =
        Incoming { session_id: session_id.into(), channel: CHANNEL.into(), sender: user.clone(), text: text.into() };
    match receive(agent, incoming).await {
        Reply::Send { text, .. } => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", for_terminal(&text));
            let _ = out.flush();
            drop(out);
            delivered(agent, session_id, CHANNEL, &user, &text).await;
            Ok(text)
        }
        Reply::Dropped { reason } => {
            let line = format!("(message dropped: {})", for_one_line(&reason));
            println!("{line}");
            Ok(line)
        }
        Reply::Suppressed { reason } => {
            let line = format!("(reply suppressed: {})", for_one_line(&reason));
            println!("{line}");
            Ok(line)
        }
        Reply::Unsaved { reason } => Err(Unanswered(reason)),
    }
}

/// A message the host did not answer because its turn could not be stored.
#[derive(Debug, thiserror::Error)]
#[error("the turn could not be stored, so it is not answered: {0}")]
pub struct Unanswered(pub String);

/// Runs a session over stdin until end of input or `/quit`.
pub async fn interactive(agent: &Agent, session_id: &str) {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let base = session_id.to_string();
    let mut session_id = base.clone();
    while let Ok(Some(line)) = lines.next_line().await {
        let line = line.trim();
        match line {
            "" => continue,
            "/quit" | "/exit" => break,
            "/reset" => {
                agent.end_session(&session_id, SessionEndReason::Reset).await;
                // A new conversation: an id no earlier run used (sessions resume from their
                // transcripts, so `cli-1` would bring back another run's).
                session_id = agent.fresh_session_id(&base);
                println!("(new session {session_id})");
            }
            text => {
                if let Err(e) = one(agent, &session_id, text).await {
                    eprintln!("error: {}", for_one_line(&e.to_string()));
                }
            }
        }
    }
    agent.end_session(&session_id, SessionEndReason::Closed).await;
}

fn whoami() -> String {
    std::env::var("USER").unwrap_or_else(|_| "user".into())
}
