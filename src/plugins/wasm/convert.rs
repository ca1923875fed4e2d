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

pub(super) fn json_value(text: &str, what: &str) -> Result<serde_json::Value, ContractError> {
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

pub(super) fn end_reason_from_wit(reason: wh::SessionEndReason) -> api::SessionEndReason {
    match reason {
        wh::SessionEndReason::Closed => api::SessionEndReason::Closed,
        wh::SessionEndReason::Reset => api::SessionEndReason::Reset,
        wh::SessionEndReason::Shutdown => api::SessionEndReason::Shutdown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_guest_json_is_a_contract_error_not_a_panic() {
        let bad = wt::ToolCall { id: "1".into(), name: "x".into(), arguments: "{oops".into() };
        let err = tool_call_from_wit(bad).unwrap_err().to_string();
        assert!(err.contains("tool-call.arguments is not valid JSON"), "{err}");
    }
}
