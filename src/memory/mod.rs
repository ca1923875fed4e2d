//! The memory database: one SQLite file (`[memory] path`, default
//! `<state_dir>/memory.sqlite3`) in WAL mode. The host keeps transcripts there; built-ins
//! (session_memory) keep their own tables in the same file. Each owner versions its own
//! tables in `schema_migrations`, so they migrate independently.

mod transcripts;

pub use transcripts::Transcripts;

use std::path::Path;

use rusqlite::{Connection, params};

/// Opens `path` (creating it and its directory), in WAL mode with a busy timeout.
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(2))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

/// Applies the migrations of `owner` that have not run yet, each in its own transaction.
/// `migrations[i]` takes the owner's schema from version `i` to `i + 1`.
pub fn migrate(conn: &mut Connection, owner: &str, migrations: &[&str]) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (owner TEXT PRIMARY KEY, version INTEGER NOT NULL)",
    )?;
    let current: i64 = conn
        .query_row("SELECT version FROM schema_migrations WHERE owner = ?1", params![owner], |r| r.get(0))
        .unwrap_or(0);
    if current as usize > migrations.len() {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "{owner} schema version {current} is newer than this zeroclaw knows ({}); upgrade zeroclaw",
            migrations.len()
        )));
    }
    for (version, sql) in migrations.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (owner, version) VALUES (?1, ?2)
             ON CONFLICT (owner) DO UPDATE SET version = excluded.version",
            params![owner, version as i64 + 1],
        )?;
        tx.commit()?;
    }
    Ok(())
}
