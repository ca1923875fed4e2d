//! The entries of a snapshot's tables: what the runner, the tool pipeline and the provider
//! factory call. Only the [`SnapshotBuilder`](super::SnapshotBuilder) makes them from offers.

use std::sync::Arc;
use std::time::Duration;

use zeroclaw_plugin_api::{FailureKind, HookHandler, Owner, Provider, Tool, ToolEffect, ToolError, ToolSpec};

use crate::config::OnError;
use crate::plugins::capability::RightSet;
use crate::plugins::stats::CallStats;

/// One handler subscribed to one hook point.
#[derive(Clone)]
pub struct HookEntry {
    /// Who serves it.
    pub owner: Owner,
    /// The handler's name within its plugin.
    pub handler_name: Arc<str>,
    /// Higher runs first.
    pub priority: i32,
    /// The handler.
    pub handler: Arc<dyn HookHandler>,
    /// Fail-open or fail-closed.
    pub on_error: OnError,
    /// The runner's bound on one call.
    pub timeout: Duration,
    /// Which payloads it may rewrite.
    pub rights: RightSet,
    /// Its counters.
    pub stats: Arc<CallStats>,
}

/// One tool in the tool table.
#[derive(Clone)]
pub struct ToolEntry {
    /// The tool's description, as its owner gives it (what the model sees).
    pub spec: ToolSpec,
    /// The effect the security policy judges: the host's view, never the plugin's claim
    /// alone (see [`crate::plugins::capability::judged_effect`]), and for a tool that
    /// overrides a native one never weaker than the native tool's.
    pub effect: ToolEffect,
    /// Who serves it.
    pub owner: Owner,
    /// The tool.
    pub tool: Arc<dyn Tool>,
    /// The native tool this plugin tool overrides. When the plugin fails in the runtime,
    /// the tool pipeline calls it instead, as a call of its own (policy, schema, owner).
    pub fallback: Option<Arc<ToolEntry>>,
    /// Its counters.
    pub stats: Arc<CallStats>,
    /// Its arguments' JSON Schema, compiled once when the entry is made (or why it cannot
    /// be): calls only run it.
    pub validator: Arc<Result<jsonschema::Validator, String>>,
}

impl ToolEntry {
    /// An entry that the policy judges by its spec's own effect (native tools, tests).
    pub fn new(spec: ToolSpec, owner: Owner, tool: Arc<dyn Tool>, stats: Arc<CallStats>) -> Self {
        let validator =
            jsonschema::validator_for(&spec.parameters).map_err(|e| format!("the tool's schema is invalid: {e}"));
        ToolEntry { effect: spec.effect, spec, owner, tool, fallback: None, stats, validator: Arc::new(validator) }
    }

    /// Checks `args` against the tool's schema; the error lists every problem.
    pub fn validate(&self, args: &serde_json::Value) -> Result<(), String> {
        let validator = self.validator.as_ref().as_ref().map_err(Clone::clone)?;
        if validator.is_valid(args) {
            return Ok(());
        }
        let problems: Vec<String> = validator.iter_errors(args).map(|e| e.to_string()).collect();
        if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
    }

    /// Invokes this entry's tool (never its fallback) and counts the call.
    pub async fn invoke(&self, args: &serde_json::Value) -> Result<String, ToolError> {
        let started = std::time::Instant::now();
        let result = self.tool.invoke(args).await;
        let failed =
            result.as_ref().err().map(|e| matches!(e, ToolError::Runtime(f) if f.kind == FailureKind::Timeout));
        self.stats.record_since(started, failed);
        result
    }
}

/// The stricter of two effects (`act` over `read`).
pub(super) fn stricter(a: ToolEffect, b: ToolEffect) -> ToolEffect {
    if a == ToolEffect::Act || b == ToolEffect::Act { ToolEffect::Act } else { ToolEffect::Read }
}

/// One provider in the provider table.
#[derive(Clone)]
pub struct ProviderEntry {
    /// The provider's name.
    pub name: String,
    /// Who serves it.
    pub owner: Owner,
    /// The provider.
    pub provider: Arc<dyn Provider>,
    /// Its counters.
    pub stats: Arc<CallStats>,
}
