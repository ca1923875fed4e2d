//! Borrowed views of the WIT records a call lowers into the guest.
//!
//! wit-bindgen's host types own their strings, so lowering a payload through them copies
//! every string twice: into the owned record, then into guest memory. These views lower
//! straight from the host's own values: a string is copied once, into the guest. They
//! mirror `wit/zeroclaw/{host,hooks}/v1` field for field and case for case; the load-time
//! signature check ([`super::signature`]) typechecks them against each component, so a
//! view that drifts from the WIT is a load error, never a wrong call.
//!
//! Conversation content is redacted here, while viewing, for a plugin without
//! `conversation:read` ([`Seen`]); [`conversation::redact`] is the reference it agrees with.

use serde::{Serialize, Serializer};
use wasmtime::component::{ComponentType, Lower};
use zeroclaw_plugin_api as api;

use super::bindings::hooks::zeroclaw::hooks::types as wh;
use super::bindings::hooks::zeroclaw::host::types as wt;
use super::convert::{effect_to_wit, end_reason_to_wit, json_text, role_to_wit, usage_to_wit};
use crate::plugins::conversation;

/// How a plugin sees conversation content: whole, or redacted (it lacks
/// `conversation:read`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Everything as it is.
    Whole,
    /// Message and model content replaced by [`conversation::REDACTED`].
    Redacted,
}

impl Seen {
    /// `text` as this view shows conversation content.
    fn text(self, text: &str) -> &str {
        match self {
            Seen::Redacted if !text.is_empty() => conversation::REDACTED,
            Seen::Redacted | Seen::Whole => text,
        }
    }
}

/// `zeroclaw:host/types.tool-call`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct ToolCall<'a> {
    id: &'a str,
    name: &'a str,
    arguments: String,
}

/// `zeroclaw:host/types.chat-message`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct ChatMessage<'a> {
    #[serde(serialize_with = "leaf")]
    role: wt::Role,
    content: &'a str,
    #[component(name = "tool-calls")]
    tool_calls: Vec<ToolCall<'a>>,
    #[component(name = "tool-call-id")]
    tool_call_id: Option<&'a str>,
}

/// `zeroclaw:host/types.tool-spec`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct ToolSpec<'a> {
    name: &'a str,
    description: &'a str,
    parameters: String,
    #[serde(serialize_with = "leaf")]
    effect: wt::ToolEffect,
}

/// `zeroclaw:host/types.tool-result`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct ToolResult<'a> {
    #[component(name = "call-id")]
    call_id: &'a str,
    name: &'a str,
    content: &'a str,
    #[component(name = "is-error")]
    is_error: bool,
}

/// `zeroclaw:host/types.chat-request`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct ChatRequest<'a> {
    model: &'a str,
    messages: Vec<ChatMessage<'a>>,
    tools: Vec<ToolSpec<'a>>,
    temperature: Option<f32>,
}

/// `zeroclaw:host/types.chat-response`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct ChatResponse<'a> {
    text: &'a str,
    #[component(name = "tool-calls")]
    tool_calls: Vec<ToolCall<'a>>,
    #[serde(serialize_with = "usage")]
    usage: wt::TokenUsage,
    model: &'a str,
}

/// `zeroclaw:hooks/types.hook-context`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct HookContext<'a> {
    #[component(name = "agent-id")]
    agent_id: &'a str,
    #[component(name = "session-id")]
    session_id: Option<&'a str>,
    channel: Option<&'a str>,
}

/// `zeroclaw:hooks/types.gateway-start`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct GatewayStart<'a> {
    #[component(name = "bind-addr")]
    bind_addr: &'a str,
}

/// `zeroclaw:hooks/types.gateway-stop`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct GatewayStop<'a> {
    #[component(name = "bind-addr")]
    bind_addr: &'a str,
    reason: &'a str,
}

/// `zeroclaw:hooks/types.session-start`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct SessionStart<'a> {
    #[component(name = "session-id")]
    session_id: &'a str,
    channel: &'a str,
}

/// `zeroclaw:hooks/types.session-end`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct SessionEnd<'a> {
    #[component(name = "session-id")]
    session_id: &'a str,
    channel: &'a str,
    #[serde(serialize_with = "leaf")]
    reason: wh::SessionEndReason,
    turns: u32,
}

/// `zeroclaw:hooks/types.agent-start`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct AgentStart<'a> {
    #[component(name = "system-prompt")]
    system_prompt: &'a str,
    context: Vec<&'a str>,
    #[component(name = "user-message")]
    user_message: &'a str,
}

/// `zeroclaw:hooks/types.inbound-message`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct InboundMessage<'a> {
    channel: &'a str,
    sender: &'a str,
    content: &'a str,
}

/// `zeroclaw:hooks/types.outbound-message`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct OutboundMessage<'a> {
    channel: &'a str,
    recipient: &'a str,
    content: &'a str,
}

/// `zeroclaw:hooks/types.llm-call`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct LlmCall<'a> {
    provider: &'a str,
    request: ChatRequest<'a>,
}

/// `zeroclaw:hooks/types.llm-output`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct LlmOutput<'a> {
    provider: &'a str,
    response: ChatResponse<'a>,
    #[component(name = "duration-ms")]
    duration_ms: u64,
}

/// `zeroclaw:hooks/types.after-tool-call`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct AfterToolCall<'a> {
    call: ToolCall<'a>,
    result: ToolResult<'a>,
    owner: &'a str,
    #[component(name = "duration-ms")]
    duration_ms: u64,
}

/// `zeroclaw:hooks/types.tool-result-persist`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct ToolResultPersist<'a> {
    call: ToolCall<'a>,
    result: ToolResult<'a>,
}

/// `zeroclaw:hooks/types.compaction`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct Compaction<'a> {
    #[component(name = "session-id")]
    session_id: &'a str,
    messages: Vec<ChatMessage<'a>>,
}

/// `zeroclaw:hooks/types.compaction-summary`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct CompactionSummary<'a> {
    #[component(name = "session-id")]
    session_id: &'a str,
    summary: &'a str,
    #[component(name = "compacted-messages")]
    compacted_messages: u32,
}

/// `zeroclaw:hooks/types.agent-end`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct AgentEnd<'a> {
    reply: &'a str,
    iterations: u32,
    #[component(name = "tool-calls")]
    tool_calls: u32,
    #[serde(serialize_with = "usage")]
    usage: wt::TokenUsage,
    #[component(name = "duration-ms")]
    duration_ms: u64,
    cancelled: Option<&'a str>,
}

/// `zeroclaw:hooks/types.observer-event`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct ObserverEvent<'a> {
    name: &'a str,
    fields: String,
}

/// `zeroclaw:hooks/types.hook-event`: one case per catalog point, in catalog order.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(variant)]
pub enum HookEvent<'a> {
    #[component(name = "gateway-start")]
    GatewayStart(GatewayStart<'a>),
    #[component(name = "gateway-stop")]
    GatewayStop(GatewayStop<'a>),
    #[component(name = "session-start")]
    SessionStart(SessionStart<'a>),
    #[component(name = "session-end")]
    SessionEnd(SessionEnd<'a>),
    #[component(name = "before-agent-start")]
    BeforeAgentStart(AgentStart<'a>),
    #[component(name = "message-received")]
    MessageReceived(InboundMessage<'a>),
    #[component(name = "message-sending")]
    MessageSending(OutboundMessage<'a>),
    #[component(name = "message-sent")]
    MessageSent(OutboundMessage<'a>),
    #[component(name = "before-llm-call")]
    BeforeLlmCall(LlmCall<'a>),
    #[component(name = "llm-output")]
    LlmOutput(LlmOutput<'a>),
    #[component(name = "before-tool-call")]
    BeforeToolCall(ToolCall<'a>),
    #[component(name = "after-tool-call")]
    AfterToolCall(AfterToolCall<'a>),
    #[component(name = "tool-result-persist")]
    ToolResultPersist(ToolResultPersist<'a>),
    #[component(name = "before-compaction")]
    BeforeCompaction(Compaction<'a>),
    #[component(name = "after-compaction")]
    AfterCompaction(CompactionSummary<'a>),
    #[component(name = "agent-end")]
    AgentEnd(AgentEnd<'a>),
    #[component(name = "observer-event")]
    ObserverEvent(ObserverEvent<'a>),
}

// The views are also what the payload cap measures (`size::content_size` walks them with
// serde): a WIT enum counts as one leaf, token usage as its two numbers.
fn leaf<T, S: Serializer>(_: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u8(0)
}

fn usage<S: Serializer>(usage: &wt::TokenUsage, serializer: S) -> Result<S::Ok, S::Error> {
    (usage.prompt_tokens, usage.completion_tokens).serialize(serializer)
}

fn tool_call(call: &api::ToolCall) -> ToolCall<'_> {
    ToolCall { id: &call.id, name: &call.name, arguments: json_text(&call.arguments) }
}

fn message(message: &api::ChatMessage, seen: Seen) -> ChatMessage<'_> {
    // System messages are the host's own text, not what the user and the model said.
    let seen = if message.role == api::Role::System { Seen::Whole } else { seen };
    ChatMessage {
        role: role_to_wit(message.role),
        content: seen.text(&message.content),
        tool_calls: message.tool_calls.iter().map(tool_call).collect(),
        tool_call_id: message.tool_call_id.as_deref(),
    }
}

fn spec(spec: &api::ToolSpec) -> ToolSpec<'_> {
    ToolSpec {
        name: &spec.name,
        description: &spec.description,
        parameters: json_text(&spec.parameters),
        effect: effect_to_wit(spec.effect),
    }
}

fn result(result: &api::ToolResult) -> ToolResult<'_> {
    ToolResult { call_id: &result.call_id, name: &result.name, content: &result.content, is_error: result.is_error }
}

/// A model request, as a provider plugin (whole) or a hook (as `seen`) receives it.
pub fn request(request: &api::ChatRequest, seen: Seen) -> ChatRequest<'_> {
    ChatRequest {
        model: &request.model,
        messages: request.messages.iter().map(|m| message(m, seen)).collect(),
        tools: request.tools.iter().map(spec).collect(),
        temperature: request.temperature,
    }
}

fn response(response: &api::ChatResponse, seen: Seen) -> ChatResponse<'_> {
    ChatResponse {
        text: seen.text(&response.text),
        tool_calls: response.tool_calls.iter().map(tool_call).collect(),
        usage: usage_to_wit(response.usage),
        model: &response.model,
    }
}

/// The hook context.
pub fn context(ctx: &api::HookContext) -> HookContext<'_> {
    HookContext { agent_id: &ctx.agent_id, session_id: ctx.session_id.as_deref(), channel: ctx.channel.as_deref() }
}

/// A catalog payload as its `hook-event` case, with conversation content as `seen` shows it.
pub fn event(payload: &api::HookPayload, seen: Seen) -> HookEvent<'_> {
    use HookEvent as E;
    use api::HookPayload as P;
    match payload {
        P::GatewayStart(p) => E::GatewayStart(GatewayStart { bind_addr: &p.bind_addr }),
        P::GatewayStop(p) => E::GatewayStop(GatewayStop { bind_addr: &p.bind_addr, reason: &p.reason }),
        P::SessionStart(p) => E::SessionStart(SessionStart { session_id: &p.session_id, channel: &p.channel }),
        P::SessionEnd(p) => E::SessionEnd(SessionEnd {
            session_id: &p.session_id,
            channel: &p.channel,
            reason: end_reason_to_wit(p.reason),
            turns: p.turns,
        }),
        P::BeforeAgentStart(p) => E::BeforeAgentStart(AgentStart {
            system_prompt: &p.system_prompt,
            context: p.context.iter().map(|c| seen.text(c)).collect(),
            user_message: seen.text(&p.user_message),
        }),
        P::MessageReceived(m) => E::MessageReceived(InboundMessage {
            channel: &m.channel,
            sender: &m.sender,
            content: seen.text(&m.content),
        }),
        P::MessageSending(m) => E::MessageSending(outbound(m, seen)),
        P::MessageSent(m) => E::MessageSent(outbound(m, seen)),
        P::BeforeLlmCall(p) => E::BeforeLlmCall(LlmCall { provider: &p.provider, request: request(&p.request, seen) }),
        P::LlmOutput(p) => E::LlmOutput(LlmOutput {
            provider: &p.provider,
            response: response(&p.response, seen),
            duration_ms: p.duration_ms,
        }),
        P::BeforeToolCall(p) => E::BeforeToolCall(tool_call(p)),
        P::AfterToolCall(p) => E::AfterToolCall(AfterToolCall {
            call: tool_call(&p.call),
            result: result(&p.result),
            owner: &p.owner,
            duration_ms: p.duration_ms,
        }),
        P::ToolResultPersist(p) => {
            E::ToolResultPersist(ToolResultPersist { call: tool_call(&p.call), result: result(&p.result) })
        }
        P::BeforeCompaction(p) => E::BeforeCompaction(Compaction {
            session_id: &p.session_id,
            messages: p.messages.iter().map(|m| message(m, seen)).collect(),
        }),
        P::AfterCompaction(p) => E::AfterCompaction(CompactionSummary {
            session_id: &p.session_id,
            summary: seen.text(&p.summary),
            compacted_messages: p.compacted_messages,
        }),
        P::AgentEnd(p) => E::AgentEnd(AgentEnd {
            reply: seen.text(&p.reply),
            iterations: p.iterations,
            tool_calls: p.tool_calls,
            usage: usage_to_wit(p.usage),
            duration_ms: p.duration_ms,
            cancelled: p.cancelled.as_deref(),
        }),
        P::ObserverEvent(p) => E::ObserverEvent(ObserverEvent { name: &p.name, fields: json_text(&p.fields) }),
    }
}

fn outbound(m: &api::OutboundMessage, seen: Seen) -> OutboundMessage<'_> {
    OutboundMessage { channel: &m.channel, recipient: &m.recipient, content: seen.text(&m.content) }
}
