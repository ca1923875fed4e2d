//! A session: one conversation's history and counters, bounded in memory and rebuilt from
//! its transcript.
//!
//! The transcript is the source of truth; a `Session` is its cache. Every change to the
//! history goes through [`Session::push`] and [`Session::compact`], and a session rebuilt
//! from its transcript replays the same two operations in the same order
//! ([`Session::resume`]), so it comes back exactly as it was, whether it left memory by
//! eviction or with a crashed process.

use zeroclaw_plugin_api::{ChatMessage, Role};

/// One message of a transcript as replayed: a message that entered the history, or a
/// compaction summary that replaced its first `compacted` messages.
#[derive(Clone, Debug, PartialEq)]
pub struct Replayed {
    /// The message.
    pub message: ChatMessage,
    /// For a compaction summary: how many messages it replaced.
    pub compacted: Option<usize>,
}

/// One conversation.
#[derive(Debug)]
pub struct Session {
    /// Its id.
    pub id: String,
    /// The channel it came from.
    pub channel: String,
    /// The history sent to the provider (after compaction: a summary and the newest
    /// messages), at most `max_history` messages.
    pub history: Vec<ChatMessage>,
    /// Turns so far.
    pub turns: u32,
    /// Messages kept in memory at most (`agent.max_history_messages`).
    pub max_history: usize,
    /// Why a message of the current turn could not be stored, if one could not.
    pub unsaved: Option<String>,
}

impl Session {
    /// A new, empty session keeping at most `max_history` messages.
    pub fn new(id: impl Into<String>, channel: impl Into<String>, max_history: usize) -> Self {
        Session {
            id: id.into(),
            channel: channel.into(),
            history: Vec::new(),
            turns: 0,
            max_history: max_history.max(1),
            unsaved: None,
        }
    }

    /// Session `id` rebuilt from its transcript `rows` (in order).
    pub fn resume(id: impl Into<String>, channel: impl Into<String>, max_history: usize, rows: Vec<Replayed>) -> Self {
        let mut session = Session::new(id, channel, max_history);
        for row in rows {
            match row.compacted {
                Some(compacted) => session.compact(compacted, row.message),
                None => {
                    if row.message.role == Role::User {
                        session.turns += 1;
                    }
                    session.push(row.message);
                }
            }
        }
        session
    }

    /// Appends `message`, then drops the oldest messages past the bound (never leaving a
    /// tool result without the call before it).
    pub fn push(&mut self, message: ChatMessage) {
        self.history.push(message);
        if self.history.len() > self.max_history {
            let mut cut = self.history.len() - self.max_history;
            while cut < self.history.len() && self.history[cut].role == Role::Tool {
                cut += 1;
            }
            self.history.drain(..cut);
        }
    }

    /// Replaces the first `compacted` messages with `summary` (and any tool result left
    /// at the front without its call: a replay under another `max_history_messages`
    /// than the live session had may cut elsewhere, never into an invalid history).
    pub fn compact(&mut self, compacted: usize, summary: ChatMessage) {
        let mut cut = compacted.min(self.history.len());
        while cut < self.history.len() && self.history[cut].role == Role::Tool {
            cut += 1;
        }
        self.history.drain(..cut);
        self.history.insert(0, summary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(message: ChatMessage) -> Replayed {
        Replayed { message, compacted: None }
    }

    #[test]
    fn a_session_replayed_from_its_rows_is_the_session_it_was() {
        let mut live = Session::new("s", "cli", 5);
        let mut rows = Vec::new();
        for i in 0..4 {
            for message in [ChatMessage::user(format!("q{i}")), ChatMessage::assistant(format!("a{i}"))] {
                live.push(message.clone());
                rows.push(row(message));
            }
            if i == 1 {
                let summary = ChatMessage::system("summary");
                live.compact(2, summary.clone());
                rows.push(Replayed { message: summary, compacted: Some(2) });
            }
        }
        let resumed = Session::resume("s", "cli", 5, rows);
        assert_eq!(resumed.history, live.history);
        assert_eq!(resumed.turns, 4);
        assert_eq!(resumed.history.len(), 5, "bounded");
    }

    #[test]
    fn the_bound_never_strands_a_tool_result() {
        let mut session = Session::new("s", "cli", 2);
        session.push(ChatMessage::user("q"));
        session.push(ChatMessage::assistant("calling"));
        session.push(ChatMessage { tool_call_id: Some("c".into()), ..ChatMessage::user("") });
        let mut tool = ChatMessage::assistant("result");
        tool.role = Role::Tool;
        session.push(tool);
        session.push(ChatMessage::assistant("done"));
        assert_eq!(session.history, vec![ChatMessage::assistant("done")], "the orphaned tool result went too");
    }
}
