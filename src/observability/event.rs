//! The events of the observer stream.
//!
//! Owners, call sites and failure classes stay typed inside an event; they become text
//! only when it is serialised (logs, the `observer_event` payload).

use std::fmt;

use serde::{Serialize, Serializer};
use zeroclaw_plugin_api::{FailureKind, HookPoint, Owner};

/// Where a plugin was called.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallSite {
    /// A hook point.
    Hook(HookPoint),
    /// A tool, by name.
    Tool(String),
    /// A provider, by name.
    Provider(String),
}

impl fmt::Display for CallSite {
    /// `before_tool_call`, `tool:<name>` or `provider:<name>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallSite::Hook(point) => f.write_str(point.name()),
            CallSite::Tool(name) => write!(f, "tool:{name}"),
            CallSite::Provider(name) => write!(f, "provider:{name}"),
        }
    }
}

/// What went wrong with a plugin call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureClass {
    /// The plugin's runtime failed it (trap, timeout, memory, contract, quarantined, busy, …).
    Runtime(FailureKind),
    /// The handler returned its own error.
    Error,
    /// The handler panicked.
    Panic,
    /// The handler ran past the runner's timeout.
    Timeout,
    /// The runner refused its outcome (wrong payload kind, missing right).
    Refused,
}

impl FailureClass {
    /// The label in logs and events: a [`FailureKind`] name, `error`, `panic`, `timeout`
    /// or `refused`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureClass::Runtime(kind) => kind.as_str(),
            FailureClass::Error => "error",
            FailureClass::Panic => "panic",
            FailureClass::Timeout => "timeout",
            FailureClass::Refused => "refused",
        }
    }
}

impl fmt::Display for FailureClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialises a typed field by its display text.
fn as_text<T: fmt::Display, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Something that happened in the host, for observers (logs, metrics, the ObserverBridge).
///
/// Events carry names, sizes, owners and timings: never message content, so that
/// forwarding them to plugins does not leak the conversation.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A turn began.
    AgentStart {
        /// The session.
        session_id: String,
        /// The channel.
        channel: String,
    },
    /// A turn ended.
    AgentEnd {
        /// The session.
        session_id: String,
        /// Provider round trips.
        iterations: u32,
        /// Tool calls.
        tool_calls: u32,
        /// How long it took.
        duration_ms: u64,
        /// Why it stopped early, if it did.
        cancelled: Option<String>,
    },
    /// A request went to a provider.
    LlmRequest {
        /// The provider.
        provider: String,
        /// The model asked for.
        model: String,
        /// Messages in the request.
        messages: usize,
    },
    /// A provider answered (or failed).
    LlmResponse {
        /// The provider.
        provider: String,
        /// How long it took.
        duration_ms: u64,
        /// Whether it answered.
        success: bool,
        /// Tokens used.
        tokens: u32,
    },
    /// A tool call is about to run.
    ToolCallStart {
        /// The tool.
        tool: String,
        /// Who serves it.
        #[serde(serialize_with = "as_text")]
        owner: Owner,
    },
    /// A plugin called a tool (`tools:invoke`); its `tool_call_end` came before.
    PluginToolCall {
        /// The plugin that called it.
        #[serde(serialize_with = "as_text")]
        caller: Owner,
        /// The tool.
        tool: String,
        /// Who served it (empty when nothing ran).
        owner: String,
        /// Whether it produced a result.
        success: bool,
        /// The plugins the call was nested in, outermost first (`a → b`).
        chain: String,
    },
    /// A tool call finished (or was refused).
    ToolCallEnd {
        /// The tool.
        tool: String,
        /// Who served it (empty when nothing ran).
        owner: String,
        /// Whether it succeeded.
        success: bool,
        /// How long it took.
        duration_ms: u64,
    },
    /// A turn's reply was delivered (or suppressed).
    TurnComplete {
        /// The session.
        session_id: String,
        /// Turns so far in the session.
        turns: u32,
    },
    /// History was compacted.
    Compaction {
        /// The session.
        session_id: String,
        /// Messages replaced by the summary.
        compacted: u32,
    },
    /// Something failed in the host.
    Error {
        /// Where.
        component: String,
        /// What.
        message: String,
    },
    /// A plugin's handler, tool or provider failed.
    PluginFailure {
        /// The plugin.
        #[serde(serialize_with = "as_text")]
        owner: Owner,
        /// Where: a hook point name, `tool:<name>` or `provider:<name>`.
        #[serde(serialize_with = "as_text")]
        site: CallSite,
        /// The failure class (`trap`, `timeout`, …).
        #[serde(serialize_with = "as_text")]
        kind: FailureClass,
        /// The message.
        message: String,
    },
    /// A call to a plugin gave up waiting for one of its concurrency slots: the host was
    /// busy, the plugin did nothing wrong (never counted as its failure).
    PluginBusy {
        /// The plugin.
        #[serde(serialize_with = "as_text")]
        owner: Owner,
        /// Where: a hook point name, `tool:<name>` or `provider:<name>`.
        #[serde(serialize_with = "as_text")]
        site: CallSite,
        /// The message.
        message: String,
    },
    /// A plugin was quarantined by its circuit breaker.
    PluginQuarantined {
        /// The plugin.
        owner: String,
        /// For how long.
        duration_ms: u64,
        /// The failure that tipped it.
        reason: String,
    },
    /// A quarantined plugin answered again.
    PluginRecovered {
        /// The plugin.
        owner: String,
    },
    /// A reload was attempted.
    Reload {
        /// The generation now serving.
        generation: u64,
        /// Plugins that failed to load (kept at their last good version when they had one).
        failures: Vec<String>,
    },
}

impl Event {
    /// The event for a plugin call that failed as `kind`: [`Event::PluginBusy`] when the
    /// host was busy, else [`Event::PluginFailure`].
    pub fn plugin_failure(owner: Owner, site: CallSite, kind: FailureClass, message: String) -> Event {
        match kind {
            FailureClass::Runtime(FailureKind::Busy) => Event::PluginBusy { owner, site, message },
            _ => Event::PluginFailure { owner, site, kind, message },
        }
    }

    /// The event's snake_case name (`tool_call_end`).
    pub fn name(&self) -> &'static str {
        match self {
            Event::AgentStart { .. } => "agent_start",
            Event::AgentEnd { .. } => "agent_end",
            Event::LlmRequest { .. } => "llm_request",
            Event::LlmResponse { .. } => "llm_response",
            Event::ToolCallStart { .. } => "tool_call_start",
            Event::ToolCallEnd { .. } => "tool_call_end",
            Event::PluginToolCall { .. } => "plugin_tool_call",
            Event::TurnComplete { .. } => "turn_complete",
            Event::Compaction { .. } => "compaction",
            Event::Error { .. } => "error",
            Event::PluginFailure { .. } => "plugin_failure",
            Event::PluginBusy { .. } => "plugin_busy",
            Event::PluginQuarantined { .. } => "plugin_quarantined",
            Event::PluginRecovered { .. } => "plugin_recovered",
            Event::Reload { .. } => "reload",
        }
    }

    /// The event as the `observer_event` hook payload: its name and its fields.
    pub fn to_payload(&self) -> zeroclaw_plugin_api::ObserverEvent {
        let mut fields = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = fields.as_object_mut() {
            map.remove("event");
        }
        zeroclaw_plugin_api::ObserverEvent { name: self.name().to_string(), fields }
    }
}
