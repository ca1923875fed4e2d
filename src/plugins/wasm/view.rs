//! Borrowed views of the host's shared WIT records (`zeroclaw:host/types`, the hook context)
//! that a call lowers into the guest; each hook payload's own record is in `payloads.rs`.
//!
//! wit-bindgen's host types own their strings, so lowering a payload through them copies
//! every string twice: into the owned record, then into guest memory. These views lower
//! straight from the host's own values: a string is copied once, into the guest. They
//! mirror `wit/zeroclaw/{host,hooks}/v1` field for field; the load-time
//! signature check ([`super::signature`]) typechecks them against each component, so a
//! view that drifts from the WIT is a load error, never a wrong call.
//!
//! Conversation content is redacted here, while viewing, for a plugin without
//! `conversation:read` ([`Seen`]); [`conversation::redact`] is the reference it agrees with.

use serde::{Serialize, Serializer};
use wasmtime::component::{ComponentType, Lower};
use zeroclaw_plugin_api as api;

use super::bindings::hooks::zeroclaw::host::types as wt;
use super::convert::{effect_to_wit, json_text, role_to_wit, usage_to_wit};
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
    pub(super) fn text(self, text: &str) -> &str {
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

// The views are also what the payload cap measures (`size::content_size` walks them with
// serde): a WIT enum counts as one leaf, token usage as its two numbers.
pub(super) fn leaf<T, S: Serializer>(_: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u8(0)
}

pub(super) fn usage<S: Serializer>(usage: &wt::TokenUsage, serializer: S) -> Result<S::Ok, S::Error> {
    (usage.prompt_tokens, usage.completion_tokens).serialize(serializer)
}

pub(super) fn tool_call(call: &api::ToolCall) -> ToolCall<'_> {
    ToolCall { id: &call.id, name: &call.name, arguments: json_text(&call.arguments) }
}

pub(super) fn message(message: &api::ChatMessage, seen: Seen) -> ChatMessage<'_> {
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

pub(super) fn result(result: &api::ToolResult) -> ToolResult<'_> {
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

pub(super) fn response(response: &api::ChatResponse, seen: Seen) -> ChatResponse<'_> {
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
