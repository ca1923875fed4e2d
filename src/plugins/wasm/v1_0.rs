//! Contract 1.0's `hook-event`, frozen: what a hook guest built against 1.0 is sent, and
//! what it answers, converted up to the newest version.
//!
//! 1.1 added a hook point (`llm_error`), so the newest `hook-event` has a case 1.0 lacks,
//! and the `handle` a 1.0 guest exports has another type. This list of 1.0's cases is
//! written once and never edited (like `wit/published/1.0.0/`); the payload records are
//! the same in both versions (a minor never changes a published type), so each case
//! reuses the newest view and record. A point added later simply has no case here: a 1.0
//! guest cannot subscribe to it (the manifest and load checks refuse that), and should an
//! event of it reach this conversion anyway, it is refused as a contract error, never
//! sent.

use wasmtime::component::{ComponentType, Lift, Lower};
use zeroclaw_plugin_api as api;

use wasmtime::component::TypedFunc;

use super::bindings::hooks::zeroclaw::hooks::types as wh;
use super::hook_event::{self, WitPayload};
use super::view;

/// `zeroclaw:hooks/handler.handle` as 1.0 has it: checked at load like every export alias
/// (`signature.rs`).
pub type Handle<'a, 'v> = TypedFunc<(&'a view::HookContext<'v>, &'a HookEvent<'a, 'v>), (Result<Outcome, String>,)>;

macro_rules! frozen_hook_event {
    ($( $variant:ident = $wit:literal / $payload:ty ),* $(,)?) => {
        /// 1.0's `hook-event`, borrowed: what a 1.0 guest is sent. Each case borrows the
        /// newest event's view, so sending a 1.0 guest its version copies nothing.
        #[derive(ComponentType, Lower, Debug)]
        #[component(variant)]
        pub enum HookEvent<'a, 'v: 'a> {
            $( #[component(name = $wit)] $variant(&'a <$payload as WitPayload>::View<'v>), )*
        }

        /// 1.0's `hook-event`, owned: what a 1.0 guest's `modify` carries back.
        #[derive(ComponentType, Lift)]
        #[component(variant)]
        pub enum OwnedEvent {
            $( #[component(name = $wit)] $variant(<$payload as WitPayload>::Wit), )*
        }

        /// The newest event as 1.0 sees it, or its point when 1.0 has no such point.
        pub fn event<'a, 'v>(event: &'a hook_event::HookEvent<'v>) -> Result<HookEvent<'a, 'v>, api::HookPoint> {
            match event {
                $( hook_event::HookEvent::$variant(p) => Ok(HookEvent::$variant(p)), )*
                newer => Err(newer.point()),
            }
        }

        /// A 1.0 event up to the newest version's.
        fn up(event: OwnedEvent) -> wh::HookEvent {
            match event {
                $( OwnedEvent::$variant(p) => wh::HookEvent::$variant(p), )*
            }
        }

        /// The points 1.0 has, in its order.
        #[cfg(test)]
        pub const POINTS: &[api::HookPoint] = &[$( api::HookPoint::$variant, )*];
    };
}

frozen_hook_event! {
    GatewayStart = "gateway-start" / api::GatewayStart,
    GatewayStop = "gateway-stop" / api::GatewayStop,
    SessionStart = "session-start" / api::SessionStart,
    SessionEnd = "session-end" / api::SessionEnd,
    BeforeAgentStart = "before-agent-start" / api::AgentStart,
    MessageReceived = "message-received" / api::InboundMessage,
    MessageSending = "message-sending" / api::OutboundMessage,
    MessageSent = "message-sent" / api::OutboundMessage,
    BeforeLlmCall = "before-llm-call" / api::LlmCall,
    LlmOutput = "llm-output" / api::LlmOutput,
    BeforeToolCall = "before-tool-call" / api::ToolCall,
    AfterToolCall = "after-tool-call" / api::AfterToolCall,
    ToolResultPersist = "tool-result-persist" / api::ToolResultPersist,
    BeforeCompaction = "before-compaction" / api::Compaction,
    AfterCompaction = "after-compaction" / api::CompactionSummary,
    AgentEnd = "agent-end" / api::AgentEnd,
    ObserverEvent = "observer-event" / api::ObserverEvent,
}

/// 1.0's `outcome`.
#[derive(ComponentType, Lift)]
#[component(variant)]
pub enum Outcome {
    /// Pass the event on unchanged.
    #[component(name = "continue")]
    Continue,
    /// Replace the payload.
    #[component(name = "modify")]
    Modify(OwnedEvent),
    /// Stop the hook with a reason.
    #[component(name = "cancel")]
    Cancel(String),
}

/// A 1.0 outcome up to the newest version's.
pub fn outcome_up(outcome: Outcome) -> wh::Outcome {
    match outcome {
        Outcome::Continue => wh::Outcome::Continue,
        Outcome::Modify(event) => wh::Outcome::Modify(up(event)),
        Outcome::Cancel(reason) => wh::Outcome::Cancel(reason),
    }
}
