//! The zeroclaw memory database: one SQLite file in WAL mode, shared by the host
//! (transcripts) and the built-ins that keep state (session_memory). Each owner versions
//! its own tables in `schema_migrations`, so they migrate independently and none can break
//! another's. Opening never deletes or rewrites existing data: a file that is not a
//! database is an error, not a reset.

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

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "CREATE TABLE a (x INTEGER);";
    const V2: &str = "ALTER TABLE a ADD COLUMN y TEXT;";

    #[test]
    fn owners_migrate_independently_and_only_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.sqlite3");
        let mut conn = open(&path).unwrap();
        migrate(&mut conn, "one", &[V1]).unwrap();
        conn.execute("INSERT INTO a (x) VALUES (1)", []).unwrap();
        migrate(&mut conn, "one", &[V1, V2]).unwrap();
        migrate(&mut conn, "one", &[V1, V2]).unwrap();
        migrate(&mut conn, "two", &["CREATE TABLE b (z INTEGER);"]).unwrap();
        let rows: i64 = conn.query_row("SELECT COUNT(*) FROM a WHERE y IS NULL", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 1, "data kept across migrations");
        let err = migrate(&mut conn, "one", &[V1]).unwrap_err().to_string();
        assert!(err.contains("newer than this zeroclaw knows"), "{err}");
    }
}
