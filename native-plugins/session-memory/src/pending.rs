//! Session summaries waiting to be written, flushed in bounded batches.
//!
//! Writing a session's summary after every turn, one transaction each, made every chat
//! wait on SQLite's write lock (shared with the host's transcript writes). Instead the
//! latest summary of each changed session waits here and a background task writes them
//! all in one transaction every [`FLUSH_EVERY`]. A session that ends writes its own
//! pending summary at once ([`PendingSummaries::finish`]), so a shutdown writes only what
//! changed since the last flush, and a crash loses at most that much.
//!
//! One lock orders the writes: a flush and a session's finish never interleave, so an
//! older summary can never overwrite a newer one.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;

use crate::store::{MemoryError, PendingSummary, SummaryStore};

/// How often pending summaries are written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// The latest summary of each session changed since the last flush.
pub struct PendingSummaries {
    store: Arc<SummaryStore>,
    /// By session id.
    waiting: Mutex<HashMap<String, PendingSummary>>,
    /// Held while writing, so writes happen in the order they were taken.
    writing: tokio::sync::Mutex<()>,
    flusher_started: std::sync::atomic::AtomicBool,
}

impl PendingSummaries {
    /// Pending summaries for `store`.
    pub fn new(store: Arc<SummaryStore>) -> Arc<Self> {
        Arc::new(PendingSummaries {
            store,
            waiting: Mutex::default(),
            writing: tokio::sync::Mutex::new(()),
            flusher_started: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Makes `summary` the pending summary of session `session_id`'s lifetime that began at
    /// `since_ms` (replacing an older pending one).
    pub fn set(self: &Arc<Self>, session_id: &str, channel: &str, summary: String, since_ms: i64) {
        let entry = PendingSummary { session_id: session_id.into(), channel: channel.into(), summary, since_ms };
        self.waiting.lock().insert(session_id.to_string(), entry);
        if !self.flusher_started.swap(true, std::sync::atomic::Ordering::AcqRel) {
            spawn_flusher(Arc::downgrade(self));
        }
    }

    /// Writes every pending summary in one transaction; returns how many.
    pub async fn flush(&self) -> Result<usize, MemoryError> {
        let _writing = self.writing.lock().await;
        let batch: Vec<PendingSummary> = self.waiting.lock().drain().map(|(_, entry)| entry).collect();
        let count = batch.len();
        if count == 0 {
            return Ok(0);
        }
        if let Err(e) = self.write(batch.clone()).await {
            // Kept for the next flush, unless a newer summary of the session came meanwhile.
            let mut waiting = self.waiting.lock();
            for entry in batch {
                waiting.entry(entry.session_id.clone()).or_insert(entry);
            }
            return Err(e);
        }
        Ok(count)
    }

    /// Writes session `session_id`'s pending summary now, if it has one (it is ending).
    pub async fn finish(&self, session_id: &str) -> Result<(), MemoryError> {
        let _writing = self.writing.lock().await;
        let Some(entry) = self.waiting.lock().remove(session_id) else { return Ok(()) };
        self.write(vec![entry]).await
    }

    async fn write(&self, batch: Vec<PendingSummary>) -> Result<(), MemoryError> {
        let store = self.store.clone();
        let path = store.path().to_path_buf();
        tokio::task::spawn_blocking(move || store.set_session_summaries(&batch))
            .await
            .map_err(|e| MemoryError { path, message: format!("memory task failed: {e}") })?
    }
}

/// Flushes every [`FLUSH_EVERY`] for as long as the pending summaries exist.
fn spawn_flusher(pending: Weak<PendingSummaries>) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(FLUSH_EVERY).await;
            let Some(pending) = pending.upgrade() else { break };
            if let Err(e) = pending.flush().await {
                tracing::error!(plugin = "native:session_memory", "{e}; the summaries are retried at the next flush");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_finish_writes_its_own_session_and_a_flush_writes_the_rest_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SummaryStore::new(&dir.path().join("m.sqlite3")));
        let pending = PendingSummaries::new(store.clone());
        // No background flusher: on a slow machine it could flush `b` between the two
        // finishes below. This test drives every write itself.
        pending.flusher_started.store(true, std::sync::atomic::Ordering::Release);
        pending.set("a", "cli", "a1".into(), 0);
        pending.set("a", "cli", "a2".into(), 0); // the newer one replaces it
        pending.set("b", "cli", "b1".into(), 0);
        pending.finish("a").await.unwrap();
        let stored = |store: &SummaryStore| -> Vec<String> {
            store.list(None).unwrap().into_iter().map(|s| format!("{}={}", s.session_id, s.summary)).collect()
        };
        assert_eq!(stored(&store), ["a=a2"], "a finish writes only its session");
        pending.finish("a").await.unwrap();
        assert_eq!(stored(&store), ["a=a2"], "nothing pending: nothing written");
        assert_eq!(pending.flush().await.unwrap(), 1);
        assert_eq!(stored(&store), ["a=a2", "b=b1"]);
        assert_eq!(pending.flush().await.unwrap(), 0);
    }
}
