//! Conversions between the api crate's types and the WIT bindings.
//!
//! The api crate never sees a WIT type; this is the one place that maps them, case by case.
//! Guest-to-host conversions can fail (a guest may send malformed JSON): they return the
//! reason, which the caller reports as a contract failure naming the plugin. Host-to-guest
//! values are lowered from borrowed views instead (`view.rs`); the owned host-to-guest
//! conversions here are the tests' inverse of the guest-to-host ones, and the reference the
//! views are checked against.

use zeroclaw_plugin_api as api;

use super::bindings::hooks::zeroclaw::hooks::types as wh;
use super::bindings::hooks::zeroclaw::host::types as wt;

pub(super) fn json_text(value: &serde_json::Value) -> String {
    value.to_string()
}

/// A guest value that breaks the contract: a JSON text field that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("{what} is not valid JSON: {source}")]
pub struct ContractError {
    what: String,
    source: serde_json::Error,
}

fn json_value(text: &str, what: &str) -> Result<serde_json::Value, ContractError> {
    serde_json::from_str(text).map_err(|source| ContractError { what: what.to_string(), source })
}

pub fn role_to_wit(role: api::Role) -> wt::Role {
    match role {
        api::Role::System => wt::Role::System,
        api::Role::User => wt::Role::User,
        api::Role::Assistant => wt::Role::Assistant,
        api::Role::Tool => wt::Role::Tool,
    }
}

pub fn role_from_wit(role: wt::Role) -> api::Role {
    match role {
        wt::Role::System => api::Role::System,
        wt::Role::User => api::Role::User,
        wt::Role::Assistant => api::Role::Assistant,
        wt::Role::Tool => api::Role::Tool,
    }
}

#[cfg(test)]
pub fn tool_call_to_wit(call: &api::ToolCall) -> wt::ToolCall {
    wt::ToolCall { id: call.id.clone(), name: call.name.clone(), arguments: json_text(&call.arguments) }
}

pub fn tool_call_from_wit(call: wt::ToolCall) -> Result<api::ToolCall, ContractError> {
    let arguments = json_value(&call.arguments, "tool-call.arguments")?;
    Ok(api::ToolCall { id: call.id, name: call.name, arguments })
}

#[cfg(test)]
pub fn message_to_wit(message: &api::ChatMessage) -> wt::ChatMessage {
    wt::ChatMessage {
        role: role_to_wit(message.role),
        content: message.content.clone(),
        tool_calls: message.tool_calls.iter().map(tool_call_to_wit).collect(),
        tool_call_id: message.tool_call_id.clone(),
    }
}

pub fn message_from_wit(message: wt::ChatMessage) -> Result<api::ChatMessage, ContractError> {
    Ok(api::ChatMessage {
        role: role_from_wit(message.role),
        content: message.content,
        tool_calls: message.tool_calls.into_iter().map(tool_call_from_wit).collect::<Result<_, _>>()?,
        tool_call_id: message.tool_call_id,
    })
}

pub fn effect_to_wit(effect: api::ToolEffect) -> wt::ToolEffect {
    match effect {
        api::ToolEffect::Read => wt::ToolEffect::Read,
        api::ToolEffect::Act => wt::ToolEffect::Act,
    }
}

pub fn effect_from_wit(effect: wt::ToolEffect) -> api::ToolEffect {
    match effect {
        wt::ToolEffect::Read => api::ToolEffect::Read,
        wt::ToolEffect::Act => api::ToolEffect::Act,
    }
}

#[cfg(test)]
pub fn spec_to_wit(spec: &api::ToolSpec) -> wt::ToolSpec {
    wt::ToolSpec {
        name: spec.name.clone(),
        description: spec.description.clone(),
        parameters: json_text(&spec.parameters),
        effect: effect_to_wit(spec.effect),
    }
}

pub fn spec_from_wit(spec: wt::ToolSpec) -> Result<api::ToolSpec, ContractError> {
    let parameters = json_value(&spec.parameters, &format!("tool `{}` parameters", spec.name))?;
    Ok(api::ToolSpec {
        name: spec.name,
        description: spec.description,
        parameters,
        effect: effect_from_wit(spec.effect),
    })
}

#[cfg(test)]
pub fn result_to_wit(result: &api::ToolResult) -> wt::ToolResult {
    wt::ToolResult {
        call_id: result.call_id.clone(),
        name: result.name.clone(),
        content: result.content.clone(),
        is_error: result.is_error,
    }
}

pub fn result_from_wit(result: wt::ToolResult) -> api::ToolResult {
    api::ToolResult { call_id: result.call_id, name: result.name, content: result.content, is_error: result.is_error }
}

pub fn usage_to_wit(usage: api::TokenUsage) -> wt::TokenUsage {
    wt::TokenUsage { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens }
}

pub fn usage_from_wit(usage: wt::TokenUsage) -> api::TokenUsage {
    api::TokenUsage { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens }
}

#[cfg(test)]
pub fn request_to_wit(request: &api::ChatRequest) -> wt::ChatRequest {
    wt::ChatRequest {
        model: request.model.clone(),
        messages: request.messages.iter().map(message_to_wit).collect(),
        tools: request.tools.iter().map(spec_to_wit).collect(),
        temperature: request.temperature,
    }
}

pub fn request_from_wit(request: wt::ChatRequest) -> Result<api::ChatRequest, ContractError> {
    Ok(api::ChatRequest {
        model: request.model,
        messages: request.messages.into_iter().map(message_from_wit).collect::<Result<_, _>>()?,
        tools: request.tools.into_iter().map(spec_from_wit).collect::<Result<_, _>>()?,
        temperature: request.temperature,
    })
}

#[cfg(test)]
pub fn response_to_wit(response: &api::ChatResponse) -> wt::ChatResponse {
    wt::ChatResponse {
        text: response.text.clone(),
        tool_calls: response.tool_calls.iter().map(tool_call_to_wit).collect(),
        usage: usage_to_wit(response.usage),
        model: response.model.clone(),
    }
}

pub fn response_from_wit(response: wt::ChatResponse) -> Result<api::ChatResponse, ContractError> {
    Ok(api::ChatResponse {
        text: response.text,
        tool_calls: response.tool_calls.into_iter().map(tool_call_from_wit).collect::<Result<_, _>>()?,
        usage: usage_from_wit(response.usage),
        model: response.model,
    })
}

#[cfg(test)]
pub fn context_to_wit(ctx: &api::HookContext) -> wh::HookContext {
    wh::HookContext { agent_id: ctx.agent_id.clone(), session_id: ctx.session_id.clone(), channel: ctx.channel.clone() }
}

pub(super) fn end_reason_to_wit(reason: api::SessionEndReason) -> wh::SessionEndReason {
    match reason {
        api::SessionEndReason::Closed => wh::SessionEndReason::Closed,
        api::SessionEndReason::Reset => wh::SessionEndReason::Reset,
        api::SessionEndReason::Shutdown => wh::SessionEndReason::Shutdown,
        // The published 1.0 contract has no case for these; a 1.0 guest sees the session
        // close, which is what it is to it. A later minor may add them (new cases are a
        // new contract version, never an edit of 1.0).
        api::SessionEndReason::Idle | api::SessionEndReason::Evicted => wh::SessionEndReason::Closed,
    }
}

fn end_reason_from_wit(reason: wh::SessionEndReason) -> api::SessionEndReason {
    match reason {
        wh::SessionEndReason::Closed => api::SessionEndReason::Closed,
        wh::SessionEndReason::Reset => api::SessionEndReason::Reset,
        wh::SessionEndReason::Shutdown => api::SessionEndReason::Shutdown,
    }
}

#[cfg(test)]
fn inbound_to_wit(m: &api::InboundMessage) -> wh::InboundMessage {
    wh::InboundMessage { channel: m.channel.clone(), sender: m.sender.clone(), content: m.content.clone() }
}

#[cfg(test)]
fn outbound_to_wit(m: &api::OutboundMessage) -> wh::OutboundMessage {
    wh::OutboundMessage { channel: m.channel.clone(), recipient: m.recipient.clone(), content: m.content.clone() }
}

fn outbound_from_wit(m: wh::OutboundMessage) -> api::OutboundMessage {
    api::OutboundMessage { channel: m.channel, recipient: m.recipient, content: m.content }
}

/// A catalog payload as a WIT `hook-event`: case for case.
#[cfg(test)]
pub fn event_to_wit(payload: &api::HookPayload) -> wh::HookEvent {
    use api::HookPayload as P;
    use wh::HookEvent as E;
    match payload {
        P::GatewayStart(p) => E::GatewayStart(wh::GatewayStart { bind_addr: p.bind_addr.clone() }),
        P::GatewayStop(p) => {
            E::GatewayStop(wh::GatewayStop { bind_addr: p.bind_addr.clone(), reason: p.reason.clone() })
        }
        P::SessionStart(p) => {
            E::SessionStart(wh::SessionStart { session_id: p.session_id.clone(), channel: p.channel.clone() })
        }
        P::SessionEnd(p) => E::SessionEnd(wh::SessionEnd {
            session_id: p.session_id.clone(),
            channel: p.channel.clone(),
            reason: end_reason_to_wit(p.reason),
            turns: p.turns,
        }),
        P::BeforeAgentStart(p) => E::BeforeAgentStart(wh::AgentStart {
            system_prompt: p.system_prompt.clone(),
            context: p.context.clone(),
            user_message: p.user_message.clone(),
        }),
        P::MessageReceived(p) => E::MessageReceived(inbound_to_wit(p)),
        P::MessageSending(p) => E::MessageSending(outbound_to_wit(p)),
        P::MessageSent(p) => E::MessageSent(outbound_to_wit(p)),
        P::BeforeLlmCall(p) => {
            E::BeforeLlmCall(wh::LlmCall { provider: p.provider.clone(), request: request_to_wit(&p.request) })
        }
        P::LlmOutput(p) => E::LlmOutput(wh::LlmOutput {
            provider: p.provider.clone(),
            response: response_to_wit(&p.response),
            duration_ms: p.duration_ms,
        }),
        P::BeforeToolCall(p) => E::BeforeToolCall(tool_call_to_wit(p)),
        P::AfterToolCall(p) => E::AfterToolCall(wh::AfterToolCall {
            call: tool_call_to_wit(&p.call),
            result: result_to_wit(&p.result),
            owner: p.owner.clone(),
            duration_ms: p.duration_ms,
        }),
        P::ToolResultPersist(p) => E::ToolResultPersist(wh::ToolResultPersist {
            call: tool_call_to_wit(&p.call),
            result: result_to_wit(&p.result),
        }),
        P::BeforeCompaction(p) => E::BeforeCompaction(wh::Compaction {
            session_id: p.session_id.clone(),
            messages: p.messages.iter().map(message_to_wit).collect(),
        }),
        P::AfterCompaction(p) => E::AfterCompaction(wh::CompactionSummary {
            session_id: p.session_id.clone(),
            summary: p.summary.clone(),
            compacted_messages: p.compacted_messages,
        }),
        P::AgentEnd(p) => E::AgentEnd(wh::AgentEnd {
            reply: p.reply.clone(),
            iterations: p.iterations,
            tool_calls: p.tool_calls,
            usage: usage_to_wit(p.usage),
            duration_ms: p.duration_ms,
            cancelled: p.cancelled.clone(),
        }),
        P::ObserverEvent(p) => {
            E::ObserverEvent(wh::ObserverEvent { name: p.name.clone(), fields: json_text(&p.fields) })
        }
    }
}

/// A WIT `hook-event` from a guest back into a catalog payload.
pub fn event_from_wit(event: wh::HookEvent) -> Result<api::HookPayload, ContractError> {
    use api::HookPayload as P;
    use wh::HookEvent as E;
    Ok(match event {
        E::GatewayStart(p) => P::GatewayStart(api::GatewayStart { bind_addr: p.bind_addr }),
        E::GatewayStop(p) => P::GatewayStop(api::GatewayStop { bind_addr: p.bind_addr, reason: p.reason }),
        E::SessionStart(p) => P::SessionStart(api::SessionStart { session_id: p.session_id, channel: p.channel }),
        E::SessionEnd(p) => P::SessionEnd(api::SessionEnd {
            session_id: p.session_id,
            channel: p.channel,
            reason: end_reason_from_wit(p.reason),
            turns: p.turns,
        }),
        E::BeforeAgentStart(p) => P::BeforeAgentStart(api::AgentStart {
            system_prompt: p.system_prompt,
            context: p.context,
            user_message: p.user_message,
        }),
        E::MessageReceived(m) => {
            P::MessageReceived(api::InboundMessage { channel: m.channel, sender: m.sender, content: m.content })
        }
        E::MessageSending(m) => P::MessageSending(outbound_from_wit(m)),
        E::MessageSent(m) => P::MessageSent(outbound_from_wit(m)),
        E::BeforeLlmCall(p) => {
            P::BeforeLlmCall(api::LlmCall { provider: p.provider, request: request_from_wit(p.request)? })
        }
        E::LlmOutput(p) => P::LlmOutput(api::LlmOutput {
            provider: p.provider,
            response: response_from_wit(p.response)?,
            duration_ms: p.duration_ms,
        }),
        E::BeforeToolCall(c) => P::BeforeToolCall(tool_call_from_wit(c)?),
        E::AfterToolCall(p) => P::AfterToolCall(api::AfterToolCall {
            call: tool_call_from_wit(p.call)?,
            result: result_from_wit(p.result),
            owner: p.owner,
            duration_ms: p.duration_ms,
        }),
        E::ToolResultPersist(p) => P::ToolResultPersist(api::ToolResultPersist {
            call: tool_call_from_wit(p.call)?,
            result: result_from_wit(p.result),
        }),
        E::BeforeCompaction(p) => P::BeforeCompaction(api::Compaction {
            session_id: p.session_id,
            messages: p.messages.into_iter().map(message_from_wit).collect::<Result<_, _>>()?,
        }),
        E::AfterCompaction(p) => P::AfterCompaction(api::CompactionSummary {
            session_id: p.session_id,
            summary: p.summary,
            compacted_messages: p.compacted_messages,
        }),
        E::AgentEnd(p) => P::AgentEnd(api::AgentEnd {
            reply: p.reply,
            iterations: p.iterations,
            tool_calls: p.tool_calls,
            usage: usage_from_wit(p.usage),
            duration_ms: p.duration_ms,
            cancelled: p.cancelled,
        }),
        E::ObserverEvent(p) => P::ObserverEvent(api::ObserverEvent {
            name: p.name,
            fields: json_value(&p.fields, "observer-event.fields")?,
        }),
    })
}

/// The WIT case name of an event (`before-agent-start`), for the catalog agreement test.
#[cfg(test)]
fn event_case_name(event: &wh::HookEvent) -> &'static str {
    use wh::HookEvent as E;
    match event {
        E::GatewayStart(_) => "gateway-start",
        E::GatewayStop(_) => "gateway-stop",
        E::SessionStart(_) => "session-start",
        E::SessionEnd(_) => "session-end",
        E::BeforeAgentStart(_) => "before-agent-start",
        E::MessageReceived(_) => "message-received",
        E::MessageSending(_) => "message-sending",
        E::MessageSent(_) => "message-sent",
        E::BeforeLlmCall(_) => "before-llm-call",
        E::LlmOutput(_) => "llm-output",
        E::BeforeToolCall(_) => "before-tool-call",
        E::AfterToolCall(_) => "after-tool-call",
        E::ToolResultPersist(_) => "tool-result-persist",
        E::BeforeCompaction(_) => "before-compaction",
        E::AfterCompaction(_) => "after-compaction",
        E::AgentEnd(_) => "agent-end",
        E::ObserverEvent(_) => "observer-event",
    }
}

/// A guest outcome into the api's.
pub fn outcome_from_wit(outcome: wh::Outcome) -> Result<api::HookOutcome, ContractError> {
    Ok(match outcome {
        wh::Outcome::Continue => api::HookOutcome::Continue,
        wh::Outcome::Modify(event) => api::HookOutcome::Modify(event_from_wit(event)?),
        wh::Outcome::Cancel(reason) => api::HookOutcome::Cancel(reason),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use api::HookPoint;
    use wit_parser::{Resolve, Type, TypeDefKind};

    use super::*;

    fn call() -> api::ToolCall {
        api::ToolCall { id: "c1".into(), name: "clock".into(), arguments: serde_json::json!({"tz": "UTC"}) }
    }

    fn result() -> api::ToolResult {
        api::ToolResult { call_id: "c1".into(), name: "clock".into(), content: "12:00".into(), is_error: false }
    }

    fn request() -> api::ChatRequest {
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

    fn response() -> api::ChatResponse {
        api::ChatResponse {
            text: "hi".into(),
            tool_calls: vec![call()],
            usage: api::TokenUsage { prompt_tokens: 3, completion_tokens: 1 },
            model: "m".into(),
        }
    }

    /// One payload per hook point, with every field set.
    fn sample(point: HookPoint) -> api::HookPayload {
        use api::HookPayload as P;
        let outbound = api::OutboundMessage { channel: "cli".into(), recipient: "u".into(), content: "bye".into() };
        match point {
            HookPoint::GatewayStart => P::GatewayStart(api::GatewayStart { bind_addr: "127.0.0.1:1".into() }),
            HookPoint::GatewayStop => {
                P::GatewayStop(api::GatewayStop { bind_addr: "127.0.0.1:1".into(), reason: "SIGTERM".into() })
            }
            HookPoint::SessionStart => {
                P::SessionStart(api::SessionStart { session_id: "s".into(), channel: "cli".into() })
            }
            HookPoint::SessionEnd => P::SessionEnd(api::SessionEnd {
                session_id: "s".into(),
                channel: "cli".into(),
                reason: api::SessionEndReason::Reset,
                turns: 2,
            }),
            HookPoint::BeforeAgentStart => P::BeforeAgentStart(api::AgentStart {
                system_prompt: "sys".into(),
                context: vec!["memory".into()],
                user_message: "hi".into(),
            }),
            HookPoint::MessageReceived => P::MessageReceived(api::InboundMessage {
                channel: "cli".into(),
                sender: "u".into(),
                content: "hi".into(),
            }),
            HookPoint::MessageSending => P::MessageSending(outbound),
            HookPoint::MessageSent => P::MessageSent(outbound),
            HookPoint::BeforeLlmCall => {
                P::BeforeLlmCall(api::LlmCall { provider: "offline".into(), request: request() })
            }
            HookPoint::LlmOutput => {
                P::LlmOutput(api::LlmOutput { provider: "offline".into(), response: response(), duration_ms: 4 })
            }
            HookPoint::BeforeToolCall => P::BeforeToolCall(call()),
            HookPoint::AfterToolCall => P::AfterToolCall(api::AfterToolCall {
                call: call(),
                result: result(),
                owner: "native:clock".into(),
                duration_ms: 1,
            }),
            HookPoint::ToolResultPersist => {
                P::ToolResultPersist(api::ToolResultPersist { call: call(), result: result() })
            }
            HookPoint::BeforeCompaction => {
                P::BeforeCompaction(api::Compaction { session_id: "s".into(), messages: request().messages })
            }
            HookPoint::AfterCompaction => P::AfterCompaction(api::CompactionSummary {
                session_id: "s".into(),
                summary: "sum".into(),
                compacted_messages: 3,
            }),
            HookPoint::AgentEnd => P::AgentEnd(api::AgentEnd {
                reply: "done".into(),
                iterations: 2,
                tool_calls: 1,
                usage: api::TokenUsage { prompt_tokens: 5, completion_tokens: 6 },
                duration_ms: 7,
                cancelled: Some("no".into()),
            }),
            HookPoint::ObserverEvent => P::ObserverEvent(api::ObserverEvent {
                name: "tool_call_end".into(),
                fields: serde_json::json!({"ok": true}),
            }),
        }
    }

    fn kebab(name: &str) -> String {
        name.replace('_', "-")
    }

    /// `hook-event`'s cases, each with its payload record's field names.
    fn wit_cases() -> Vec<(String, Vec<String>)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("wit/zeroclaw");
        let mut resolve = Resolve::new();
        resolve.push_dir(root.join("host/v1")).expect("host package parses");
        let (hooks, _) = resolve.push_dir(root.join("hooks/v1")).expect("hooks package parses");
        let types = resolve.packages[hooks].interfaces["types"];
        let event = resolve.interfaces[types].types["hook-event"];
        let TypeDefKind::Variant(variant) = &resolve.types[event].kind else { panic!("hook-event is a variant") };
        variant
            .cases
            .iter()
            .map(|case| {
                let mut ty = case.ty.expect("every case carries a payload");
                // Follow `use` aliases to the record itself.
                let fields = loop {
                    let Type::Id(id) = ty else { break Vec::new() };
                    match &resolve.types[id].kind {
                        TypeDefKind::Type(inner) => ty = *inner,
                        TypeDefKind::Record(record) => break record.fields.iter().map(|f| f.name.clone()).collect(),
                        other => panic!("case {} carries {other:?}", case.name),
                    }
                };
                (case.name.clone(), fields)
            })
            .collect()
    }

    #[test]
    fn catalog_and_wit_hook_event_agree_case_by_case() {
        let cases = wit_cases();
        let names: Vec<&str> = cases.iter().map(|(n, _)| n.as_str()).collect();
        let catalog: Vec<String> = HookPoint::ALL.iter().map(|p| kebab(p.name())).collect();
        assert_eq!(names, catalog, "the WIT variant lists the catalog's points, in catalog order");
        for (point, (case, fields)) in HookPoint::ALL.iter().zip(&cases) {
            let payload = sample(*point);
            let event = event_to_wit(&payload);
            assert_eq!(event_case_name(&event), case, "{point:?} converts to its own case");
            assert_eq!(event_from_wit(event).unwrap(), payload, "{point:?} round-trips");
            // The record's fields are the payload's fields.
            let json = serde_json::to_value(&payload).unwrap();
            let mut keys: Vec<String> = json["payload"].as_object().unwrap().keys().map(|k| kebab(k)).collect();
            let mut fields = fields.clone();
            keys.sort();
            fields.sort();
            assert_eq!(keys, fields, "{point:?}: payload fields and WIT record fields");
        }
    }

    /// Debug text with type paths and field spellings normalised, so a view and its owned
    /// record compare by content.
    fn shape(debug: String) -> String {
        debug.replace("HookEvent::", "").replace('-', "_")
    }

    #[test]
    fn the_borrowed_views_carry_what_the_owned_conversion_does() {
        use super::super::view::{self, Seen};
        for point in HookPoint::ALL {
            let payload = sample(*point);
            let owned = format!("{:?}", event_to_wit(&payload));
            assert_eq!(shape(format!("{:?}", view::event(&payload, Seen::Whole))), shape(owned), "{point:?}");
        }
        let ctx = api::HookContext::session("a", "s", "cli");
        assert_eq!(shape(format!("{:?}", view::context(&ctx))), shape(format!("{:?}", context_to_wit(&ctx))));
        let owned = format!("{:?}", request_to_wit(&request()));
        assert_eq!(shape(format!("{:?}", view::request(&request(), Seen::Whole))), shape(owned));
    }

    #[test]
    fn redacting_while_viewing_agrees_with_the_reference_redaction() {
        use super::super::view::{self, Seen};
        use crate::plugins::conversation;
        for point in HookPoint::ALL {
            let payload = sample(*point);
            let reference = conversation::redact(&payload);
            assert_eq!(conversation::carries(*point), reference.is_some(), "{point:?}");
            let expected = view::event(reference.as_ref().unwrap_or(&payload), Seen::Whole);
            let seen = view::event(&payload, Seen::Redacted);
            assert_eq!(format!("{seen:?}"), format!("{expected:?}"), "{point:?}");
        }
    }

    #[test]
    fn malformed_guest_json_is_a_contract_error_not_a_panic() {
        let bad =
            wh::HookEvent::BeforeToolCall(wt::ToolCall { id: "1".into(), name: "x".into(), arguments: "{oops".into() });
        let err = event_from_wit(bad).unwrap_err().to_string();
        assert!(err.contains("tool-call.arguments is not valid JSON"), "{err}");
    }
}
