//! `WasmHookHandler`, `WasmTool` and `WasmProvider`: the api traits over a loaded plugin.
//!
//! Callers hold these as `Arc<dyn HookHandler>` (etc.) and cannot tell them from native
//! entries. Runtime failures come back as `RuntimeFailure`s naming the plugin.

use std::sync::Arc;

use async_trait::async_trait;
use zeroclaw_plugin_api::{
    ChatRequest, ChatResponse, FailureKind, HookContext, HookError, HookHandler, HookOutcome, HookPayload, Provider,
    ProviderError, RuntimeFailure, Subscription, Tool, ToolError, ToolSpec,
};

use super::calls::{HandleHook, InvokeTool, ProviderChat};
use super::hook_event;
use super::instance::PluginInstances;
use super::view::{self, Seen};
use crate::capability::Capability;
use crate::plugins::conversation;

/// One `[[hooks]]` subscription of a wasm plugin.
pub struct WasmHookHandler {
    instances: Arc<PluginInstances>,
    name: String,
    subscription: Subscription,
    conversation_read: bool,
}

impl WasmHookHandler {
    /// A handler named `name` subscribed as `subscription`; without `conversation_read` it
    /// sees conversation content redacted.
    pub fn new(
        instances: Arc<PluginInstances>,
        name: String,
        subscription: Subscription,
        conversation_read: bool,
    ) -> Self {
        WasmHookHandler { instances, name, subscription, conversation_read }
    }
}

#[async_trait]
impl HookHandler for WasmHookHandler {
    fn name(&self) -> &str {
        &self.name
    }

    fn subscriptions(&self) -> Vec<Subscription> {
        vec![self.subscription]
    }

    async fn handle(&self, ctx: &HookContext, payload: &HookPayload) -> Result<HookOutcome, HookError> {
        let redacted = !self.conversation_read && conversation::carries(payload.point());
        let seen = if redacted { Seen::Redacted } else { Seen::Whole };
        let (ctx, event) = (view::context(ctx), hook_event::event(payload, seen));
        match self.instances.call(&HandleHook { ctx, event }).await? {
            Ok(HookOutcome::Modify(_)) if redacted => Err(RuntimeFailure::new(
                self.instances.owner().clone(),
                FailureKind::Denied,
                format!(
                    "rewrote a {} payload it could only see redacted; the rewrite is refused (to let it read and rewrite conversation content, {})",
                    payload.point().name(),
                    Capability::ConversationRead.whole_fix(self.instances.owner().plugin_id())
                ),
            )
            .into()),
            Ok(outcome) => Ok(outcome),
            Err(message) => Err(HookError::Handler(message)),
        }
    }
}

/// One tool of a wasm plugin.
pub struct WasmTool {
    instances: Arc<PluginInstances>,
    spec: ToolSpec,
}

impl WasmTool {
    /// The tool described by `spec`.
    pub fn new(instances: Arc<PluginInstances>, spec: ToolSpec) -> Self {
        WasmTool { instances, spec }
    }
}

#[async_trait]
impl Tool for WasmTool {
    fn spec(&self) -> &ToolSpec {
        &self.spec
    }

    async fn invoke(&self, args: &serde_json::Value) -> Result<String, ToolError> {
        self.instances.call(&InvokeTool { name: &self.spec.name, args }).await?
    }
}

/// One provider of a wasm plugin.
pub struct WasmProvider {
    instances: Arc<PluginInstances>,
    name: String,
}

impl WasmProvider {
    /// The provider called `name`.
    pub fn new(instances: Arc<PluginInstances>, name: String) -> Self {
        WasmProvider { instances, name }
    }
}

#[async_trait]
impl Provider for WasmProvider {
    fn name(&self) -> &str {
        &self.name
    }

    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        self.instances.call(&ProviderChat { name: &self.name, request }).await?
    }
}
