//! The `HookHandler` kind: observe, rewrite or cancel what flows through the agent.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::catalog::{HookPayload, HookPoint};
use crate::error::HookError;

/// Where a hook fires: which agent, session and channel.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookContext {
    /// The agent's id (from config; `zeroclaw` by default).
    pub agent_id: String,
    /// The session, when the hook belongs to one.
    pub session_id: Option<String>,
    /// The channel (`cli`, `gateway`), when the hook belongs to one.
    pub channel: Option<String>,
}

impl HookContext {
    /// A context outside any session (gateway start, observer events).
    pub fn agent(agent_id: impl Into<String>) -> Self {
        HookContext { agent_id: agent_id.into(), session_id: None, channel: None }
    }

    /// A context inside a session.
    pub fn session(agent_id: impl Into<String>, session_id: impl Into<String>, channel: impl Into<String>) -> Self {
        HookContext { agent_id: agent_id.into(), session_id: Some(session_id.into()), channel: Some(channel.into()) }
    }
}

/// What a handler decided.
#[derive(Clone, Debug, PartialEq)]
pub enum HookOutcome {
    /// Pass the payload on unchanged.
    Continue,
    /// Replace the payload. It must be the same hook point's payload; the runner refuses
    /// a payload of another kind and keeps the previous value.
    Modify(HookPayload),
    /// Stop: lower-priority handlers do not run and the call site applies the cancel (the
    /// tool is not run and the model is told why, the message is dropped, …).
    Cancel(String),
}

/// A handler's subscription to one hook point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Subscription {
    /// The hook point.
    pub point: HookPoint,
    /// Higher runs first. Ties break on plugin id, then handler name.
    pub priority: i32,
}

impl Subscription {
    /// A subscription at `priority`.
    pub const fn new(point: HookPoint, priority: i32) -> Self {
        Subscription { point, priority }
    }
}

/// A hook handler.
///
/// One method for every hook point: the payload says which point fired. A handler only
/// sees the points it subscribed to. For a void point the outcome is ignored; for a
/// modifying point, [`HookOutcome::Modify`] replaces the payload for the handlers after it.
///
/// Native handlers must not block the thread: do blocking work in
/// `tokio::task::spawn_blocking`. The runner bounds every call by a timeout, but a timeout
/// can only cut a handler at an `.await`.
#[async_trait]
pub trait HookHandler: Send + Sync {
    /// The handler's name, unique within its plugin (the last ordering tie-breaker).
    fn name(&self) -> &str;

    /// The points this handler listens to, with their priorities.
    fn subscriptions(&self) -> Vec<Subscription>;

    /// Handles one event.
    async fn handle(&self, ctx: &HookContext, payload: &HookPayload) -> Result<HookOutcome, HookError>;
}
