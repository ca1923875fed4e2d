//! `conversation:read`: without it, a plugin's hooks see message and model content
//! redacted. Tool calls and results are not conversation content (tool hooks need them);
//! what a user and the model say to each other is.
//!
//! A plugin that saw a payload redacted cannot rewrite it: it would write the redaction
//! marks back. The wasm adapter refuses such a rewrite.

use zeroclaw_plugin_api::{self as api, ChatMessage, HookPayload, HookPoint, Role};

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

/// How a payload type holds conversation content: every catalog payload type says, so a
/// new type cannot be sent unredacted by default.
pub trait Conversation {
    /// The payload fields that hold conversation content (all or part of them is
    /// redacted); empty when the type carries none. A test checks it against [`Self::redact`].
    const REDACTED: &'static [&'static str];
    /// Replaces the conversation content in place with [`REDACTED`] (does nothing when
    /// [`Self::REDACTED`] is empty).
    fn redact(&mut self);
}

/// A type that carries no conversation content.
macro_rules! carries_none {
    ($($ty:ident),*) => {$(
        impl Conversation for api::$ty {
            const REDACTED: &'static [&'static str] = &[];
            fn redact(&mut self) {}
        }
    )*};
}

// Tool calls and results are what tool hooks exist to see; the rest is host bookkeeping.
carries_none!(
    GatewayStart,
    GatewayStop,
    SessionStart,
    SessionEnd,
    ToolCall,
    AfterToolCall,
    ToolResultPersist,
    ObserverEvent
);

// A provider's error may quote the request it refused.
impl Conversation for api::LlmError {
    const REDACTED: &'static [&'static str] = &["error"];
    fn redact(&mut self) {
        hide(&mut self.error);
    }
}

impl Conversation for api::AgentStart {
    const REDACTED: &'static [&'static str] = &["context", "user_message"];
    fn redact(&mut self) {
        // The system prompt is the operator's, not the conversation.
        hide(&mut self.user_message);
        self.context.iter_mut().for_each(hide);
    }
}

impl Conversation for api::InboundMessage {
    const REDACTED: &'static [&'static str] = &["content"];
    fn redact(&mut self) {
        hide(&mut self.content);
    }
}

impl Conversation for api::OutboundMessage {
    const REDACTED: &'static [&'static str] = &["content"];
    fn redact(&mut self) {
        hide(&mut self.content);
    }
}

impl Conversation for api::LlmCall {
    const REDACTED: &'static [&'static str] = &["request"];
    fn redact(&mut self) {
        hide_messages(&mut self.request.messages);
    }
}

impl Conversation for api::LlmOutput {
    const REDACTED: &'static [&'static str] = &["response"];
    fn redact(&mut self) {
        hide(&mut self.response.text);
    }
}

impl Conversation for api::Compaction {
    const REDACTED: &'static [&'static str] = &["messages"];
    fn redact(&mut self) {
        hide_messages(&mut self.messages);
    }
}

impl Conversation for api::CompactionSummary {
    const REDACTED: &'static [&'static str] = &["summary"];
    fn redact(&mut self) {
        hide(&mut self.summary);
    }
}

impl Conversation for api::AgentEnd {
    const REDACTED: &'static [&'static str] = &["reply"];
    fn redact(&mut self) {
        hide(&mut self.reply);
    }
}

macro_rules! by_point {
    ($( $(#[doc = $doc:literal])* $variant:ident = $name:literal / $wit:literal, $kind:ident, $payload:ty, $right:expr, [$($field:literal),*]; )*) => {
        /// Whether payloads of `point` carry conversation content (and so are redacted for
        /// a plugin without `conversation:read`).
        pub fn carries(point: HookPoint) -> bool {
            !redacted_fields(point).is_empty()
        }

        /// The payload fields of `point` that hold conversation content.
        pub fn redacted_fields(point: HookPoint) -> &'static [&'static str] {
            match point { $(HookPoint::$variant => <$payload as Conversation>::REDACTED,)* }
        }

        /// A copy of `payload` with conversation content replaced by [`REDACTED`], or
        /// `None` when the payload carries none. The reference definition: the wasm
        /// backend redacts while it views a payload, and a test checks it agrees with
        /// this, point by point.
        pub fn redact(payload: &HookPayload) -> Option<HookPayload> {
            if !carries(payload.point()) {
                return None;
            }
            let mut copy = payload.clone();
            match &mut copy { $(HookPayload::$variant(p) => p.redact(),)* }
            Some(copy)
        }
    };
}

api::with_hook_catalog!(by_point);

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
