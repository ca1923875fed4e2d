//! The summaries, in the host's memory database: a table indexed by session and by
//! channel, and the queries behind recall and the `zeroclaw memory` commands.
//!
//! The connection is opened on first use and dropped after any error, so a database that
//! was locked or briefly unreadable is retried on the next operation. Nothing here ever
//! deletes the file or recreates a table: an error is reported, never "repaired".

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use thiserror::Error;

const OWNER: &str = "session_memory";

const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE memory_summaries (
        id INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        source TEXT NOT NULL,
        summary TEXT NOT NULL
    );
    CREATE INDEX memory_summaries_session ON memory_summaries (session_id, created_at);
    CREATE INDEX memory_summaries_channel ON memory_summaries (channel, created_at);
    CREATE VIRTUAL TABLE memory_summaries_fts USING fts5 (summary, content = 'memory_summaries', content_rowid = 'id');
    CREATE TRIGGER memory_summaries_ai AFTER INSERT ON memory_summaries BEGIN
        INSERT INTO memory_summaries_fts (rowid, summary) VALUES (new.id, new.summary);
    END;
    CREATE TRIGGER memory_summaries_ad AFTER DELETE ON memory_summaries BEGIN
        INSERT INTO memory_summaries_fts (memory_summaries_fts, rowid, summary) VALUES ('delete', old.id, old.summary);
    END;
",
    "
    -- Recall ranks the scope's own summaries (see `recall`): a store-wide full-text index
    -- made every recall cost in proportion to the whole store, and every write pay for it.
    DROP TRIGGER memory_summaries_ai;
    DROP TRIGGER memory_summaries_ad;
    DROP TABLE memory_summaries_fts;
",
];

/// A failed memory operation.
#[derive(Debug, Error)]
#[error("memory database {path}: {message}")]
pub struct MemoryError {
    /// The database file.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

/// Where a summary came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The summary a compaction produced.
    Compaction,
    /// The last turns of a session that ended.
    SessionEnd,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Compaction => "compaction",
            Source::SessionEnd => "session_end",
        }
    }
}

/// A stored summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Its id.
    pub id: i64,
    /// The session.
    pub session_id: String,
    /// The channel.
    pub channel: String,
    /// When it was stored (ms since the Unix epoch).
    pub created_at_ms: i64,
    /// `compaction` or `session_end`.
    pub source: String,
    /// The text.
    pub summary: String,
}

/// A session's current summary, to be stored (see [`SummaryStore::set_session_summaries`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingSummary {
    /// The session.
    pub session_id: String,
    /// Its channel.
    pub channel: String,
    /// The summary text.
    pub summary: String,
    /// When this lifetime of the session began (ms since the Unix epoch): the summary
    /// replaces only the ones stored since.
    pub since_ms: i64,
}

/// What a recall looks for.
#[derive(Clone, Debug)]
pub struct RecallQuery<'a> {
    /// The session.
    pub session_id: &'a str,
    /// Also this channel's other sessions, when set.
    pub channel: Option<&'a str>,
    /// The incoming message: summaries matching its words rank first.
    pub text: &'a str,
    /// Summaries at most.
    pub limit: usize,
    /// Characters at most, all summaries together.
    pub budget_chars: usize,
    /// With `channel`: how many of the channel's newest summaries are ranked (the
    /// session's own are always all ranked).
    pub channel_window: usize,
}

/// The summaries store.
pub struct SummaryStore {
    path: PathBuf,
    conn: Mutex<Option<Connection>>,
}

/// Milliseconds since the Unix epoch, as summaries are timed.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Words too common to say anything about relevance.
const STOP_WORDS: &[&str] = &[
    "about", "after", "again", "all", "also", "and", "any", "are", "because", "been", "but", "can", "could", "did",
    "does", "for", "from", "had", "has", "have", "her", "his", "how", "into", "its", "just", "like", "more", "not",
    "now", "our", "out", "she", "should", "some", "than", "that", "the", "their", "them", "then", "there", "these",
    "they", "this", "was", "were", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you",
    "your",
];

/// The meaningful words of `text`, lowercased, each once (at most 32).
fn query_words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3 && !STOP_WORDS.contains(&w.to_lowercase().as_str()))
        .map(str::to_lowercase)
        .collect();
    words.sort();
    words.dedup();
    words.truncate(32);
    words
}

/// How many of `words` (lowercase) occur in `summary` as whole words. `scratch` is reused
/// between calls (one lowercase token at a time, no allocation per token).
fn relevance(summary: &str, words: &[String], scratch: &mut String) -> usize {
    let mut found = 0u64; // a bit per word: there are at most 32
    for token in summary.split(|c: char| !c.is_alphanumeric()) {
        if token.len() < 3 {
            continue;
        }
        scratch.clear();
        if token.is_ascii() {
            scratch.push_str(token);
            scratch.make_ascii_lowercase();
        } else {
            scratch.extend(token.chars().flat_map(char::to_lowercase));
        }
        // A handful of words: a scan beats hashing every token.
        if let Some(i) = words.iter().position(|w| w.len() == scratch.len() && *w == *scratch) {
            found |= 1 << i;
        }
    }
    found.count_ones() as usize
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Summary> {
    Ok(Summary {
        id: r.get(0)?,
        session_id: r.get(1)?,
        channel: r.get(2)?,
        created_at_ms: r.get(3)?,
        source: r.get(4)?,
        summary: r.get(5)?,
    })
}

const COLUMNS: &str = "s.id, s.session_id, s.channel, s.created_at, s.source, s.summary";

impl SummaryStore {
    /// A store in the database at `path` (opened on first use).
    pub fn new(path: &Path) -> Self {
        SummaryStore { path: path.to_path_buf(), conn: Mutex::new(None) }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, e: impl std::fmt::Display) -> MemoryError {
        MemoryError { path: self.path.clone(), message: e.to_string() }
    }

    /// Runs `f` on the connection; any error drops it, so the next call reopens.
    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T, MemoryError> {
        let mut slot = self.conn.lock();
        if slot.is_none() {
            let mut conn = zeroclaw_memory_db::open(&self.path).map_err(|e| self.error(e))?;
            zeroclaw_memory_db::migrate(&mut conn, OWNER, MIGRATIONS).map_err(|e| self.error(e))?;
            *slot = Some(conn);
        }
        let result = f(slot.as_mut().expect("opened above"));
        if result.is_err() {
            *slot = None;
        }
        result.map_err(|e| self.error(e))
    }

    /// Stores a summary; returns its id.
    pub fn insert(&self, session_id: &str, channel: &str, source: Source, summary: &str) -> Result<i64, MemoryError> {
        self.with(|conn| {
            conn.execute(
                "INSERT INTO memory_summaries (session_id, channel, created_at, source, summary) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![session_id, channel, now_ms(), source.as_str(), summary],
            )?;
            Ok(conn.last_insert_rowid())
        })
    }

    /// The summaries to recall: those of the session (and, with `channel`, the newest
    /// `channel_window` of the channel's other sessions) matching the most of the message's
    /// words first, then the newest others; at most `limit`, within `budget_chars`.
    ///
    /// The scope's rows come through their indexes and are ranked here, so a recall costs
    /// in proportion to the scope's own summaries, however large the store grows; the lock
    /// on the connection is held only while they are read.
    pub fn recall(&self, query: &RecallQuery<'_>) -> Result<Vec<Summary>, MemoryError> {
        let scoped = self.with(|conn| {
            let sql = format!("SELECT {COLUMNS} FROM memory_summaries s WHERE s.session_id = ?1");
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut scoped = stmt.query_map(params![query.session_id], row)?.collect::<Result<Vec<_>, _>>()?;
            if let Some(channel) = query.channel {
                let sql = format!(
                    "SELECT {COLUMNS} FROM memory_summaries s WHERE s.channel = ?1 AND s.session_id <> ?2
                     ORDER BY s.created_at DESC LIMIT ?3"
                );
                let mut stmt = conn.prepare_cached(&sql)?;
                let window = i64::try_from(query.channel_window).unwrap_or(i64::MAX);
                for summary in stmt.query_map(params![channel, query.session_id, window], row)? {
                    scoped.push(summary?);
                }
            }
            Ok(scoped)
        })?;
        let words = query_words(query.text);
        let mut scratch = String::new();
        let mut ranked: Vec<(usize, Summary)> =
            scoped.into_iter().map(|s| (relevance(&s.summary, &words, &mut scratch), s)).collect();
        // Most matching words first, then the newest.
        ranked.sort_by(|(a, x), (b, y)| b.cmp(a).then(y.created_at_ms.cmp(&x.created_at_ms)).then(y.id.cmp(&x.id)));
        let mut used = 0;
        Ok(ranked
            .into_iter()
            .map(|(_, s)| s)
            .take(query.limit)
            .take_while(|s| {
                used += s.summary.chars().count();
                used <= query.budget_chars
            })
            .collect())
    }

    /// Stores `summary` as session `session_id`'s current session-end summary, replacing the
    /// one stored since `since_ms` (the summaries of its earlier lifetimes, before an
    /// eviction or a restart, are kept).
    pub fn set_session_summary(
        &self,
        session_id: &str,
        channel: &str,
        summary: &str,
        since_ms: i64,
    ) -> Result<(), MemoryError> {
        let entry = PendingSummary {
            session_id: session_id.into(),
            channel: channel.into(),
            summary: summary.into(),
            since_ms,
        };
        self.set_session_summaries(&[entry])
    }

    /// [`set_session_summary`](Self::set_session_summary) for each entry, in one transaction.
    pub fn set_session_summaries(&self, batch: &[PendingSummary]) -> Result<(), MemoryError> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            {
                let mut delete = tx.prepare_cached(
                    "DELETE FROM memory_summaries WHERE session_id = ?1 AND source = ?2 AND created_at >= ?3",
                )?;
                let mut insert = tx.prepare_cached(
                    "INSERT INTO memory_summaries (session_id, channel, created_at, source, summary) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                let now = now_ms();
                for entry in batch {
                    delete.execute(params![entry.session_id, Source::SessionEnd.as_str(), entry.since_ms])?;
                    insert.execute(params![
                        entry.session_id,
                        entry.channel,
                        now.max(entry.since_ms),
                        Source::SessionEnd.as_str(),
                        entry.summary
                    ])?;
                }
            }
            tx.commit()
        })
    }

    /// Every summary, or one session's, oldest first.
    pub fn list(&self, session_id: Option<&str>) -> Result<Vec<Summary>, MemoryError> {
        self.with(|conn| {
            let sql = format!("SELECT {COLUMNS} FROM memory_summaries s WHERE ?1 IS NULL OR s.session_id = ?1 ORDER BY s.created_at, s.id");
            let mut stmt = conn.prepare(&sql)?;
            stmt.query_map(params![session_id], row)?.collect()
        })
    }

    /// One summary.
    pub fn get(&self, id: i64) -> Result<Option<Summary>, MemoryError> {
        self.with(|conn| {
            conn.query_row(&format!("SELECT {COLUMNS} FROM memory_summaries s WHERE s.id = ?1"), params![id], row)
                .optional()
        })
    }

    /// Deletes one summary, or every summary of a session; returns how many.
    pub fn forget(&self, id: Option<i64>, session_id: Option<&str>) -> Result<usize, MemoryError> {
        self.with(|conn| match (id, session_id) {
            (Some(id), _) => conn.execute("DELETE FROM memory_summaries WHERE id = ?1", params![id]),
            (None, Some(session)) => {
                conn.execute("DELETE FROM memory_summaries WHERE session_id = ?1", params![session])
            }
            (None, None) => Ok(0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query<'a>(session: &'a str, text: &'a str) -> RecallQuery<'a> {
        RecallQuery { session_id: session, channel: None, text, limit: 5, budget_chars: 10_000, channel_window: 100 }
    }

    #[test]
    fn recall_ranks_matches_first_then_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let store = SummaryStore::new(&dir.path().join("m.sqlite3"));
        store.insert("s", "cli", Source::Compaction, "we planned the garden: tomatoes and basil").unwrap();
        store.insert("s", "cli", Source::SessionEnd, "talked about the weather").unwrap();
        store.insert("other", "cli", Source::Compaction, "tomatoes in another session").unwrap();
        let found = store.recall(&query("s", "what about the tomatoes?")).unwrap();
        let texts: Vec<&str> = found.iter().map(|s| s.summary.as_str()).collect();
        assert_eq!(texts, ["we planned the garden: tomatoes and basil", "talked about the weather"]);
        let nothing = store.recall(&query("s", "!!")).unwrap();
        assert_eq!(nothing[0].summary, "talked about the weather", "no words: the newest first");
        let with_channel = store.recall(&RecallQuery { channel: Some("cli"), ..query("s", "tomatoes") }).unwrap();
        assert_eq!(with_channel.len(), 3);
        let budget = store.recall(&RecallQuery { budget_chars: 45, ..query("s", "tomatoes") }).unwrap();
        assert_eq!(budget.len(), 1, "within the budget");
    }

    #[test]
    fn a_session_summary_is_kept_current_not_repeated() {
        let dir = tempfile::tempdir().unwrap();
        let store = SummaryStore::new(&dir.path().join("m.sqlite3"));
        store.insert("s", "cli", Source::Compaction, "a compaction").unwrap();
        store.set_session_summary("s", "cli", "first life", 0).unwrap();
        let second_life = now_ms() + 1;
        store.set_session_summary("s", "cli", "Last 1 turn(s)", second_life).unwrap();
        store.set_session_summary("s", "cli", "Last 2 turn(s)", second_life).unwrap();
        let texts: Vec<String> = store.list(Some("s")).unwrap().into_iter().map(|s| s.summary).collect();
        assert_eq!(texts, ["a compaction", "first life", "Last 2 turn(s)"], "an earlier life's summary is kept");
    }

    #[test]
    fn fts_syntax_in_the_message_is_just_words() {
        let dir = tempfile::tempdir().unwrap();
        let store = SummaryStore::new(&dir.path().join("m.sqlite3"));
        store.insert("s", "cli", Source::Compaction, "alpha beta").unwrap();
        for tricky in ["\"unbalanced", "a OR b NOT c", "NEAR(x y)", "*", "alpha:beta", "col:alpha"] {
            assert!(store.recall(&query("s", tricky)).is_ok(), "{tricky}");
        }
    }

    #[test]
    fn list_show_and_forget() {
        let dir = tempfile::tempdir().unwrap();
        let store = SummaryStore::new(&dir.path().join("m.sqlite3"));
        let a = store.insert("s", "cli", Source::Compaction, "one").unwrap();
        store.insert("s", "cli", Source::Compaction, "two").unwrap();
        store.insert("t", "cli", Source::Compaction, "three").unwrap();
        assert_eq!(store.list(None).unwrap().len(), 3);
        assert_eq!(store.get(a).unwrap().unwrap().summary, "one");
        assert_eq!(store.forget(Some(a), None).unwrap(), 1);
        assert_eq!(store.forget(None, Some("s")).unwrap(), 1);
        assert_eq!(store.list(None).unwrap().len(), 1);
        assert!(store.recall(&query("s", "one")).unwrap().is_empty(), "the index forgot too");
    }

    #[test]
    fn a_corrupt_database_is_a_clear_error_and_is_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.sqlite3");
        std::fs::write(&path, vec![7u8; 4096]).unwrap();
        let store = SummaryStore::new(&path);
        let err = store.insert("s", "cli", Source::Compaction, "x").unwrap_err().to_string();
        assert!(err.contains("m.sqlite3") && err.contains("not a database"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), vec![7u8; 4096], "nothing was overwritten");
    }
}
