//! Offers: what a backend says its plugins serve, before any entry exists.
//!
//! Offers are backend-neutral: a native crate and a wasm component offer the same
//! shapes. The [`SnapshotBuilder`](crate::plugins::SnapshotBuilder) turns them into entries;
//! a backend never builds an entry itself.

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use zeroclaw_plugin_api::{HookHandler, HookPoint, Owner, Provider, Tool, ToolEffect, ToolSpec};

use crate::config::OnError;
use crate::plugins::capability::RightSet;
use crate::plugins::registry::{PluginHealth, PluginStatus};

/// One plugin as its backend offers it: who, in what state, and what it serves.
#[derive(Clone)]
pub struct PluginOffer {
    /// Who serves its entries.
    pub owner: Owner,
    /// Its version, as `plugins list` shows it.
    pub version: String,
    /// One line.
    pub description: String,
    /// Serving, or why not (a plugin that does not serve offers no entries).
    pub status: PluginStatus,
    /// The contract packages it speaks, `zeroclaw:tools@1.0.0` (empty for native code).
    pub speaks: Vec<String>,
    /// Its live health, read when listing.
    pub health: Option<Arc<dyn PluginHealth>>,
    /// Whether its tools replace native tools of the same name (the operator's
    /// `override_native`); the native tool then becomes the fallback.
    pub override_native: bool,
    /// Its hook subscriptions.
    pub hooks: Vec<HookOffer>,
    /// Its tools.
    pub tools: Vec<ToolOffer>,
    /// Its providers.
    pub providers: Vec<ProviderOffer>,
    /// What the entries need alive (a loaded component): kept as long as the snapshot.
    pub keep_alive: Option<Arc<dyn Any + Send + Sync>>,
}

impl PluginOffer {
    /// A plugin that serves nothing, with `status` saying why.
    pub fn unserved(owner: Owner, version: impl Into<String>, status: PluginStatus) -> Self {
        PluginOffer {
            owner,
            version: version.into(),
            description: String::new(),
            status,
            speaks: Vec::new(),
            health: None,
            override_native: false,
            hooks: Vec::new(),
            tools: Vec::new(),
            providers: Vec::new(),
            keep_alive: None,
        }
    }

    /// An active plugin with no entries yet.
    pub fn active(owner: Owner, version: impl Into<String>, description: impl Into<String>) -> Self {
        PluginOffer { description: description.into(), ..PluginOffer::unserved(owner, version, PluginStatus::Active) }
    }
}

/// One handler subscribed to one point.
#[derive(Clone)]
pub struct HookOffer {
    /// The point.
    pub point: HookPoint,
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
}

/// One tool.
#[derive(Clone)]
pub struct ToolOffer {
    /// Its spec, as the plugin describes it.
    pub spec: ToolSpec,
    /// The effect the policy judges (the backend's view of the host's judgement).
    pub effect: ToolEffect,
    /// The tool.
    pub tool: Arc<dyn Tool>,
}

impl ToolOffer {
    /// A tool judged by its spec's own effect.
    pub fn new(tool: Arc<dyn Tool>) -> Self {
        let spec = tool.spec().clone();
        ToolOffer { effect: spec.effect, spec, tool }
    }
}

/// One provider.
#[derive(Clone)]
pub struct ProviderOffer {
    /// The name the agent's config uses.
    pub name: String,
    /// The provider.
    pub provider: Arc<dyn Provider>,
}
