//! The agent's side of `tools:invoke`: a tool call a plugin makes runs through the same
//! pipeline as the model's (hooks, the tool's schema, the security policy), in the snapshot
//! current when it is made, and is recorded as the plugin's.
//!
//! The hooks see it in a context of its own: no session (the call belongs to no
//! conversation), channel `plugin:<id>`, so a `before_tool_call` handler can tell who asked.

use std::sync::Weak;
use std::sync::atomic::{AtomicU64, Ordering};

use zeroclaw_plugin_api::{HookContext, ToolCall};

use super::host::Agent;
use crate::observability::Event;
use crate::plugins::invoke::{CallChain, InvokeError, PluginToolCall, ToolInvoker};
use crate::tools::{Allowlist, Executed, Stopped, ToolExecutor};

/// Serves plugins' tool calls with the agent's pipeline.
pub(super) struct PluginToolCalls {
    agent: Weak<Agent>,
    /// Numbers the calls, for their ids (`<plugin>-<n>`).
    next: AtomicU64,
}

impl PluginToolCalls {
    /// Calls served by `agent` while it runs.
    pub(super) fn new(agent: Weak<Agent>) -> Self {
        PluginToolCalls { agent, next: AtomicU64::new(1) }
    }
}

/// The channel a plugin's tool calls carry in their hook context.
fn plugin_channel(plugin_id: &str) -> String {
    format!("plugin:{plugin_id}")
}

/// What the pipeline's answer is to the plugin that asked.
fn answer(done: Executed) -> Result<String, InvokeError> {
    let content = done.result.content;
    match done.stopped {
        None if !done.result.is_error => Ok(content),
        None => Err(InvokeError::Failed(content)),
        Some(Stopped::Blocked) => Err(InvokeError::Cancelled(content)),
        Some(Stopped::NotFound) => Err(InvokeError::NotFound(content)),
        Some(Stopped::Refused) => Err(InvokeError::Denied(content)),
        Some(Stopped::InvalidArguments) => Err(InvokeError::InvalidArguments(content)),
    }
}

#[async_trait::async_trait]
impl ToolInvoker for PluginToolCalls {
    async fn invoke(&self, call: PluginToolCall) -> Result<String, InvokeError> {
        let Some(agent) = self.agent.upgrade() else {
            return Err(InvokeError::Denied(format!("the agent has stopped; `{}` was not called", call.name)));
        };
        let caller = call.caller.plugin_id().to_string();
        let ctx = HookContext {
            agent_id: agent.config.config.agent.id.clone(),
            session_id: None,
            channel: Some(plugin_channel(&caller)),
        };
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let tool_call = ToolCall { id: format!("{caller}-{n}"), name: call.name.clone(), arguments: call.arguments };
        let snapshot = agent.runtime.snapshot();
        let executor = ToolExecutor { runner: &agent.runner, policy: &agent.policy, observer: agent.observer.as_ref() };
        let allowed = Allowlist { caller: &caller, tools: &call.allowed };
        let done = executor.execute_within(&snapshot, &ctx, tool_call, Some(allowed)).await;
        agent.observer.record(&Event::PluginToolCall {
            caller: call.caller,
            tool: call.name,
            owner: done.owner.clone(),
            success: done.stopped.is_none() && !done.result.is_error,
            chain: CallChain::current().to_string(),
        });
        answer(done)
    }
}
