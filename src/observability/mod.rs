//! Observability: the host's event stream and who receives it (logs, metrics, and, through
//! the [`ObserverBridge`], plugins subscribed to `observer_event`), the
//! host log itself, and the escaping that keeps outside text from forging either.

mod bridge;
pub mod escape;
mod event;
mod hook_failures;
pub mod log;
mod metrics;
mod observer;

pub use bridge::ObserverBridge;
pub use escape::{for_one_line, for_terminal};
pub use event::{CallSite, Event, FailureClass};
pub use hook_failures::HookFailures;
pub use metrics::MetricsObserver;
pub use observer::{Observer, Observers, TracingObserver};
