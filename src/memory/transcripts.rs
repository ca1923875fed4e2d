//! Transcripts: every message of every session, in order, as it entered the history (tool
//! results after `tool_result_persist`, so a redacted secret is never stored).

use std::path::Path;

use parking_lot::Mutex;
use rusqlite::{Connection, params};
use zeroclaw_plugin_api::{ChatMessage, Role};

const MIGRATIONS: &[&str] = &["CREATE TABLE transcript (
        session_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        channel TEXT NOT NULL,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        tool_calls TEXT,
        tool_call_id TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (session_id, seq)
    ) WITHOUT ROWID;"];

/// The transcript store.
pub struct Transcripts {
    conn: Mutex<Connection>,
}

impl Transcripts {
    /// Opens the store in the memory database at `path`.
    pub fn open(path: &Path) -> Result<Self, String> {
        let describe = |e: rusqlite::Error| format!("memory database {}: {e}", path.display());
        let mut conn = super::open(path).map_err(describe)?;
        super::migrate(&mut conn, "transcripts", MIGRATIONS).map_err(describe)?;
        Ok(Transcripts { conn: Mutex::new(conn) })
    }

    /// Appends `message` to `session_id`'s transcript.
    pub fn append(&self, session_id: &str, channel: &str, message: &ChatMessage) -> Result<(), String> {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        let calls =
            (!message.tool_calls.is_empty()).then(|| serde_json::to_string(&message.tool_calls).unwrap_or_default());
        let conn = self.conn.lock();
        conn.execute(
            "INSERT INTO transcript (session_id, seq, channel, role, content, tool_calls, tool_call_id, created_at)
             VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM transcript WHERE session_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7)",
            params![session_id, channel, message.role.as_str(), message.content, calls, message.tool_call_id, now],
        )
        .map(|_| ())
        .map_err(|e| format!("cannot store a transcript message: {e}"))
    }

    /// `session_id`'s messages, in order.
    pub fn messages(&self, session_id: &str) -> Result<Vec<ChatMessage>, String> {
        let conn = self.conn.lock();
        let mut stmt = conn
            .prepare(
                "SELECT role, content, tool_calls, tool_call_id FROM transcript WHERE session_id = ?1 ORDER BY seq",
            )
            .map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map(params![session_id], |r| {
                let role: String = r.get(0)?;
                let calls: Option<String> = r.get(2)?;
                Ok(ChatMessage {
                    role: match role.as_str() {
                        "system" => Role::System,
                        "user" => Role::User,
                        "assistant" => Role::Assistant,
                        _ => Role::Tool,
                    },
                    content: r.get(1)?,
                    tool_calls: calls.and_then(|c| serde_json::from_str(&c).ok()).unwrap_or_default(),
                    tool_call_id: r.get(3)?,
                })
            })
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_come_back_in_order_across_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memory.sqlite3");
        let store = Transcripts::open(&path).unwrap();
        store.append("s", "cli", &ChatMessage::user("hi")).unwrap();
        store.append("s", "cli", &ChatMessage::assistant("hello")).unwrap();
        store.append("t", "cli", &ChatMessage::user("other")).unwrap();
        drop(store);
        let store = Transcripts::open(&path).unwrap();
        assert_eq!(store.messages("s").unwrap(), vec![ChatMessage::user("hi"), ChatMessage::assistant("hello")]);
    }

    #[test]
    fn a_corrupt_database_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memory.sqlite3");
        std::fs::write(&path, vec![0x42; 8192]).unwrap();
        let err = Transcripts::open(&path).err().unwrap();
        assert!(err.contains("memory database") && err.contains("not a database"), "{err}");
    }
}
