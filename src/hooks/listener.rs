//! What the runner reports about each handler call, for traces, metrics and the observer.

use std::fmt;
use std::time::Duration;

use zeroclaw_plugin_api::{FailureKind, HookContext, HookError, HookPoint};

use crate::observability::FailureClass;
use crate::plugins::HookEntry;

/// Why a handler call produced no outcome.
#[derive(Clone, Debug, PartialEq)]
pub enum HandlerFailure {
    /// The handler returned an error (its own, or a runtime failure of a wasm handler).
    Error(HookError),
    /// The handler panicked.
    Panic(String),
    /// The handler ran past the runner's timeout.
    Timeout(Duration),
}

impl HandlerFailure {
    /// Its class: the handler's own error, a panic, the runner's timeout, or the runtime
    /// failure kind.
    pub fn class(&self) -> FailureClass {
        match self {
            HandlerFailure::Error(HookError::Handler(_)) => FailureClass::Error,
            HandlerFailure::Error(HookError::Runtime(f)) => FailureClass::Runtime(f.kind),
            HandlerFailure::Panic(_) => FailureClass::Panic,
            HandlerFailure::Timeout(_) => FailureClass::Timeout,
        }
    }

    /// A short label: `error`, `panic`, `timeout`, or the runtime failure kind.
    pub fn label(&self) -> &'static str {
        self.class().as_str()
    }

    /// Whether it was a timeout (of the runner or of the wasm runtime).
    pub fn is_timeout(&self) -> bool {
        matches!(self.class(), FailureClass::Timeout | FailureClass::Runtime(FailureKind::Timeout))
    }
}

impl fmt::Display for HandlerFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandlerFailure::Error(e) => write!(f, "{e}"),
            HandlerFailure::Panic(message) => write!(f, "panicked: {message}"),
            HandlerFailure::Timeout(after) => write!(f, "timed out after {} ms", after.as_millis()),
        }
    }
}

/// What one handler call came to.
#[derive(Clone, Debug, PartialEq)]
pub enum HandlerOutcome {
    /// Passed the payload on unchanged (or observed a void point).
    Continued,
    /// Rewrote the payload.
    Modified,
    /// Cancelled the hook with a reason.
    Cancelled(String),
    /// Returned an outcome the runner refused (wrong payload kind, missing right, modify
    /// on a void point); the previous value passed on.
    Refused(String),
    /// Failed; skipped (fail-open) or turned into a cancel (fail-closed).
    Failed(HandlerFailure),
}

impl HandlerOutcome {
    /// `continue`, `modify`, `cancel`, `refused` or `failed`.
    pub fn label(&self) -> &'static str {
        match self {
            HandlerOutcome::Continued => "continue",
            HandlerOutcome::Modified => "modify",
            HandlerOutcome::Cancelled(_) => "cancel",
            HandlerOutcome::Refused(_) => "refused",
            HandlerOutcome::Failed(_) => "failed",
        }
    }
}

/// One handler call, as reported to listeners.
pub struct HandlerEvent<'a> {
    /// The hook point.
    pub point: HookPoint,
    /// Where it fired.
    pub ctx: &'a HookContext,
    /// The handler's entry (owner, name, priority).
    pub entry: &'a HookEntry,
    /// What it came to.
    pub outcome: &'a HandlerOutcome,
    /// How long the call took.
    pub elapsed: Duration,
}

/// Receives every handler call (the demo trace, the observer's failure events).
///
/// Called inline on the hook's path: implementations must be quick and must not block.
pub trait HookListener: Send + Sync {
    /// One handler call finished.
    fn on_handler(&self, event: &HandlerEvent<'_>);
}
