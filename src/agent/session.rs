//! A session: one conversation's history and counters.

use zeroclaw_plugin_api::ChatMessage;

/// One conversation.
#[derive(Debug)]
pub struct Session {
    /// Its id.
    pub id: String,
    /// The channel it came from.
    pub channel: String,
    /// The history sent to the provider (after compaction: a summary and the newest messages).
    pub history: Vec<ChatMessage>,
    /// Turns so far.
    pub turns: u32,
}

impl Session {
    /// A new, empty session.
    pub fn new(id: impl Into<String>, channel: impl Into<String>) -> Self {
        Session { id: id.into(), channel: channel.into(), history: Vec::new(), turns: 0 }
    }
}
