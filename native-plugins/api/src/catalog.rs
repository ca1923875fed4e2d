//! The hook catalog: every hook point, declared once.
//!
//! `hook_catalog!` below is the single source of truth. From it come [`HookPoint`] (names,
//! kinds, rights), [`HookPayload`] (one case per point), one marker type per point in
//! [`hooks`] (so call sites are typed: `run::<hooks::BeforeToolCall>` only compiles for a
//! modifying point, `fire::<hooks::AgentEnd>` only for a void one) and the lookups the
//! runner, the native trait and the wasm adapter use; [`with_hook_catalog!`] hands the same
//! list to the host, which derives its WIT conversions and redaction table from it. Adding
//! a hook point means one line here (at the end: WIT cases only ever grow at the end), one
//! case in `wit/zeroclaw/hooks/v1`, its call site, and the contract version that adds it
//! (`hook_point_since` in the host; its match has no wildcard, so the compiler asks).

use serde::{Deserialize, Serialize};

/// Whether a hook point observes or may rewrite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HookKind {
    /// Observe only; handlers run concurrently and their outcome is ignored.
    Void,
    /// Handlers run in order; each may rewrite the payload or cancel.
    Modifying,
}

/// The right a plugin needs to rewrite (or cancel) a modifying hook's payload.
///
/// Native plugins hold every right; wasm plugins hold those the operator granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MutationRight {
    /// `prompt:modify`: the system prompt, context and the model request.
    #[serde(rename = "prompt:modify")]
    Prompt,
    /// `messages:modify`: channel messages and compaction.
    #[serde(rename = "messages:modify")]
    Messages,
    /// `tool-calls:modify`: tool calls before they run.
    #[serde(rename = "tool-calls:modify")]
    ToolCalls,
    /// `tool-results:modify`: tool results before they are persisted.
    #[serde(rename = "tool-results:modify")]
    ToolResults,
}

impl MutationRight {
    /// Every right.
    pub const ALL: [MutationRight; 4] =
        [MutationRight::Prompt, MutationRight::Messages, MutationRight::ToolCalls, MutationRight::ToolResults];

    /// The capability name, e.g. `tool-results:modify`.
    pub fn capability(self) -> &'static str {
        match self {
            MutationRight::Prompt => "prompt:modify",
            MutationRight::Messages => "messages:modify",
            MutationRight::ToolCalls => "tool-calls:modify",
            MutationRight::ToolResults => "tool-results:modify",
        }
    }
}

/// A hook point as a type: the marker types in [`hooks`] implement it, nothing else can.
pub trait Hook: sealed::Sealed + 'static {
    /// The point.
    const POINT: HookPoint;
    /// Its payload type.
    type Payload: Clone + Send + Sync + 'static;
    /// Wraps a payload of this point into the catalog's enum (a move, never a copy).
    fn lend(payload: Self::Payload) -> HookPayload;
    /// Takes this point's payload back out of the enum, or gives the enum back when it
    /// holds another point's payload.
    #[allow(clippy::result_large_err, reason = "the enum given back is the caller's own value, moved")]
    fn reclaim(payload: HookPayload) -> Result<Self::Payload, HookPayload>;
}

/// A modifying point: handlers run in order and may rewrite or cancel.
///
/// Only the catalog's modifying markers implement it, so a void point where a modifying
/// one is required does not compile:
///
/// ```
/// use zeroclaw_plugin_api::{ModifyingHook, hooks};
/// fn run<H: ModifyingHook>() {}
/// run::<hooks::BeforeToolCall>();
/// ```
///
/// ```compile_fail
/// use zeroclaw_plugin_api::{ModifyingHook, hooks};
/// fn run<H: ModifyingHook>() {}
/// run::<hooks::AgentEnd>(); // agent_end is void
/// ```
pub trait ModifyingHook: Hook {}

/// A void point: handlers observe concurrently; their outcome is ignored.
///
/// ```
/// use zeroclaw_plugin_api::{VoidHook, hooks};
/// fn fire<H: VoidHook>() {}
/// fire::<hooks::AgentEnd>();
/// ```
///
/// ```compile_fail
/// use zeroclaw_plugin_api::{VoidHook, hooks};
/// fn fire<H: VoidHook>() {}
/// fire::<hooks::BeforeToolCall>(); // before_tool_call is modifying
/// ```
pub trait VoidHook: Hook {}

mod sealed {
    pub trait Sealed {}
}

/// Which of [`ModifyingHook`] and [`VoidHook`] a marker implements, from its catalog kind.
macro_rules! hook_kind_marker {
    (Void, $variant:ident) => {
        impl VoidHook for hooks::$variant {}
    };
    (Modifying, $variant:ident) => {
        impl ModifyingHook for hooks::$variant {}
    };
}

macro_rules! hook_catalog {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident = $name:literal / $wit:literal, $kind:ident, $payload:ty, $right:expr, [$($field:literal),*];
    )*) => {
        /// A hook point of the catalog.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum HookPoint {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl HookPoint {
            /// Every hook point, in catalog order.
            pub const ALL: &'static [HookPoint] = &[$(HookPoint::$variant,)*];

            /// How many hook points there are.
            pub const COUNT: usize = HookPoint::ALL.len();

            /// The snake_case name used in config, manifests and logs.
            pub const fn name(self) -> &'static str {
                match self { $(HookPoint::$variant => $name,)* }
            }

            /// The name of this point's case in the WIT `hook-event` variant
            /// (`before-agent-start`): the name on the wire, for plugin authors and errors.
            pub const fn wit_name(self) -> &'static str {
                match self { $(HookPoint::$variant => $wit,)* }
            }

            /// Void or modifying.
            pub const fn kind(self) -> HookKind {
                match self { $(HookPoint::$variant => HookKind::$kind,)* }
            }

            /// The right needed to rewrite or cancel this point's payload (`None` for void points).
            pub const fn required_right(self) -> Option<MutationRight> {
                match self { $(HookPoint::$variant => $right,)* }
            }

            /// The payload fields the call site reads back from a rewrite (empty for void
            /// points): a rewrite that changes any other field changes nothing.
            pub const fn rewritable_fields(self) -> &'static [&'static str] {
                match self { $(HookPoint::$variant => &[$($field),*],)* }
            }

            /// Looks a point up by its snake_case name.
            pub fn from_name(name: &str) -> Option<HookPoint> {
                match name { $($name => Some(HookPoint::$variant),)* _ => None }
            }

            /// A dense index in `0..COUNT`, for per-point tables.
            pub const fn index(self) -> usize {
                self as usize
            }
        }

        /// A hook payload: one case per hook point, carrying that point's payload type.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "hook", content = "payload", rename_all = "snake_case")]
        pub enum HookPayload {
            $( $(#[doc = $doc])* $variant($payload), )*
        }

        impl HookPayload {
            /// The hook point this payload belongs to.
            pub const fn point(&self) -> HookPoint {
                match self { $(HookPayload::$variant(_) => HookPoint::$variant,)* }
            }

            /// The payload of `point` from its fields as JSON (`{"content": "hi", …}`, as
            /// `plugins fire` and test cases write them).
            pub fn from_fields(point: HookPoint, fields: serde_json::Value) -> Result<HookPayload, serde_json::Error> {
                serde_json::from_value(serde_json::json!({"hook": point.name(), "payload": fields}))
            }

            /// This payload's fields as JSON, the inverse of [`HookPayload::from_fields`].
            pub fn fields(&self) -> serde_json::Value {
                let mut tagged = serde_json::to_value(self).unwrap_or_default();
                tagged["payload"].take()
            }
        }

        /// One marker type per hook point, for typed call sites:
        /// `runner.run::<hooks::BeforeToolCall>(ctx, call)`, `runner.fire::<hooks::AgentEnd>(ctx, end)`.
        ///
        /// The markers have no values; they only name a point, its payload type and its kind.
        pub mod hooks {
            $( $(#[doc = $doc])* #[derive(Clone, Copy, Debug)] pub enum $variant {} )*
        }

        $(
            impl sealed::Sealed for hooks::$variant {}

            impl Hook for hooks::$variant {
                const POINT: HookPoint = HookPoint::$variant;
                type Payload = $payload;

                fn lend(payload: $payload) -> HookPayload {
                    HookPayload::$variant(payload)
                }

                #[allow(clippy::result_large_err, reason = "the enum given back is the caller's own value, moved")]
                fn reclaim(payload: HookPayload) -> Result<$payload, HookPayload> {
                    match payload {
                        HookPayload::$variant(payload) => Ok(payload),
                        other => Err(other),
                    }
                }
            }

            hook_kind_marker!($kind, $variant);
        )*
    };
}

/// Calls `$callback! { … }` with the whole catalog, one line per hook point:
///
/// ```text
/// /// doc
/// Variant = "snake_name" / "wit-case-name", Void|Modifying, PayloadType, right, [rewritable fields];
/// ```
///
/// The catalog's own types below come from it; so do the wasm backend's `hook-event`
/// conversions and the host's redaction table, so a new hook point is one line here (plus
/// its payload type, when it is new), one WIT case and its call site. `$callback` must be a
/// `macro_rules!` macro in scope at the call site; payload types and rights are `$crate`
/// paths, so they resolve anywhere.
#[macro_export]
macro_rules! with_hook_catalog {
    ($callback:ident) => {
        $callback! {
            /// The gateway started listening.
            GatewayStart = "gateway_start" / "gateway-start", Void, $crate::GatewayStart, None, [];
            /// The gateway is shutting down (bounded wait).
            GatewayStop = "gateway_stop" / "gateway-stop", Void, $crate::GatewayStop, None, [];
            /// A session's first message.
            SessionStart = "session_start" / "session-start", Void, $crate::SessionStart, None, [];
            /// A session closed, was reset, or the host shut down.
            SessionEnd = "session_end" / "session-end", Void, $crate::SessionEnd, None, [];
            /// Turn start: rewrite the system prompt and extra context.
            BeforeAgentStart = "before_agent_start" / "before-agent-start", Modifying, $crate::AgentStart, Some($crate::MutationRight::Prompt), ["system_prompt", "context"];
            /// A channel message arrived: rewrite it or drop it.
            MessageReceived = "message_received" / "message-received", Modifying, $crate::InboundMessage, Some($crate::MutationRight::Messages), ["content"];
            /// A reply is about to be sent: rewrite it or cancel it.
            MessageSending = "message_sending" / "message-sending", Modifying, $crate::OutboundMessage, Some($crate::MutationRight::Messages), ["content"];
            /// A reply was delivered.
            MessageSent = "message_sent" / "message-sent", Void, $crate::OutboundMessage, None, [];
            /// Before every provider call: rewrite the request or cancel the turn.
            BeforeLlmCall = "before_llm_call" / "before-llm-call", Modifying, $crate::LlmCall, Some($crate::MutationRight::Prompt), ["request"];
            /// After every provider call.
            LlmOutput = "llm_output" / "llm-output", Void, $crate::LlmOutput, None, [];
            /// Before every tool execution: rewrite the arguments or block the call.
            BeforeToolCall = "before_tool_call" / "before-tool-call", Modifying, $crate::ToolCall, Some($crate::MutationRight::ToolCalls), ["id", "name", "arguments"];
            /// After every tool execution.
            AfterToolCall = "after_tool_call" / "after-tool-call", Void, $crate::AfterToolCall, None, [];
            /// Before a tool result enters history or storage: rewrite it.
            ToolResultPersist = "tool_result_persist" / "tool-result-persist", Modifying, $crate::ToolResultPersist, Some($crate::MutationRight::ToolResults), ["result"];
            /// Before history compaction: rewrite the slice or cancel compaction.
            BeforeCompaction = "before_compaction" / "before-compaction", Modifying, $crate::Compaction, Some($crate::MutationRight::Messages), ["messages"];
            /// After history compaction: rewrite the summary.
            AfterCompaction = "after_compaction" / "after-compaction", Modifying, $crate::CompactionSummary, Some($crate::MutationRight::Messages), ["summary"];
            /// End of a turn.
            AgentEnd = "agent_end" / "agent-end", Void, $crate::AgentEnd, None, [];
            /// Every observer event, through the ObserverBridge.
            ObserverEvent = "observer_event" / "observer-event", Void, $crate::ObserverEvent, None, [];
            /// A provider call failed, after the retries and fallbacks (contract 1.1).
            LlmError = "llm_error" / "llm-error", Void, $crate::LlmError, None, [];
        }
    };
}

with_hook_catalog!(hook_catalog);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payloads::*;
    use crate::types::ToolCall;

    #[test]
    fn names_round_trip_and_indexes_are_dense() {
        for (i, point) in HookPoint::ALL.iter().enumerate() {
            assert_eq!(HookPoint::from_name(point.name()), Some(*point));
            assert_eq!(point.wit_name(), point.name().replace('_', "-"), "the WIT case is the name in kebab case");
            assert_eq!(point.index(), i);
        }
        assert_eq!(HookPoint::from_name("no_such_hook"), None);
    }

    #[test]
    fn exactly_the_modifying_points_require_a_right() {
        for point in HookPoint::ALL {
            assert_eq!(point.kind() == HookKind::Modifying, point.required_right().is_some(), "{point:?}");
        }
    }

    #[test]
    fn rewritable_fields_are_payload_fields_of_modifying_points_only() {
        use crate::types::{ChatMessage, ChatRequest, ToolResult};
        let call = ToolCall { id: "c".into(), name: "t".into(), arguments: serde_json::json!({}) };
        let result = ToolResult { call_id: "c".into(), name: "t".into(), content: String::new(), is_error: false };
        let modifying = [
            HookPayload::BeforeAgentStart(AgentStart {
                system_prompt: String::new(),
                context: Vec::new(),
                user_message: String::new(),
            }),
            HookPayload::MessageReceived(InboundMessage {
                channel: String::new(),
                sender: String::new(),
                content: String::new(),
            }),
            HookPayload::MessageSending(OutboundMessage {
                channel: String::new(),
                recipient: String::new(),
                content: String::new(),
            }),
            HookPayload::BeforeLlmCall(LlmCall { provider: String::new(), request: ChatRequest::default() }),
            HookPayload::BeforeToolCall(call.clone()),
            HookPayload::ToolResultPersist(ToolResultPersist { call, result }),
            HookPayload::BeforeCompaction(Compaction {
                session_id: String::new(),
                messages: vec![ChatMessage::user("x")],
            }),
            HookPayload::AfterCompaction(CompactionSummary {
                session_id: String::new(),
                summary: String::new(),
                compacted_messages: 0,
            }),
        ];
        for payload in &modifying {
            let json = serde_json::to_value(payload).unwrap();
            let fields = payload.point().rewritable_fields();
            assert!(!fields.is_empty(), "{:?}", payload.point());
            for field in fields {
                assert!(
                    json["payload"].get(field).is_some(),
                    "{:?}: `{field}` is not a payload field",
                    payload.point()
                );
            }
        }
        let covered: Vec<HookPoint> = modifying.iter().map(HookPayload::point).collect();
        for point in HookPoint::ALL {
            assert_eq!(covered.contains(point), point.kind() == HookKind::Modifying, "{point:?}");
            if point.kind() == HookKind::Void {
                assert!(point.rewritable_fields().is_empty(), "{point:?}");
            }
        }
    }

    #[test]
    fn markers_carry_their_point_and_reclaim_only_their_payload() {
        fn point_of<H: Hook>() -> HookPoint {
            H::POINT
        }
        assert_eq!(point_of::<hooks::BeforeToolCall>(), HookPoint::BeforeToolCall);
        assert_eq!(point_of::<hooks::ObserverEvent>(), HookPoint::ObserverEvent);
        let start = GatewayStart { bind_addr: "127.0.0.1:1".into() };
        let lent = hooks::GatewayStart::lend(start.clone());
        assert_eq!(lent.point(), HookPoint::GatewayStart);
        assert_eq!(hooks::GatewayStart::reclaim(lent.clone()), Ok(start));
        assert_eq!(hooks::GatewayStop::reclaim(lent.clone()), Err(lent));
    }

    #[test]
    fn payload_serialises_with_its_hook_name() {
        let payload = HookPayload::GatewayStart(GatewayStart { bind_addr: "127.0.0.1:1".into() });
        let json = serde_json::to_value(&payload).unwrap();
        assert_eq!(json["hook"], "gateway_start");
        assert_eq!(serde_json::from_value::<HookPayload>(json).unwrap(), payload);
    }
}
