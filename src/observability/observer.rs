//! Observers: who receives the event stream.

use std::sync::Arc;

use super::event::Event;

/// Receives every host event. Called inline: implementations must be quick and must not
/// block (the ObserverBridge hands events to plugins through a bounded queue).
pub trait Observer: Send + Sync {
    /// One event.
    fn record(&self, event: &Event);
}

/// Forwards every event to each of several observers.
#[derive(Clone, Default)]
pub struct Observers {
    all: Vec<Arc<dyn Observer>>,
}

impl Observers {
    /// No observers.
    pub fn new() -> Self {
        Observers::default()
    }

    /// Adds an observer.
    pub fn with(mut self, observer: Arc<dyn Observer>) -> Self {
        self.all.push(observer);
        self
    }
}

impl Observer for Observers {
    fn record(&self, event: &Event) {
        for observer in &self.all {
            observer.record(event);
        }
    }
}

/// Writes events to the log (`tracing`, target `zeroclaw::events`).
pub struct TracingObserver;

impl Observer for TracingObserver {
    fn record(&self, event: &Event) {
        match event {
            Event::Error { .. }
            | Event::PluginFailure { .. }
            | Event::PluginBusy { .. }
            | Event::PluginQuarantined { .. } => {
                tracing::warn!(target: "zeroclaw::events", event = event.name(), "{}", serde_json::to_string(event).unwrap_or_default());
            }
            _ => {
                tracing::debug!(target: "zeroclaw::events", event = event.name(), "{}", serde_json::to_string(event).unwrap_or_default());
            }
        }
    }
}
