//! The store behind the `kv` capability: one SQLite file, one namespace per plugin, and
//! quotas on keys and bytes, so plugins that run a fresh instance per call can keep state.
//!
//! A plugin only ever names its own keys: the plugin id is supplied by the host, never by
//! the guest. Writes that would go over a quota are refused and change nothing.

use std::path::Path;

use parking_lot::Mutex;
use rusqlite::{Connection, OptionalExtension, params};
use thiserror::Error;

/// Longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// The kv store's file in the state directory.
pub const KV_FILE: &str = "plugins-kv.sqlite3";

/// Why a kv operation failed.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum KvError {
    /// A quota would be exceeded (or a key is too long); nothing was written.
    #[error("{0}")]
    Quota(String),
    /// The database failed.
    #[error("kv store: {0}")]
    Store(String),
}

impl From<rusqlite::Error> for KvError {
    fn from(e: rusqlite::Error) -> Self {
        KvError::Store(e.to_string())
    }
}

/// A plugin's quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KvQuota {
    /// Keys the plugin may hold.
    pub max_keys: u64,
    /// Bytes (keys plus values) the plugin may hold.
    pub max_bytes: u64,
}

/// The kv database shared by every plugin granted `kv`.
pub struct KvStore {
    conn: Mutex<Connection>,
}

const SCHEMA_VERSION: i64 = 1;

impl KvStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, KvError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| KvError::Store(format!("cannot create {}: {e}", dir.display())))?;
        }
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(2))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if version == 0 {
            conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS kv (
                     plugin TEXT NOT NULL,
                     key TEXT NOT NULL,
                     value BLOB NOT NULL,
                     PRIMARY KEY (plugin, key)
                 ) WITHOUT ROWID;",
            )?;
            conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        } else if version > SCHEMA_VERSION {
            return Err(KvError::Store(format!(
                "{} has schema version {version}, newer than this zeroclaw's {SCHEMA_VERSION}",
                path.display()
            )));
        }
        Ok(KvStore { conn: Mutex::new(conn) })
    }

    /// The value of `key` in `plugin`'s namespace.
    pub fn get(&self, plugin: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        let conn = self.conn.lock();
        Ok(conn
            .query_row("SELECT value FROM kv WHERE plugin = ?1 AND key = ?2", params![plugin, key], |r| r.get(0))
            .optional()?)
    }

    /// Sets `key` to `value`, unless that would take the plugin over `quota`.
    pub fn set(&self, plugin: &str, key: &str, value: &[u8], quota: KvQuota) -> Result<(), KvError> {
        if key.len() > MAX_KEY_BYTES {
            return Err(KvError::Quota(format!("key of {} bytes is longer than {MAX_KEY_BYTES}", key.len())));
        }
        let mut conn = self.conn.lock();
        let tx = conn.transaction()?;
        let (keys, bytes): (u64, u64) = tx.query_row(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(CAST(key AS BLOB)) + LENGTH(value)), 0) FROM kv WHERE plugin = ?1 AND key <> ?2",
            params![plugin, key],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
        )?;
        let new_bytes = bytes + (key.len() + value.len()) as u64;
        if keys + 1 > quota.max_keys {
            return Err(KvError::Quota(format!(
                "would hold {} keys, over the quota of {} (limits.kv_max_keys)",
                keys + 1,
                quota.max_keys
            )));
        }
        if new_bytes > quota.max_bytes {
            return Err(KvError::Quota(format!(
                "would hold {new_bytes} bytes, over the quota of {} (limits.kv_max_bytes)",
                quota.max_bytes
            )));
        }
        tx.execute(
            "INSERT INTO kv (plugin, key, value) VALUES (?1, ?2, ?3)
             ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value",
            params![plugin, key, value],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Deletes `key`; true if it existed.
    pub fn delete(&self, plugin: &str, key: &str) -> Result<bool, KvError> {
        let conn = self.conn.lock();
        Ok(conn.execute("DELETE FROM kv WHERE plugin = ?1 AND key = ?2", params![plugin, key])? > 0)
    }

    /// The plugin's keys, sorted.
    pub fn keys(&self, plugin: &str) -> Result<Vec<String>, KvError> {
        let conn = self.conn.lock();
        let mut stmt = conn.prepare("SELECT key FROM kv WHERE plugin = ?1 ORDER BY key")?;
        let keys = stmt.query_map(params![plugin], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUOTA: KvQuota = KvQuota { max_keys: 2, max_bytes: 20 };

    #[test]
    fn namespaces_are_private_and_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kv.sqlite3");
        let store = KvStore::open(&path).unwrap();
        store.set("a", "k", b"one", QUOTA).unwrap();
        store.set("b", "k", b"two", QUOTA).unwrap();
        drop(store);
        let store = KvStore::open(&path).unwrap();
        assert_eq!(store.get("a", "k").unwrap(), Some(b"one".to_vec()));
        assert_eq!(store.get("b", "k").unwrap(), Some(b"two".to_vec()));
        assert_eq!(store.keys("a").unwrap(), ["k"]);
        assert!(store.delete("a", "k").unwrap());
        assert_eq!(store.get("a", "k").unwrap(), None);
        assert_eq!(store.get("b", "k").unwrap(), Some(b"two".to_vec()), "b is untouched");
    }

    #[test]
    fn quotas_refuse_and_change_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = KvStore::open(&dir.path().join("kv.sqlite3")).unwrap();
        store.set("p", "a", b"1", QUOTA).unwrap();
        store.set("p", "b", b"2", QUOTA).unwrap();
        let err = store.set("p", "c", b"3", QUOTA).unwrap_err();
        assert!(matches!(err, KvError::Quota(ref m) if m.contains("kv_max_keys")), "{err}");
        // Overwriting an existing key is not a new key.
        store.set("p", "a", b"123456", QUOTA).unwrap();
        let err = store.set("p", "a", &[0; 30], QUOTA).unwrap_err();
        assert!(matches!(err, KvError::Quota(ref m) if m.contains("kv_max_bytes")), "{err}");
        assert_eq!(store.get("p", "a").unwrap(), Some(b"123456".to_vec()));
        assert_eq!(store.keys("p").unwrap(), ["a", "b"]);
    }
}
