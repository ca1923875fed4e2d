//! The registry: an immutable [`Snapshot`] of every hook, tool and provider, published
//! through an atomic pointer.
//!
//! Readers call [`Registry::current`] and get an `Arc<Snapshot>`: no lock, and the snapshot
//! they hold stays valid (with every plugin it references) until they drop it, whatever is
//! published meanwhile. Writers build a whole new snapshot with [`SnapshotBuilder`] and
//! [`Registry::publish`] it in one swap.

mod builder;
mod entry;
mod error;
mod record;
mod snapshot;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arc_swap::ArcSwap;

pub use builder::{Precedence, SnapshotBuilder};
pub use entry::{HookEntry, ProviderEntry, ToolEntry};
pub use error::RegistryError;
pub use record::{Diagnostic, PluginHealth, PluginRecord, PluginStatus};
pub use snapshot::{EntryRow, Snapshot};

use crate::plugins::stats::StatsBook;

/// The current snapshot, swapped atomically.
pub struct Registry {
    current: ArcSwap<Snapshot>,
    last_generation: AtomicU64,
    stats: StatsBook,
}

impl Registry {
    /// A registry serving `snapshot`.
    pub fn new(snapshot: Snapshot) -> Self {
        let generation = snapshot.generation();
        Registry {
            current: ArcSwap::from_pointee(snapshot),
            last_generation: AtomicU64::new(generation),
            stats: StatsBook::default(),
        }
    }

    /// The snapshot in force. Lock-free; hold the `Arc` for the length of one call.
    pub fn current(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// The snapshot in force, borrowed: cheaper than [`current`](Self::current) (no reference
    /// count touched while a per-thread slot is free), for a caller that holds it for one
    /// dispatch.
    pub(crate) fn borrow(&self) -> arc_swap::Guard<Arc<Snapshot>> {
        self.current.load()
    }

    /// A fresh generation number for the next snapshot.
    pub fn next_generation(&self) -> u64 {
        self.last_generation.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Counters that survive reloads, by entry key.
    pub fn stats(&self) -> &StatsBook {
        &self.stats
    }

    /// Publishes `snapshot`; calls in flight keep the one they hold.
    pub fn publish(&self, snapshot: Snapshot) -> Arc<Snapshot> {
        let snapshot = Arc::new(snapshot);
        self.current.store(snapshot.clone());
        snapshot
    }
}

impl Default for Registry {
    /// A registry serving an empty snapshot (generation 0).
    fn default() -> Self {
        Registry::new(Snapshot::empty(0))
    }
}
