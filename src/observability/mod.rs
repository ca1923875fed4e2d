//! Observability: the host's event stream and who receives it (logs, metrics, and, through
//! the ObserverBridge in `plugins::bridge`, plugins subscribed to `observer_event`).

mod event;
mod hook_failures;
mod metrics;
mod observer;

pub use event::Event;
pub use hook_failures::HookFailures;
pub use metrics::MetricsObserver;
pub use observer::{Observer, Observers, TracingObserver};
