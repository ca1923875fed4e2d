//! Payload types of the hook catalog, one per hook point (two points may share one).
//!
//! Payloads are plain data: the runner clones them only when a handler rewrites them.

use serde::{Deserialize, Serialize};

use crate::types::{ChatMessage, ChatRequest, ChatResponse, TokenUsage, ToolCall, ToolResult};

/// `gateway_start`: the HTTP gateway is listening.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GatewayStart {
    /// The address it listens on.
    pub bind_addr: String,
}

/// `gateway_stop`: the gateway is shutting down gracefully.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GatewayStop {
    /// The address it listened on.
    pub bind_addr: String,
    /// Why it stops (`SIGTERM`, `SIGINT`, `requested`).
    pub reason: String,
}

/// `session_start`: the first message of a session arrived.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionStart {
    /// The session id.
    pub session_id: String,
    /// The channel it came from (`cli`, `gateway`, …).
    pub channel: String,
}

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionEndReason {
    /// The channel closed it (end of input, explicit close).
    Closed,
    /// The user reset it.
    Reset,
    /// The host is shutting down.
    Shutdown,
    /// No message came for `gateway.session_idle_secs`; the session leaves memory and
    /// resumes from its transcript on its next message.
    Idle,
    /// Pushed out of memory by `gateway.max_sessions` (least recently used first); it
    /// resumes from its transcript on its next message.
    Evicted,
}

impl SessionEndReason {
    /// The wire name (`closed`, `reset`, `shutdown`, `idle`, `evicted`).
    pub fn as_str(self) -> &'static str {
        match self {
            SessionEndReason::Closed => "closed",
            SessionEndReason::Reset => "reset",
            SessionEndReason::Shutdown => "shutdown",
            SessionEndReason::Idle => "idle",
            SessionEndReason::Evicted => "evicted",
        }
    }
}

/// `session_end`: a session is over.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionEnd {
    /// The session id.
    pub session_id: String,
    /// The channel it came from.
    pub channel: String,
    /// Why it ended.
    pub reason: SessionEndReason,
    /// How many turns it had.
    pub turns: u32,
}

/// `before_agent_start`: a turn is about to begin. Handlers may rewrite the system prompt
/// and the extra context; `user_message` is given for relevance and is read-only (rewrite
/// messages in `message_received`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentStart {
    /// The system prompt the provider will see.
    pub system_prompt: String,
    /// Extra context blocks appended to the system prompt, in order.
    pub context: Vec<String>,
    /// The user message that starts the turn (read-only).
    pub user_message: String,
}

/// `message_received`: a message arrived on a channel. A cancel drops it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// The channel (`cli`, `gateway`).
    pub channel: String,
    /// Who sent it, as the channel knows them.
    pub sender: String,
    /// The text.
    pub content: String,
}

/// `message_sending` (modifying; a cancel suppresses the reply) and `message_sent` (void).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboundMessage {
    /// The channel.
    pub channel: String,
    /// Who receives it.
    pub recipient: String,
    /// The text.
    pub content: String,
}

/// `before_llm_call`: the request about to go to a provider. A cancel ends the turn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LlmCall {
    /// The provider that will serve it.
    pub provider: String,
    /// The request.
    pub request: ChatRequest,
}

/// `llm_output`: what a provider answered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LlmOutput {
    /// The provider that answered.
    pub provider: String,
    /// The answer.
    pub response: ChatResponse,
    /// How long the call took.
    pub duration_ms: u64,
}

/// `llm_error`: a provider call failed, after the retry and fallback wrappers gave up
/// (contract 1.1). The turn ends with the error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LlmError {
    /// The provider that was called.
    pub provider: String,
    /// What it answered, as one line.
    pub error: String,
    /// How long the call took.
    pub duration_ms: u64,
}

/// `after_tool_call`: a tool call finished (or was refused).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AfterToolCall {
    /// The call as it was run.
    pub call: ToolCall,
    /// Its result as it entered the history.
    pub result: ToolResult,
    /// Who served it (`native:file_read`, `wasm:stats@0.1.0`), empty when nothing ran.
    pub owner: String,
    /// How long it took.
    pub duration_ms: u64,
}

/// `tool_result_persist`: a tool result about to enter the history and the transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolResultPersist {
    /// The call that produced it.
    pub call: ToolCall,
    /// The result; handlers with `tool-results:modify` may rewrite it.
    pub result: ToolResult,
}

/// `before_compaction`: the slice of history about to be summarised. A rewrite changes
/// what is summarised; a cancel skips compaction and keeps history intact.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Compaction {
    /// The session being compacted.
    pub session_id: String,
    /// The messages that will be replaced by a summary.
    pub messages: Vec<ChatMessage>,
}

/// `after_compaction`: the summary that replaces the compacted slice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompactionSummary {
    /// The session being compacted.
    pub session_id: String,
    /// The summary text; handlers may rewrite it.
    pub summary: String,
    /// How many messages it replaces.
    pub compacted_messages: u32,
}

/// `agent_end`: a turn is over.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentEnd {
    /// The final reply (empty when the turn was cancelled).
    pub reply: String,
    /// Provider round trips in this turn.
    pub iterations: u32,
    /// Tool calls in this turn.
    pub tool_calls: u32,
    /// Tokens used in this turn.
    pub usage: TokenUsage,
    /// How long the turn took.
    pub duration_ms: u64,
    /// Why the turn stopped early, when it did.
    pub cancelled: Option<String>,
}

/// `observer_event`: one event of the observer stream, forwarded by the ObserverBridge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObserverEvent {
    /// Event name, e.g. `tool_call_end`.
    pub name: String,
    /// Event fields as a JSON object.
    pub fields: serde_json::Value,
}
