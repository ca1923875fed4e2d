//! Per-entry call counters, shared lock-free between the runner and the metrics endpoint.
//!
//! Each hook, tool and provider entry holds an `Arc<CallStats>`. The snapshot builder
//! carries it over to the next generation for the same owner and name, so counters survive
//! reloads.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use zeroclaw_plugin_api::{HookPoint, Owner};

/// Upper bounds (µs) of the latency histogram buckets; the last bucket is unbounded.
pub const LATENCY_BUCKETS_US: [u64; 10] = [1, 5, 10, 50, 100, 500, 1_000, 5_000, 50_000, 500_000];

/// Counters of one entry.
#[derive(Debug, Default)]
pub struct CallStats {
    calls: AtomicU64,
    errors: AtomicU64,
    timeouts: AtomicU64,
    refused: AtomicU64,
    total_ns: AtomicU64,
    buckets: [AtomicU64; LATENCY_BUCKETS_US.len() + 1],
}

/// A copy of the counters at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatsView {
    /// Calls made (each outcome counts once).
    pub calls: u64,
    /// Calls that failed (error, trap, panic, timeout, …).
    pub errors: u64,
    /// Of those, timeouts.
    pub timeouts: u64,
    /// Outcomes refused by the runner (wrong kind, missing right).
    pub refused: u64,
    /// Sum of call durations, in nanoseconds.
    pub total_ns: u64,
    /// Calls per latency bucket (see [`LATENCY_BUCKETS_US`]), not cumulative.
    pub buckets: Vec<u64>,
}

impl CallStats {
    /// Counts one call that took `elapsed`.
    pub fn record_call(&self, elapsed: Duration) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let ns = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.total_ns.fetch_add(ns, Ordering::Relaxed);
        let us = ns / 1_000;
        let bucket = LATENCY_BUCKETS_US.iter().position(|&bound| us <= bound).unwrap_or(LATENCY_BUCKETS_US.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a failure (`timeout` also counts it as a timeout).
    pub fn record_error(&self, timeout: bool) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        if timeout {
            self.timeouts.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts one call that began at `started` and failed (`Some(timed_out)`) or not
    /// (`None`): what every entry's own wrapper records.
    pub fn record_since(&self, started: std::time::Instant, failed: Option<bool>) {
        self.record_call(started.elapsed());
        if let Some(timed_out) = failed {
            self.record_error(timed_out);
        }
    }

    /// Counts a refused outcome.
    pub fn record_refused(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    /// Reads the counters.
    pub fn view(&self) -> StatsView {
        StatsView {
            calls: self.calls.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            timeouts: self.timeouts.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            total_ns: self.total_ns.load(Ordering::Relaxed),
            buckets: self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).collect(),
        }
    }
}

/// Counters by entry key, kept across snapshot generations.
///
/// Only the snapshot builder touches it (off the hot path); calls update the `CallStats`
/// they hold directly.
#[derive(Debug, Default)]
pub struct StatsBook {
    entries: parking_lot::Mutex<HashMap<StatsKey, Arc<CallStats>>>,
}

impl StatsBook {
    /// The counters for `key`, created on first use.
    pub fn get(&self, key: StatsKey) -> Arc<CallStats> {
        self.entries.lock().entry(key).or_default().clone()
    }
}

/// A plugin across its versions and generations: what counters are kept by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PluginKey {
    backend: Arc<str>,
    id: Arc<str>,
}

impl PluginKey {
    /// The key of `owner`'s plugin (its version and generation left out).
    pub fn of(owner: &Owner) -> Self {
        PluginKey { backend: owner.backend().into(), id: owner.plugin_id().into() }
    }
}

/// Which entry a counter belongs to: the same key in the next generation gets the same
/// counters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StatsKey {
    /// One handler of one plugin on one point.
    Hook {
        /// The point.
        point: HookPoint,
        /// The plugin.
        plugin: PluginKey,
        /// The handler's name.
        handler: Arc<str>,
    },
    /// One tool of one plugin.
    Tool {
        /// The tool's name.
        name: String,
        /// The plugin.
        plugin: PluginKey,
    },
    /// One provider of one plugin.
    Provider {
        /// The provider's name.
        name: String,
        /// The plugin.
        plugin: PluginKey,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_land_in_their_latency_bucket() {
        let stats = CallStats::default();
        stats.record_call(Duration::from_nanos(500));
        stats.record_call(Duration::from_micros(7));
        stats.record_call(Duration::from_secs(10));
        stats.record_error(true);
        let view = stats.view();
        assert_eq!(view.calls, 3);
        assert_eq!((view.errors, view.timeouts), (1, 1));
        assert_eq!(view.buckets[0], 1);
        assert_eq!(view.buckets[2], 1);
        assert_eq!(view.buckets[LATENCY_BUCKETS_US.len()], 1);
    }
}
