//! `zeroclaw memory list|show|forget|export`: the summaries session_memory keeps.

use std::path::Path;

use clap::Subcommand;
use zeroclaw_session_memory::{Summary, SummaryStore};

use super::CliError;
use crate::config::LoadedConfig;

/// `zeroclaw memory …`
#[derive(Debug, Subcommand)]
pub enum MemoryCommand {
    /// List stored summaries (oldest first).
    List {
        /// Only this session's.
        #[arg(long)]
        session: Option<String>,
    },
    /// Print one summary in full.
    Show {
        /// Its id (from `memory list`).
        id: i64,
    },
    /// Delete one summary, or every summary of a session.
    Forget {
        /// The summary's id.
        id: Option<i64>,
        /// Every summary of this session.
        #[arg(long, conflicts_with = "id")]
        session: Option<String>,
    },
    /// Print summaries as JSON lines.
    Export {
        /// Only this session's.
        #[arg(long)]
        session: Option<String>,
    },
}

fn when(summary: &Summary) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(summary.created_at_ms.max(0) as u64);
    humantime::format_rfc3339_seconds(at).to_string()
}

/// Runs a `memory` subcommand.
pub fn run(cmd: MemoryCommand, config: Option<&Path>) -> Result<(), CliError> {
    let loaded = LoadedConfig::discover(config)?;
    loaded.prepare_state_dir().map_err(|e| CliError(e.to_string()))?;
    let path = loaded.memory_path();
    if !path.exists() {
        return Err(CliError(format!("no memory database at {} yet: nothing has been stored", path.display())));
    }
    let store = SummaryStore::new(&path);
    match cmd {
        MemoryCommand::List { session } => {
            let summaries = store.list(session.as_deref())?;
            if summaries.is_empty() {
                println!("(no summaries)");
            }
            for s in summaries {
                let line: String = s.summary.chars().take(80).collect();
                println!("{:>5}  {}  {:<16} {:<8} {:<11} {line}", s.id, when(&s), s.session_id, s.channel, s.source);
            }
        }
        MemoryCommand::Show { id } => {
            let s = store.get(id)?.ok_or_else(|| CliError(format!("no summary {id}")))?;
            println!(
                "id       {}\nsession  {}\nchannel  {}\nstored   {}\nsource   {}\n\n{}",
                s.id,
                s.session_id,
                s.channel,
                when(&s),
                s.source,
                s.summary
            );
        }
        MemoryCommand::Forget { id, session } => {
            if id.is_none() && session.is_none() {
                return Err(CliError("say what to forget: an id, or --session ID".into()));
            }
            let n = store.forget(id, session.as_deref())?;
            println!("forgot {n} summar{}", if n == 1 { "y" } else { "ies" });
        }
        MemoryCommand::Export { session } => {
            for s in store.list(session.as_deref())? {
                println!("{}", serde_json::to_string(&s)?);
            }
        }
    }
    Ok(())
}
