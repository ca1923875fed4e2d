//! The sessions held in memory: a bounded cache in front of the transcripts.
//!
//! At most `max` sessions are held; a new one past that pushes out the least recently
//! used. A session some caller holds (a turn running on it) is never pushed out, so the
//! cache may exceed `max` by the number of turns in flight. Sessions idle for longer than
//! a bound are taken out by [`Sessions::take_idle`]. What leaves is handed back to the
//! caller, which ends it (`session_end`); its next message rebuilds it from its transcript.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use super::session::Session;

/// A session as callers share it.
pub type SharedSession = Arc<AsyncMutex<Session>>;

struct Cached {
    session: SharedSession,
    last_used: Instant,
}

/// What [`Sessions::get_or_insert`] found.
pub enum Lookup {
    /// The session was in memory.
    Found(SharedSession),
    /// It was not: a new one was inserted, locked for the caller to fill (from its
    /// transcript) before anyone else can use it.
    Inserted {
        /// The session.
        session: SharedSession,
        /// The lock on it, held by the caller.
        guard: OwnedMutexGuard<Session>,
        /// The session pushed out to make room, for the caller to end.
        evicted: Option<SharedSession>,
    },
}

/// The bounded session cache.
pub struct Sessions {
    map: Mutex<HashMap<String, Cached>>,
    max: usize,
}

/// Whether nobody but the cache holds `session` (no turn is running on it).
fn unused(session: &SharedSession) -> bool {
    Arc::strong_count(session) == 1
}

impl Sessions {
    /// A cache of at most `max` sessions.
    pub fn new(max: usize) -> Self {
        Sessions { map: Mutex::new(HashMap::new()), max: max.max(1) }
    }

    /// Session `id`, marked used now; when absent, `make()` is inserted, locked.
    pub fn get_or_insert(&self, id: &str, make: impl FnOnce() -> Session) -> Lookup {
        let now = Instant::now();
        let mut map = self.map.lock();
        if let Some(cached) = map.get_mut(id) {
            cached.last_used = now;
            return Lookup::Found(cached.session.clone());
        }
        let evicted = if map.len() >= self.max {
            let oldest = map
                .iter()
                .filter(|(_, c)| unused(&c.session))
                .min_by_key(|(_, c)| c.last_used)
                .map(|(id, _)| id.clone());
            oldest.and_then(|id| map.remove(&id)).map(|c| c.session)
        } else {
            None
        };
        let session = Arc::new(AsyncMutex::new(make()));
        let guard = session.clone().try_lock_owned().expect("a session nobody else has seen is free");
        map.insert(id.to_string(), Cached { session: session.clone(), last_used: now });
        Lookup::Inserted { session, guard, evicted }
    }

    /// Takes session `id` out of memory.
    pub fn remove(&self, id: &str) -> Option<SharedSession> {
        self.map.lock().remove(id).map(|c| c.session)
    }

    /// Takes out every session not used for `idle` or longer (and not in a turn).
    pub fn take_idle(&self, idle: Duration) -> Vec<SharedSession> {
        let now = Instant::now();
        let mut map = self.map.lock();
        let ids: Vec<String> = map
            .iter()
            .filter(|(_, c)| now.duration_since(c.last_used) >= idle && unused(&c.session))
            .map(|(id, _)| id.clone())
            .collect();
        ids.into_iter().filter_map(|id| map.remove(&id)).map(|c| c.session).collect()
    }

    /// Whether session `id` is in memory.
    pub fn contains(&self, id: &str) -> bool {
        self.map.lock().contains_key(id)
    }

    /// Ids of the sessions in memory, sorted.
    pub fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.map.lock().keys().cloned().collect();
        ids.sort();
        ids
    }

    /// Sessions in memory.
    pub fn len(&self) -> usize {
        self.map.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(sessions: &Sessions, id: &str) -> Option<SharedSession> {
        match sessions.get_or_insert(id, || Session::new(id, "cli", 10)) {
            Lookup::Inserted { evicted, .. } => evicted,
            Lookup::Found(_) => panic!("{id} was already there"),
        }
    }

    #[test]
    fn the_least_recently_used_idle_session_leaves_first() {
        let sessions = Sessions::new(2);
        assert!(insert(&sessions, "a").is_none());
        assert!(insert(&sessions, "b").is_none());
        let _ = sessions.get_or_insert("a", || unreachable!()); // a is now the most recent
        let evicted = insert(&sessions, "c").expect("one leaves");
        assert_eq!(evicted.try_lock().unwrap().id, "b");
        assert_eq!(sessions.ids(), vec!["a", "c"]);
    }

    #[test]
    fn a_session_in_a_turn_is_never_pushed_out() {
        let sessions = Sessions::new(1);
        insert(&sessions, "busy");
        let Lookup::Found(held) = sessions.get_or_insert("busy", || unreachable!()) else { panic!() };
        assert!(insert(&sessions, "next").is_none(), "the held one stays");
        assert_eq!(sessions.len(), 2);
        drop(held);
        assert_eq!(sessions.take_idle(Duration::ZERO).len(), 2, "once free, both can leave");
        assert_eq!(sessions.len(), 0);
    }
}
