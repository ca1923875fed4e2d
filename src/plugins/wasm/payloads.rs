//! Each hook payload type and its WIT record: the borrowed view a call lowers, the
//! conversion back from what a guest returns, and (for tests) the owned record and a sample.
//!
//! The views mirror `wit/zeroclaw/hooks/v1` field for field; the load-time signature check
//! ([`super::signature`]) typechecks them against each component, so a view that drifts
//! from the WIT is a load error, never a wrong call.

use serde::Serialize;
use wasmtime::component::{ComponentType, Lower};
use zeroclaw_plugin_api as api;

use super::bindings::hooks::zeroclaw::hooks::types as wh;
use super::bindings::hooks::zeroclaw::host::types as wt;
use super::convert::{
    ContractError, end_reason_from_wit, end_reason_to_wit, json_text, json_value, message_from_wit, request_from_wit,
    response_from_wit, result_from_wit, tool_call_from_wit, usage_from_wit, usage_to_wit,
};
use super::hook_event::WitPayload;
use super::view::{self, Seen, leaf, usage};

/// `zeroclaw:hooks/types.gateway-start`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct GatewayStart<'a> {
    #[component(name = "bind-addr")]
    bind_addr: &'a str,
}

impl WitPayload for api::GatewayStart {
    type Wit = wh::GatewayStart;
    type View<'a> = GatewayStart<'a>;

    fn view(&self, _: Seen) -> GatewayStart<'_> {
        GatewayStart { bind_addr: &self.bind_addr }
    }

    fn from_wit(p: wh::GatewayStart) -> Result<Self, ContractError> {
        Ok(Self { bind_addr: p.bind_addr })
    }

    #[cfg(test)]
    fn to_wit(&self) -> wh::GatewayStart {
        wh::GatewayStart { bind_addr: self.bind_addr.clone() }
    }

    #[cfg(test)]
    fn sample() -> Self {
        Self { bind_addr: "127.0.0.1:1".into() }
    }
}

/// `zeroclaw:hooks/types.gateway-stop`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct GatewayStop<'a> {
    #[component(name = "bind-addr")]
    bind_addr: &'a str,
    reason: &'a str,
}

impl WitPayload for api::GatewayStop {
    type Wit = wh::GatewayStop;
    type View<'a> = GatewayStop<'a>;

    fn view(&self, _: Seen) -> GatewayStop<'_> {
        GatewayStop { bind_addr: &self.bind_addr, reason: &self.reason }
    }

    fn from_wit(p: wh::GatewayStop) -> Result<Self, ContractError> {
        Ok(Self { bind_addr: p.bind_addr, reason: p.reason })
    }

    #[cfg(test)]
    fn to_wit(&self) -> wh::GatewayStop {
        wh::GatewayStop { bind_addr: self.bind_addr.clone(), reason: self.reason.clone() }
    }

    #[cfg(test)]
    fn sample() -> Self {
        Self { bind_addr: "127.0.0.1:1".into(), reason: "SIGTERM".into() }
    }
}

/// `zeroclaw:hooks/types.session-start`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct SessionStart<'a> {
    #[component(name = "session-id")]
    session_id: &'a str,
    channel: &'a str,
}

impl WitPayload for api::SessionStart {
    type Wit = wh::SessionStart;
    type View<'a> = SessionStart<'a>;

    fn view(&self, _: Seen) -> SessionStart<'_> {
        SessionStart { session_id: &self.session_id, channel: &self.channel }
    }

    fn from_wit(p: wh::SessionStart) -> Result<Self, ContractError> {
        Ok(Self { session_id: p.session_id, channel: p.channel })
    }

    #[cfg(test)]
    fn to_wit(&self) -> wh::SessionStart {
        wh::SessionStart { session_id: self.session_id.clone(), channel: self.channel.clone() }
    }

    #[cfg(test)]
    fn sample() -> Self {
        Self { session_id: "s".into(), channel: "cli".into() }
    }
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

impl WitPayload for api::SessionEnd {
    type Wit = wh::SessionEnd;
    type View<'a> = SessionEnd<'a>;

    fn view(&self, _: Seen) -> SessionEnd<'_> {
        SessionEnd {
            session_id: &self.session_id,
            channel: &self.channel,
            reason: end_reason_to_wit(self.reason),
            turns: self.turns,
        }
    }

    fn from_wit(p: wh::SessionEnd) -> Result<Self, ContractError> {
        Ok(Self { session_id: p.session_id, channel: p.channel, reason: end_reason_from_wit(p.reason), turns: p.turns })
    }

    #[cfg(test)]
    fn to_wit(&self) -> wh::SessionEnd {
        wh::SessionEnd {
            session_id: self.session_id.clone(),
            channel: self.channel.clone(),
            reason: end_reason_to_wit(self.reason),
            turns: self.turns,
        }
    }

    #[cfg(test)]
    fn sample() -> Self {
        Self { session_id: "s".into(), channel: "cli".into(), reason: api::SessionEndReason::Reset, turns: 2 }
    }
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

impl WitPayload for api::AgentStart {
    type Wit = wh::AgentStart;
    type View<'a> = AgentStart<'a>;

    fn view(&self, seen: Seen) -> AgentStart<'_> {
        AgentStart {
            system_prompt: &self.system_prompt,
            context: self.context.iter().map(|c| seen.text(c)).collect(),
            user_message: seen.text(&self.user_message),
        }
    }

    fn from_wit(p: wh::AgentStart) -> Result<Self, ContractError> {
        Ok(Self { system_prompt: p.system_prompt, context: p.context, user_message: p.user_message })
    }

    #[cfg(test)]
    fn to_wit(&self) -> wh::AgentStart {
        wh::AgentStart {
            system_prompt: self.system_prompt.clone(),
            context: self.context.clone(),
            user_message: self.user_message.clone(),
        }
    }

    #[cfg(test)]
    fn sample() -> Self {
        Self { system_prompt: "sys".into(), context: vec!["memory".into()], user_message: "hi".into() }
    }
}

/// `zeroclaw:hooks/types.inbound-message`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct InboundMessage<'a> {
    channel: &'a str,
    sender: &'a str,
    content: &'a str,
}

impl WitPayload for api::InboundMessage {
    type Wit = wh::InboundMessage;
    type View<'a> = InboundMessage<'a>;

    fn view(&self, seen: Seen) -> InboundMessage<'_> {
        InboundMessage { channel: &self.channel, sender: &self.sender, content: seen.text(&self.content) }
    }

    fn from_wit(m: wh::InboundMessage) -> Result<Self, ContractError> {
        Ok(Self { channel: m.channel, sender: m.sender, content: m.content })
    }

    #[cfg(test)]
    fn to_wit(&self) -> wh::InboundMessage {
        wh::InboundMessage { channel: self.channel.clone(), sender: self.sender.clone(), content: self.content.clone() }
    }

    #[cfg(test)]
    fn sample() -> Self {
        Self { channel: "cli".into(), sender: "u".into(), content: "hi".into() }
    }
}

/// `zeroclaw:hooks/types.outbound-message`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct OutboundMessage<'a> {
    channel: &'a str,
    recipient: &'a str,
    content: &'a str,
}

impl WitPayload for api::OutboundMessage {
    type Wit = wh::OutboundMessage;
    type View<'a> = OutboundMessage<'a>;

    fn view(&self, seen: Seen) -> OutboundMessage<'_> {
        OutboundMessage { channel: &self.channel, recipient: &self.recipient, content: seen.text(&self.content) }
    }

    fn from_wit(m: wh::OutboundMessage) -> Result<Self, ContractError> {
        Ok(Self { channel: m.channel, recipient: m.recipient, content: m.content })
    }

    #[cfg(test)]
    fn to_wit(&self) -> wh::OutboundMessage {
        wh::OutboundMessage {
            channel: self.channel.clone(),
            recipient: self.recipient.clone(),
            content: self.content.clone(),
        }
    }

    #[cfg(test)]
    fn sample() -> Self {
        Self { channel: "cli".into(), recipient: "u".into(), content: "bye".into() }
    }
}

/// `zeroclaw:hooks/types.llm-call`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct LlmCall<'a> {
    provider: &'a str,
    request: view::ChatRequest<'a>,
}

impl WitPayload for api::LlmCall {
    type Wit = wh::LlmCall;
    type View<'a> = LlmCall<'a>;

    fn view(&self, seen: Seen) -> LlmCall<'_> {
        LlmCall { provider: &self.provider, request: view::request(&self.request, seen) }
    }

    fn from_wit(p: wh::LlmCall) -> Result<Self, ContractError> {
        Ok(Self { provider: p.provider, request: request_from_wit(p.request)? })
    }

    #[cfg(test)]
    fn to_wit(&self) -> wh::LlmCall {
        wh::LlmCall { provider: self.provider.clone(), request: super::convert::request_to_wit(&self.request) }
    }

    #[cfg(test)]
    fn sample() -> Self {
        Self { provider: "offline".into(), request: samples::request() }
    }
}

/// `zeroclaw:hooks/types.llm-output`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct LlmOutput<'a> {
    provider: &'a str,
    response: view::ChatResponse<'a>,
    #[component(name = "duration-ms")]
    duration_ms: u64,
}

impl WitPayload for api::LlmOutput {
    type Wit = wh::LlmOutput;
    type View<'a> = LlmOutput<'a>;

    fn view(&self, seen: Seen) -> LlmOutput<'_> {
        LlmOutput {
            provider: &self.provider,
            response: view::response(&self.response, seen),
            duration_ms: self.duration_ms,
        }
    }

    fn from_wit(p: wh::LlmOutput) -> Result<Self, ContractError> {
        Ok(Self { provider: p.provider, response: response_from_wit(p.response)?, duration_ms: p.duration_ms })
    }

    #[cfg(test)]
    fn to_wit(&self) -> wh::LlmOutput {
        wh::LlmOutput {
            provider: self.provider.clone(),
            response: super::convert::response_to_wit(&self.response),
            duration_ms: self.duration_ms,
        }
    }

    #[cfg(test)]
    fn sample() -> Self {
        Self { provider: "offline".into(), response: samples::response(), duration_ms: 4 }
    }
}

/// `zeroclaw:hooks/types.llm-error` (contract 1.1).
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct LlmError<'a> {
    provider: &'a str,
    error: &'a str,
    #[component(name = "duration-ms")]
    duration_ms: u64,
}

impl WitPayload for api::LlmError {
    type Wit = wh::LlmError;
    type View<'a> = LlmError<'a>;

    // A provider's error may quote the request it refused: conversation content.
    fn view(&self, seen: Seen) -> LlmError<'_> {
        LlmError { provider: &self.provider, error: seen.text(&self.error), duration_ms: self.duration_ms }
    }

    fn from_wit(p: wh::LlmError) -> Result<Self, ContractError> {
        Ok(Self { provider: p.provider, error: p.error, duration_ms: p.duration_ms })
    }

    #[cfg(test)]
    fn to_wit(&self) -> wh::LlmError {
        wh::LlmError { provider: self.provider.clone(), error: self.error.clone(), duration_ms: self.duration_ms }
    }

    #[cfg(test)]
    fn sample() -> Self {
        Self { provider: "openai".into(), error: "transient: 503 Service Unavailable".into(), duration_ms: 31 }
    }
}

impl WitPayload for api::ToolCall {
    type Wit = wt::ToolCall;
    type View<'a> = view::ToolCall<'a>;

    // Tool calls are not conversation content: tool hooks exist to see them.
    fn view(&self, _: Seen) -> view::ToolCall<'_> {
        view::tool_call(self)
    }

    fn from_wit(call: wt::ToolCall) -> Result<Self, ContractError> {
        tool_call_from_wit(call)
    }

    #[cfg(test)]
    fn to_wit(&self) -> wt::ToolCall {
        super::convert::tool_call_to_wit(self)
    }

    #[cfg(test)]
    fn sample() -> Self {
        samples::call()
    }
}

/// `zeroclaw:hooks/types.after-tool-call`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct AfterToolCall<'a> {
    call: view::ToolCall<'a>,
    result: view::ToolResult<'a>,
    owner: &'a str,
    #[component(name = "duration-ms")]
    duration_ms: u64,
}

impl WitPayload for api::AfterToolCall {
    type Wit = wh::AfterToolCall;
    type View<'a> = AfterToolCall<'a>;

    fn view(&self, _: Seen) -> AfterToolCall<'_> {
        AfterToolCall {
            call: view::tool_call(&self.call),
            result: view::result(&self.result),
            owner: &self.owner,
            duration_ms: self.duration_ms,
        }
    }

    fn from_wit(p: wh::AfterToolCall) -> Result<Self, ContractError> {
        Ok(Self {
            call: tool_call_from_wit(p.call)?,
            result: result_from_wit(p.result),
            owner: p.owner,
            duration_ms: p.duration_ms,
        })
    }

    #[cfg(test)]
    fn to_wit(&self) -> wh::AfterToolCall {
        wh::AfterToolCall {
            call: self.call.to_wit(),
            result: super::convert::result_to_wit(&self.result),
            owner: self.owner.clone(),
            duration_ms: self.duration_ms,
        }
    }

    #[cfg(test)]
    fn sample() -> Self {
        Self { call: samples::call(), result: samples::result(), owner: "native:clock".into(), duration_ms: 1 }
    }
}

/// `zeroclaw:hooks/types.tool-result-persist`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct ToolResultPersist<'a> {
    call: view::ToolCall<'a>,
    result: view::ToolResult<'a>,
}

impl WitPayload for api::ToolResultPersist {
    type Wit = wh::ToolResultPersist;
    type View<'a> = ToolResultPersist<'a>;

    fn view(&self, _: Seen) -> ToolResultPersist<'_> {
        ToolResultPersist { call: view::tool_call(&self.call), result: view::result(&self.result) }
    }

    fn from_wit(p: wh::ToolResultPersist) -> Result<Self, ContractError> {
        Ok(Self { call: tool_call_from_wit(p.call)?, result: result_from_wit(p.result) })
    }

    #[cfg(test)]
    fn to_wit(&self) -> wh::ToolResultPersist {
        wh::ToolResultPersist { call: self.call.to_wit(), result: super::convert::result_to_wit(&self.result) }
    }

    #[cfg(test)]
    fn sample() -> Self {
        Self { call: samples::call(), result: samples::result() }
    }
}

/// `zeroclaw:hooks/types.compaction`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct Compaction<'a> {
    #[component(name = "session-id")]
    session_id: &'a str,
    messages: Vec<view::ChatMessage<'a>>,
}

impl WitPayload for api::Compaction {
    type Wit = wh::Compaction;
    type View<'a> = Compaction<'a>;

    fn view(&self, seen: Seen) -> Compaction<'_> {
        Compaction {
            session_id: &self.session_id,
            messages: self.messages.iter().map(|m| view::message(m, seen)).collect(),
        }
    }

    fn from_wit(p: wh::Compaction) -> Result<Self, ContractError> {
        let messages = p.messages.into_iter().map(message_from_wit).collect::<Result<_, _>>()?;
        Ok(Self { session_id: p.session_id, messages })
    }

    #[cfg(test)]
    fn to_wit(&self) -> wh::Compaction {
        wh::Compaction {
            session_id: self.session_id.clone(),
            messages: self.messages.iter().map(super::convert::message_to_wit).collect(),
        }
    }

    #[cfg(test)]
    fn sample() -> Self {
        Self { session_id: "s".into(), messages: samples::request().messages }
    }
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

impl WitPayload for api::CompactionSummary {
    type Wit = wh::CompactionSummary;
    type View<'a> = CompactionSummary<'a>;

    fn view(&self, seen: Seen) -> CompactionSummary<'_> {
        CompactionSummary {
            session_id: &self.session_id,
            summary: seen.text(&self.summary),
            compacted_messages: self.compacted_messages,
        }
    }

    fn from_wit(p: wh::CompactionSummary) -> Result<Self, ContractError> {
        Ok(Self { session_id: p.session_id, summary: p.summary, compacted_messages: p.compacted_messages })
    }

    #[cfg(test)]
    fn to_wit(&self) -> wh::CompactionSummary {
        wh::CompactionSummary {
            session_id: self.session_id.clone(),
            summary: self.summary.clone(),
            compacted_messages: self.compacted_messages,
        }
    }

    #[cfg(test)]
    fn sample() -> Self {
        Self { session_id: "s".into(), summary: "sum".into(), compacted_messages: 3 }
    }
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

impl WitPayload for api::AgentEnd {
    type Wit = wh::AgentEnd;
    type View<'a> = AgentEnd<'a>;

    fn view(&self, seen: Seen) -> AgentEnd<'_> {
        AgentEnd {
            reply: seen.text(&self.reply),
            iterations: self.iterations,
            tool_calls: self.tool_calls,
            usage: usage_to_wit(self.usage),
            duration_ms: self.duration_ms,
            cancelled: self.cancelled.as_deref(),
        }
    }

    fn from_wit(p: wh::AgentEnd) -> Result<Self, ContractError> {
        Ok(Self {
            reply: p.reply,
            iterations: p.iterations,
            tool_calls: p.tool_calls,
            usage: usage_from_wit(p.usage),
            duration_ms: p.duration_ms,
            cancelled: p.cancelled,
        })
    }

    #[cfg(test)]
    fn to_wit(&self) -> wh::AgentEnd {
        wh::AgentEnd {
            reply: self.reply.clone(),
            iterations: self.iterations,
            tool_calls: self.tool_calls,
            usage: usage_to_wit(self.usage),
            duration_ms: self.duration_ms,
            cancelled: self.cancelled.clone(),
        }
    }

    #[cfg(test)]
    fn sample() -> Self {
        Self {
            reply: "done".into(),
            iterations: 2,
            tool_calls: 1,
            usage: api::TokenUsage { prompt_tokens: 5, completion_tokens: 6 },
            duration_ms: 7,
            cancelled: Some("no".into()),
        }
    }
}

/// `zeroclaw:hooks/types.observer-event`.
#[derive(ComponentType, Lower, Serialize, Debug)]
#[component(record)]
pub struct ObserverEvent<'a> {
    name: &'a str,
    fields: String,
}

impl WitPayload for api::ObserverEvent {
    type Wit = wh::ObserverEvent;
    type View<'a> = ObserverEvent<'a>;

    fn view(&self, _: Seen) -> ObserverEvent<'_> {
        ObserverEvent { name: &self.name, fields: json_text(&self.fields) }
    }

    fn from_wit(p: wh::ObserverEvent) -> Result<Self, ContractError> {
        Ok(Self { name: p.name, fields: json_value(&p.fields, "observer-event.fields")? })
    }

    #[cfg(test)]
    fn to_wit(&self) -> wh::ObserverEvent {
        wh::ObserverEvent { name: self.name.clone(), fields: json_text(&self.fields) }
    }

    #[cfg(test)]
    fn sample() -> Self {
        Self { name: "tool_call_end".into(), fields: serde_json::json!({"ok": true}) }
    }
}

/// Values with every field set, shared by the samples above and the agreement tests.
#[cfg(test)]
pub(super) mod samples {
    use zeroclaw_plugin_api as api;

    pub fn call() -> api::ToolCall {
        api::ToolCall { id: "c1".into(), name: "clock".into(), arguments: serde_json::json!({"tz": "UTC"}) }
    }

    pub fn result() -> api::ToolResult {
        api::ToolResult { call_id: "c1".into(), name: "clock".into(), content: "12:00".into(), is_error: false }
    }

    pub fn request() -> api::ChatRequest {
        api::ChatRequest {
            model: "m".into(),
            messages: vec![
                api::ChatMessage::system("be brief"),
                api::ChatMessage::assistant_calls("", vec![call()]),
                api::ChatMessage::tool_result(&result()),
            ],
            tools: vec![api::ToolSpec {
                name: "clock".into(),
                description: "time".into(),
                parameters: serde_json::json!({"type": "object"}),
                effect: api::ToolEffect::Read,
            }],
            temperature: Some(0.5),
        }
    }

    pub fn response() -> api::ChatResponse {
        api::ChatResponse {
            text: "hi".into(),
            tool_calls: vec![call()],
            usage: api::TokenUsage { prompt_tokens: 3, completion_tokens: 1 },
            model: "m".into(),
        }
    }
}
