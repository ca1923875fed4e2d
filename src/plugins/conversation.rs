//! `conversation:read`: without it, a plugin's hooks see message and model content
//! redacted. Tool calls and results are not conversation content (tool hooks need them);
//! what a user and the model say to each other is.
//!
//! A plugin that saw a payload redacted cannot rewrite it: it would write the redaction
//! marks back. The wasm adapter refuses such a rewrite.

use zeroclaw_plugin_api::{ChatMessage, HookPayload, HookPoint, Role};

/// What replaces redacted text.
pub const REDACTED: &str = "[redacted: conversation:read not granted]";

fn hide(text: &mut String) {
    if !text.is_empty() {
        *text = REDACTED.to_string();
    }
}

fn hide_messages(messages: &mut [ChatMessage]) {
    for message in messages.iter_mut().filter(|m| m.role != Role::System) {
        hide(&mut message.content);
    }
}

/// Whether payloads of `point` carry conversation content (and so are redacted for a
/// plugin without `conversation:read`).
pub fn carries(point: HookPoint) -> bool {
    use HookPoint as H;
    match point {
        H::BeforeAgentStart
        | H::MessageReceived
        | H::MessageSending
        | H::MessageSent
        | H::BeforeLlmCall
        | H::LlmOutput
        | H::BeforeCompaction
        | H::AfterCompaction
        | H::AgentEnd => true,
        H::GatewayStart
        | H::GatewayStop
        | H::SessionStart
        | H::SessionEnd
        | H::BeforeToolCall
        | H::AfterToolCall
        | H::ToolResultPersist
        | H::ObserverEvent => false,
    }
}

/// A copy of `payload` with conversation content replaced by [`REDACTED`], or `None`
/// when the payload carries none. The reference definition: the wasm backend redacts
/// while it converts a payload, and a test checks it agrees with this, point by point.
pub fn redact(payload: &HookPayload) -> Option<HookPayload> {
    use HookPayload as P;
    let mut copy = payload.clone();
    match &mut copy {
        P::BeforeAgentStart(start) => {
            hide(&mut start.user_message);
            start.context.iter_mut().for_each(hide);
        }
        P::MessageReceived(m) => hide(&mut m.content),
        P::MessageSending(m) | P::MessageSent(m) => hide(&mut m.content),
        P::BeforeLlmCall(call) => hide_messages(&mut call.request.messages),
        P::LlmOutput(out) => hide(&mut out.response.text),
        P::BeforeCompaction(c) => hide_messages(&mut c.messages),
        P::AfterCompaction(s) => hide(&mut s.summary),
        P::AgentEnd(end) => hide(&mut end.reply),
        P::GatewayStart(_)
        | P::GatewayStop(_)
        | P::SessionStart(_)
        | P::SessionEnd(_)
        | P::BeforeToolCall(_)
        | P::AfterToolCall(_)
        | P::ToolResultPersist(_)
        | P::ObserverEvent(_) => return None,
    }
    Some(copy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroclaw_plugin_api::{AgentStart, ChatRequest, LlmCall, OutboundMessage};

    #[test]
    fn message_and_model_content_is_hidden_and_the_rest_kept() {
        let start = HookPayload::BeforeAgentStart(AgentStart {
            system_prompt: "be brief".into(),
            context: vec!["remember: likes tea".into()],
            user_message: "my password is x".into(),
        });
        let Some(HookPayload::BeforeAgentStart(seen)) = redact(&start) else { panic!() };
        assert_eq!(seen.system_prompt, "be brief", "the operator's prompt is not conversation");
        assert_eq!(seen.user_message, REDACTED);
        assert_eq!(seen.context, [REDACTED]);

        let call = HookPayload::BeforeLlmCall(LlmCall {
            provider: "p".into(),
            request: ChatRequest {
                messages: vec![ChatMessage::system("sys"), ChatMessage::user("secret")],
                ..Default::default()
            },
        });
        let Some(HookPayload::BeforeLlmCall(seen)) = redact(&call) else { panic!() };
        assert_eq!(seen.request.messages[0].content, "sys");
        assert_eq!(seen.request.messages[1].content, REDACTED);

        let sent = HookPayload::MessageSent(OutboundMessage {
            channel: "cli".into(),
            recipient: "u".into(),
            content: "hi".into(),
        });
        let Some(HookPayload::MessageSent(seen)) = redact(&sent) else { panic!() };
        assert_eq!((seen.channel.as_str(), seen.content.as_str()), ("cli", REDACTED));
    }

    #[test]
    fn tool_payloads_carry_no_conversation() {
        let call = HookPayload::BeforeToolCall(zeroclaw_plugin_api::ToolCall {
            id: "1".into(),
            name: "clock".into(),
            arguments: serde_json::json!({}),
        });
        assert_eq!(redact(&call), None);
    }
}
