//! Tools called by plugins (`tools:invoke`): the call a plugin makes, the chain of plugin
//! calls it belongs to, and the gateway through which the agent's tool pipeline serves it.
//!
//! The runtime knows nothing of the agent; the agent installs its tool pipeline here when
//! it starts ([`ToolGateway::install`]), and a plugin's call goes through it like any call
//! the model makes. What this module owns is what keeps such calls bounded: the chain of
//! plugins a call is nested in (a task-local, [`CallChain::current`]), so that a depth limit
//! holds and a plugin already running in the chain is never waited for.

use std::fmt;
use std::sync::Arc;

use parking_lot::RwLock;
use zeroclaw_plugin_api::Owner;

tokio::task_local! {
    /// The plugins whose calls the current task is nested in, outermost first.
    static CHAIN: CallChain;
}

/// The plugins a tool call is nested in, outermost first: `[a]` for a call made by plugin
/// `a` on its own, `[a, b]` for a call made by a tool of `b` that `a` called.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallChain {
    plugins: Vec<String>,
}

impl CallChain {
    /// The chain the current task runs in; empty outside any plugin's tool call.
    pub fn current() -> CallChain {
        CHAIN.try_with(CallChain::clone).unwrap_or_default()
    }

    /// Whether plugin `id` is running a call that this task is nested in. Cheap enough to
    /// ask only when a call would have to wait.
    pub fn current_contains(id: &str) -> bool {
        CHAIN.try_with(|chain| chain.contains(id)).unwrap_or(false)
    }

    /// The chain of a call made by plugin `id` from within this one.
    pub fn child(&self, id: &str) -> CallChain {
        let mut plugins = self.plugins.clone();
        plugins.push(id.to_string());
        CallChain { plugins }
    }

    /// How many plugin calls deep it is.
    pub fn depth(&self) -> usize {
        self.plugins.len()
    }

    /// Whether plugin `id` is in it.
    pub fn contains(&self, id: &str) -> bool {
        self.plugins.iter().any(|p| p == id)
    }

    /// Runs `future` as part of this chain.
    pub async fn scope<F: Future>(self, future: F) -> F::Output {
        CHAIN.scope(self, future).await
    }
}

impl fmt::Display for CallChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.plugins.join(" → "))
    }
}

/// The allowlist a host with no agent gives a plugin granted `tools:invoke` so that it
/// loads (`plugins validate`, `plugins test`): it names no tool (no tool name has this
/// shape), and with no agent every call is refused anyway.
pub const NO_TOOLS_HERE: &str = "(no agent runs here)";

/// One tool call made by a plugin.
#[derive(Clone, Debug)]
pub struct PluginToolCall {
    /// The plugin that made it.
    pub caller: Owner,
    /// The tool name.
    pub name: String,
    /// Its arguments, a JSON value (the pipeline checks it against the tool's schema).
    pub arguments: serde_json::Value,
    /// The tools the caller may call (`invoke_allow`): the pipeline checks the call's
    /// name again after `before_tool_call` may have rewritten it.
    pub allowed: Arc<[String]>,
}

/// Why a plugin's tool call produced no result. The cases are the WIT `invoke-error`'s.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    /// Not granted, not on the allowlist, or refused by the security policy.
    #[error("denied: {0}")]
    Denied(String),
    /// No tool of that name.
    #[error("not found: {0}")]
    NotFound(String),
    /// The arguments do not fit the tool's schema.
    #[error("invalid arguments: {0}")]
    InvalidArguments(String),
    /// A `before_tool_call` hook blocked it.
    #[error("cancelled: {0}")]
    Cancelled(String),
    /// The tool ran and failed (or its result was withheld).
    #[error("failed: {0}")]
    Failed(String),
    /// The depth limit or the caller's deadline.
    #[error("limit: {0}")]
    Limit(String),
}

/// What serves plugins' tool calls: the agent's tool pipeline.
#[async_trait::async_trait]
pub trait ToolInvoker: Send + Sync {
    /// Runs `call` through the pipeline; the text the tool's result carries.
    async fn invoke(&self, call: PluginToolCall) -> Result<String, InvokeError>;
}

/// Where the runtime finds the tool pipeline; empty until an agent installs one (a host
/// that runs no agent, such as `plugins test`, answers every call with an error).
#[derive(Default)]
pub struct ToolGateway {
    invoker: RwLock<Option<Arc<dyn ToolInvoker>>>,
}

impl ToolGateway {
    /// Serves plugins' tool calls with `invoker` from now on.
    pub fn install(&self, invoker: Arc<dyn ToolInvoker>) {
        *self.invoker.write() = Some(invoker);
    }

    /// Runs `call` nested in `chain` (the caller's own chain, the caller included).
    pub async fn invoke(&self, chain: CallChain, call: PluginToolCall) -> Result<String, InvokeError> {
        let invoker = self.invoker.read().clone();
        let Some(invoker) = invoker else {
            return Err(InvokeError::Denied(format!(
                "no agent runs in this host, so `{}` cannot be called (plugins run alone here)",
                call.name
            )));
        };
        chain.scope(invoker.invoke(call)).await
    }
}

impl fmt::Debug for ToolGateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolGateway").field("installed", &self.invoker.read().is_some()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_chain_is_seen_inside_its_scope_and_not_outside() {
        assert_eq!(CallChain::current().depth(), 0);
        let chain = CallChain::default().child("a");
        let inner = chain
            .clone()
            .scope(async {
                let seen = CallChain::current();
                (seen.depth(), CallChain::current_contains("a"), CallChain::current_contains("b"), seen.child("b"))
            })
            .await;
        assert_eq!((inner.0, inner.1, inner.2), (1, true, false));
        assert_eq!(inner.3.to_string(), "a → b");
        assert!(!CallChain::current_contains("a"), "the scope ended");
    }

    #[tokio::test]
    async fn a_gateway_without_an_agent_refuses_naming_the_tool() {
        let gateway = ToolGateway::default();
        let call = PluginToolCall {
            caller: Owner::native("t"),
            name: "clock".into(),
            arguments: serde_json::json!({}),
            allowed: Arc::from(vec!["clock".to_string()]),
        };
        let err = gateway.invoke(CallChain::default(), call).await.unwrap_err();
        assert!(matches!(&err, InvokeError::Denied(m) if m.contains("`clock`")), "{err}");
    }
}
