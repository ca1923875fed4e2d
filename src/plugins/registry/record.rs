//! What a snapshot says about each plugin (serving or not) and what the operator should
//! know about it.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

/// Whether a plugin is serving.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum PluginStatus {
    /// Loaded; its entries are in the snapshot.
    Active,
    /// Switched off by config.
    Disabled(String),
    /// Failed to load; the reason says why and what to do.
    Failed(String),
}

impl PluginStatus {
    /// `active`, `disabled` or `failed`.
    pub fn label(&self) -> &'static str {
        match self {
            PluginStatus::Active => "active",
            PluginStatus::Disabled(_) => "disabled",
            PluginStatus::Failed(_) => "failed",
        }
    }
}

/// A loaded plugin's live health, read when listing (the snapshot itself is immutable).
pub trait PluginHealth: Send + Sync + std::fmt::Debug {
    /// How much longer the plugin is quarantined by its circuit breaker, if it is.
    fn quarantined_for(&self) -> Option<Duration>;
}

/// A plugin as the snapshot knows it (also those disabled or failed).
#[derive(Clone, Debug, Serialize)]
pub struct PluginRecord {
    /// Plugin id (native name or manifest id).
    pub id: String,
    /// Version.
    pub version: String,
    /// The backend that offered it: `native`, `wasm`, ….
    pub backend: String,
    /// One line.
    pub description: String,
    /// Serving or not.
    pub status: PluginStatus,
    /// The contract packages it speaks, `zeroclaw:tools@1.0.0` (empty for native code).
    pub speaks: Vec<String>,
    /// Live health of a loaded plugin (its circuit breaker).
    #[serde(skip)]
    pub health: Option<Arc<dyn PluginHealth>>,
}

impl PluginRecord {
    /// Why it does not serve right now (`quarantined (… ms left)`, `disabled`, `failed`),
    /// or `None` when it serves: active, its breaker closed.
    pub fn not_serving(&self) -> Option<String> {
        match (&self.status, self.health.as_ref().and_then(|h| h.quarantined_for())) {
            (PluginStatus::Active, None) => None,
            (PluginStatus::Active, Some(left)) => Some(format!("quarantined ({} ms left)", left.as_millis())),
            (status, _) => Some(status.label().to_string()),
        }
    }

    /// The status label with live health: `quarantined` for an active plugin whose
    /// breaker is open.
    pub fn live_status(&self) -> String {
        self.not_serving().unwrap_or_else(|| PluginStatus::Active.label().to_string())
    }
}

/// Something the operator should know about this snapshot (a skipped tool, a plugin that
/// failed to load, an entry for a plugin that is not installed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The plugin concerned.
    pub plugin: String,
    /// What happened and what to do.
    pub message: String,
}
