//! What a plugin logs during a test: the host writes each line of `zeroclaw:host/log` as a
//! `tracing` event on target `plugin`; this subscriber keeps them.

use std::sync::{Arc, Mutex, PoisonError};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// One line a plugin logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// `TRACE`, `DEBUG`, `INFO`, `WARN` or `ERROR`.
    pub level: Level,
    /// The text.
    pub message: String,
}

/// The lines logged so far, shared by the subscribers of each call.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<LogLine>>>);

impl Logs {
    /// Every line so far, oldest first.
    pub fn lines(&self) -> Vec<LogLine> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// A subscriber that keeps the plugin lines of the events it sees.
    pub fn subscriber(&self) -> impl Subscriber + Send + Sync {
        tracing_subscriber::registry().with(Keep(self.clone()))
    }
}

struct Keep(Logs);

impl<S: Subscriber> Layer<S> for Keep {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() != zeroclaw::observability::log::PLUGIN_LOG {
            return;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        let line = LogLine { level: *event.metadata().level(), message: message.0 };
        (self.0).0.lock().unwrap_or_else(PoisonError::into_inner).push(line);
    }
}

struct Message(String);

impl Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = value.to_string();
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}
