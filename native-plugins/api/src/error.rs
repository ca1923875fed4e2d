//! Typed errors at the plugin edge.
//!
//! A plugin's own error, a trap, a timeout and a denied capability are different variants,
//! so callers can decide (retry, fall back, quarantine) without parsing strings. Runtime
//! failures carry the [`Owner`], so every message names the plugin id and version.

use std::fmt;

use thiserror::Error;

use crate::owner::Owner;

/// What went wrong when the runtime (not the plugin's own logic) stopped a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// The guest trapped (unreachable, bad memory access, stack overflow, …).
    Trap,
    /// The guest panicked (native: a Rust panic caught by the host).
    Panic,
    /// The call ran past its wall-clock timeout.
    Timeout,
    /// The guest hit its linear-memory cap.
    MemoryLimit,
    /// The guest used up its fuel.
    FuelExhausted,
    /// The guest asked for something it was not granted.
    Denied,
    /// The payload sent to the guest was over the size cap.
    PayloadTooLarge,
    /// The guest returned more than the output cap allows.
    OutputTooLarge,
    /// The guest made more host calls than one call may make.
    HostCallLimit,
    /// All concurrency slots stayed busy for the whole timeout.
    Busy,
    /// The circuit breaker has quarantined the plugin for a cooldown.
    Quarantined,
    /// The guest returned something that breaks the contract (wrong kind, bad JSON, …).
    Contract,
    /// Anything else inside the runtime (instantiation failed, …).
    Internal,
}

impl FailureKind {
    /// A short stable label, used in logs and metrics (`trap`, `timeout`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Trap => "trap",
            FailureKind::Panic => "panic",
            FailureKind::Timeout => "timeout",
            FailureKind::MemoryLimit => "memory_limit",
            FailureKind::FuelExhausted => "fuel_exhausted",
            FailureKind::Denied => "denied",
            FailureKind::PayloadTooLarge => "payload_too_large",
            FailureKind::OutputTooLarge => "output_too_large",
            FailureKind::HostCallLimit => "host_call_limit",
            FailureKind::Busy => "busy",
            FailureKind::Quarantined => "quarantined",
            FailureKind::Contract => "contract",
            FailureKind::Internal => "internal",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A call stopped by the runtime, naming the plugin.
#[derive(Clone, Debug, Error, PartialEq)]
#[error("plugin {owner}: {kind}: {detail}")]
pub struct RuntimeFailure {
    /// Whose call failed.
    pub owner: Owner,
    /// What happened.
    pub kind: FailureKind,
    /// Details for the operator, including what to do where there is something to do.
    pub detail: String,
}

impl RuntimeFailure {
    /// Builds a failure.
    pub fn new(owner: Owner, kind: FailureKind, detail: impl Into<String>) -> Self {
        RuntimeFailure { owner, kind, detail: detail.into() }
    }
}

/// Why a hook handler failed.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum HookError {
    /// The handler's own error.
    #[error("{0}")]
    Handler(String),
    /// The runtime stopped the call.
    #[error(transparent)]
    Runtime(#[from] RuntimeFailure),
}

/// Why a tool call failed.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum ToolError {
    /// The arguments do not fit the tool's schema or meaning.
    #[error("invalid arguments: {0}")]
    InvalidArguments(String),
    /// The tool ran and failed.
    #[error("{0}")]
    Execution(String),
    /// The host's policy (or a hook) refused the call.
    #[error("not permitted: {0}")]
    Denied(String),
    /// The runtime stopped the call.
    #[error(transparent)]
    Runtime(#[from] RuntimeFailure),
}

/// Why a provider call failed.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum ProviderError {
    /// Worth retrying: network errors, server errors, timeouts of the remote side.
    #[error("transient provider error: {0}")]
    Transient(String),
    /// The server asked us to slow down.
    #[error("rate limited: {message}")]
    RateLimited {
        /// What the server said.
        message: String,
        /// How long the server asked to wait, when it said.
        retry_after_ms: Option<u64>,
    },
    /// Never worth retrying: bad request, authentication, unknown model.
    #[error("provider error: {0}")]
    Permanent(String),
    /// The runtime stopped the call (a wasm provider trapped, timed out, …).
    #[error(transparent)]
    Runtime(#[from] RuntimeFailure),
}

impl ProviderError {
    /// Whether the same request may succeed if sent again to the same provider.
    ///
    /// A runtime failure is not retried on the same provider (a trapping plugin traps
    /// again) but is a reason to move down a fallback chain.
    pub fn is_retryable(&self) -> bool {
        match self {
            ProviderError::Transient(_) | ProviderError::RateLimited { .. } => true,
            ProviderError::Permanent(_) | ProviderError::Runtime(_) => false,
        }
    }
}

/// Why a native factory could not build its plugin.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum FactoryError {
    /// The plugin's config section is wrong; the message says which key and why.
    #[error("invalid config: {0}")]
    Config(String),
    /// Anything else (a file that cannot be opened, …).
    #[error("{0}")]
    Init(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_failure_message_names_plugin_and_kind() {
        let failure = RuntimeFailure::new(Owner::wasm("loop", "0.1.0", 2), FailureKind::Timeout, "after 50 ms");
        assert_eq!(failure.to_string(), "plugin wasm:loop@0.1.0: timeout: after 50 ms");
    }

    #[test]
    fn only_transient_provider_errors_are_retryable() {
        assert!(ProviderError::Transient("502".into()).is_retryable());
        assert!(ProviderError::RateLimited { message: "slow".into(), retry_after_ms: None }.is_retryable());
        assert!(!ProviderError::Permanent("401".into()).is_retryable());
        let trap = RuntimeFailure::new(Owner::native("x"), FailureKind::Trap, "boom");
        assert!(!ProviderError::Runtime(trap).is_retryable());
    }
}
