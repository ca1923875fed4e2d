//! Transcripts: every message of every session, in order, as it entered the history (tool
//! results after `tool_result_persist`, so a redacted secret is never stored), and each
//! compaction summary with how many messages it replaced. The transcript is the source of
//! truth: a session that left memory (evicted, idle, or a crashed process) is rebuilt from
//! it by [`Transcripts::replay`].

use std::path::Path;

use parking_lot::Mutex;
use rusqlite::{Connection, params};
use zeroclaw_plugin_api::{ChatMessage, Role};

use crate::agent::Replayed;

const MIGRATIONS: &[&str] = &[
    "CREATE TABLE transcript (
        session_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        channel TEXT NOT NULL,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        tool_calls TEXT,
        tool_call_id TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (session_id, seq)
    ) WITHOUT ROWID;",
    // A compaction summary's row says how many history messages it replaced (NULL for
    // every other message), so a replay can rebuild the history exactly.
    "ALTER TABLE transcript ADD COLUMN compacted INTEGER;",
];

/// Why the transcript store failed: what it was doing, with SQLite's error as the cause.
#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    /// The memory database cannot be opened or migrated.
    #[error("memory database {}: {source}", path.display())]
    Open {
        /// The database file.
        path: std::path::PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A message or summary cannot be stored (the database is full, read-only, …).
    #[error("cannot store a transcript message: {0}")]
    Store(#[source] rusqlite::Error),
    /// A transcript cannot be read back.
    #[error("{0}")]
    Read(#[source] rusqlite::Error),
}

/// The transcript store.
pub struct Transcripts {
    conn: Mutex<Connection>,
}

impl Transcripts {
    /// Opens the store in the memory database at `path`. With `max_size_mb`, writes that
    /// would grow the database file past it fail (SQLite's `max_page_count`).
    pub fn open(path: &Path, max_size_mb: Option<u64>) -> Result<Self, TranscriptError> {
        let describe = |source: rusqlite::Error| TranscriptError::Open { path: path.to_path_buf(), source };
        let mut conn = super::open(path).map_err(describe)?;
        super::migrate(&mut conn, "transcripts", MIGRATIONS).map_err(describe)?;
        if let Some(mb) = max_size_mb {
            let page: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).map_err(describe)?;
            let pages = mb.saturating_mul(1024 * 1024) / u64::try_from(page).unwrap_or(4096).max(1);
            let pages = i64::try_from(pages.max(1)).unwrap_or(i64::MAX);
            conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(())).map_err(describe)?;
        }
        Ok(Transcripts { conn: Mutex::new(conn) })
    }

    /// Appends `message` to `session_id`'s transcript.
    pub fn append(&self, session_id: &str, channel: &str, message: &ChatMessage) -> Result<(), TranscriptError> {
        self.insert(session_id, channel, message, None)
    }

    /// Appends a compaction `summary` that replaced the first `compacted` messages.
    pub fn append_summary(
        &self,
        session_id: &str,
        channel: &str,
        summary: &ChatMessage,
        compacted: usize,
    ) -> Result<(), TranscriptError> {
        self.insert(session_id, channel, summary, Some(compacted))
    }

    fn insert(
        &self,
        session_id: &str,
        channel: &str,
        message: &ChatMessage,
        compacted: Option<usize>,
    ) -> Result<(), TranscriptError> {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        let calls =
            (!message.tool_calls.is_empty()).then(|| serde_json::to_string(&message.tool_calls).unwrap_or_default());
        let conn = self.conn.lock();
        conn.execute(
            "INSERT INTO transcript (session_id, seq, channel, role, content, tool_calls, tool_call_id, created_at, compacted)
             VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM transcript WHERE session_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                session_id,
                channel,
                message.role.as_str(),
                message.content,
                calls,
                message.tool_call_id,
                now,
                compacted.map(|c| c as i64)
            ],
        )
        .map(|_| ())
        .map_err(TranscriptError::Store)
    }

    /// Whether `session_id` has a transcript.
    pub fn has_session(&self, session_id: &str) -> Result<bool, TranscriptError> {
        let conn = self.conn.lock();
        let mut stmt = conn
            .prepare_cached("SELECT 1 FROM transcript WHERE session_id = ?1 LIMIT 1")
            .map_err(TranscriptError::Read)?;
        stmt.exists(params![session_id]).map_err(TranscriptError::Read)
    }

    /// `session_id`'s messages, in order (compaction summaries included, as they came).
    pub fn messages(&self, session_id: &str) -> Result<Vec<ChatMessage>, TranscriptError> {
        Ok(self.replay(session_id)?.into_iter().map(|r| r.message).collect())
    }

    /// `session_id`'s rows as [`Session::resume`](crate::agent::Session::resume) replays
    /// them: each message, and each compaction summary with how many messages it replaced.
    pub fn replay(&self, session_id: &str) -> Result<Vec<Replayed>, TranscriptError> {
        let conn = self.conn.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT role, content, tool_calls, tool_call_id, compacted FROM transcript WHERE session_id = ?1 ORDER BY seq",
            )
            .map_err(TranscriptError::Read)?;
        let rows = stmt
            .query_map(params![session_id], |r| {
                let role: String = r.get(0)?;
                let calls: Option<String> = r.get(2)?;
                let compacted: Option<i64> = r.get(4)?;
                let message = ChatMessage {
                    role: match role.as_str() {
                        "system" => Role::System,
                        "user" => Role::User,
                        "assistant" => Role::Assistant,
                        _ => Role::Tool,
                    },
                    content: r.get(1)?,
                    tool_calls: calls.and_then(|c| serde_json::from_str(&c).ok()).unwrap_or_default(),
                    tool_call_id: r.get(3)?,
                };
                Ok(Replayed { message, compacted: compacted.and_then(|c| usize::try_from(c).ok()) })
            })
            .map_err(TranscriptError::Read)?;
        rows.collect::<Result<_, _>>().map_err(TranscriptError::Read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_come_back_in_order_across_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memory.sqlite3");
        let store = Transcripts::open(&path, None).unwrap();
        store.append("s", "cli", &ChatMessage::user("hi")).unwrap();
        store.append("s", "cli", &ChatMessage::assistant("hello")).unwrap();
        store.append("t", "cli", &ChatMessage::user("other")).unwrap();
        drop(store);
        let store = Transcripts::open(&path, None).unwrap();
        assert_eq!(store.messages("s").unwrap(), vec![ChatMessage::user("hi"), ChatMessage::assistant("hello")]);
    }

    #[test]
    fn a_full_database_refuses_the_write_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = Transcripts::open(&dir.path().join("memory.sqlite3"), Some(1)).unwrap();
        let big = ChatMessage::user("x".repeat(64 * 1024));
        let failed = (0..64).find_map(|_| store.append("s", "cli", &big).err()).expect("1 MiB fills up").to_string();
        assert!(failed.contains("cannot store a transcript message") && failed.contains("full"), "{failed}");
    }

    #[test]
    fn a_corrupt_database_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memory.sqlite3");
        std::fs::write(&path, vec![0x42; 8192]).unwrap();
        let err = Transcripts::open(&path, None).err().unwrap().to_string();
        assert!(err.contains("memory database") && err.contains("not a database"), "{err}");
    }
}
