//! The registry: an immutable [`Snapshot`] of every hook, tool and provider, published
//! through an atomic pointer.
//!
//! Readers call [`Registry::current`] and get an `Arc<Snapshot>`: no lock, and the snapshot
//! they hold stays valid (with every plugin it references) until they drop it, whatever is
//! published meanwhile. Writers build a whole new snapshot with [`SnapshotBuilder`] and
//! [`Registry::publish`] it in one swap.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use arc_swap::ArcSwap;
use serde::Serialize;
use thiserror::Error;
use zeroclaw_plugin_api::{HookHandler, HookPoint, Owner, Provider, Tool, ToolEffect, ToolError, ToolSpec};

use crate::config::{ConfigError, OnError};
use crate::plugins::capability::RightSet;
use crate::plugins::stats::{CallStats, StatsBook};

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
    pub async fn invoke(&self, args: serde_json::Value) -> Result<String, ToolError> {
        let started = std::time::Instant::now();
        let result = self.tool.invoke(args).await;
        self.stats.record_call(started.elapsed());
        if let Err(e) = &result {
            let timeout = matches!(e, ToolError::Runtime(f) if f.kind == zeroclaw_plugin_api::FailureKind::Timeout);
            self.stats.record_error(timeout);
        }
        result
    }
}

/// The stricter of two effects (`act` over `read`).
fn stricter(a: ToolEffect, b: ToolEffect) -> ToolEffect {
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
    /// `native` or `wasm`.
    pub backend: &'static str,
    /// One line.
    pub description: String,
    /// Serving or not.
    pub status: PluginStatus,
    /// Live health of a loaded plugin (its circuit breaker).
    #[serde(skip)]
    pub health: Option<Arc<dyn PluginHealth>>,
}

impl PluginRecord {
    /// The status label with live health: `quarantined` for an active plugin whose
    /// breaker is open.
    pub fn live_status(&self) -> String {
        match (&self.status, self.health.as_ref().and_then(|h| h.quarantined_for())) {
            (PluginStatus::Active, Some(left)) => format!("quarantined ({} ms left)", left.as_millis()),
            (status, _) => status.label().to_string(),
        }
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

/// A snapshot that cannot be built.
#[derive(Debug, Error)]
pub enum RegistryError {
    /// Two native plugins register a tool of the same name.
    #[error("tool `{name}` is registered by both {first} and {second}; native tool names must be unique")]
    DuplicateTool {
        /// The tool name.
        name: String,
        /// One owner.
        first: Owner,
        /// The other owner.
        second: Owner,
    },
    /// Two native plugins register a provider of the same name.
    #[error("provider `{name}` is registered by both {first} and {second}; native provider names must be unique")]
    DuplicateProvider {
        /// The provider name.
        name: String,
        /// One owner.
        first: Owner,
        /// The other owner.
        second: Owner,
    },
    /// Two native registrations use the same plugin name.
    #[error("native plugin name `{plugin}` is registered twice ({first} and {second}); plugin names must be unique")]
    DuplicatePlugin {
        /// The plugin name.
        plugin: String,
        /// One registration's description.
        first: String,
        /// The other's.
        second: String,
    },
    /// A plugin subscribes the same handler name twice to one point.
    #[error(
        "{owner} subscribes handler `{handler}` to {point} twice; handler names must be unique per plugin and point"
    )]
    DuplicateHandler {
        /// The plugin.
        owner: Owner,
        /// The handler name.
        handler: String,
        /// The hook point name.
        point: &'static str,
    },
    /// A native plugin's config section is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The wasm engine could not start.
    #[error("{0}")]
    Wasm(String),
    /// The host's state directory cannot be used.
    #[error("{0}")]
    State(String),
}

/// One row of `plugins list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntryRow {
    /// `hook`, `tool`, `provider` or `plugin` (a plugin with no entries: disabled or failed).
    pub kind: &'static str,
    /// `<point>/<handler>` for hooks, the name for tools and providers, the id for plugins.
    pub name: String,
    /// The owner, e.g. `native:command_logger`.
    pub owner: String,
    /// Hook priority.
    pub priority: Option<i32>,
    /// `active`, `fallback`, `disabled`, `failed`.
    pub status: String,
}

/// The immutable tables of one generation.
pub struct Snapshot {
    generation: u64,
    hooks: Vec<Vec<HookEntry>>,
    tools: BTreeMap<String, ToolEntry>,
    providers: BTreeMap<String, ProviderEntry>,
    plugins: Vec<PluginRecord>,
    diagnostics: Vec<Diagnostic>,
    /// Whatever the entries need alive (loaded wasm plugins): freed with the snapshot.
    _resources: Vec<Arc<dyn Any + Send + Sync>>,
}

impl Snapshot {
    /// A snapshot with no entries.
    pub fn empty(generation: u64) -> Self {
        Snapshot {
            generation,
            hooks: vec![Vec::new(); HookPoint::COUNT],
            tools: BTreeMap::new(),
            providers: BTreeMap::new(),
            plugins: Vec::new(),
            diagnostics: Vec::new(),
            _resources: Vec::new(),
        }
    }

    /// This snapshot's generation number (1 for the first).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The handlers of `point`, in run order.
    pub fn hooks(&self, point: HookPoint) -> &[HookEntry] {
        &self.hooks[point.index()]
    }

    /// Total hook subscriptions.
    pub fn hook_count(&self) -> usize {
        self.hooks.iter().map(Vec::len).sum()
    }

    /// A tool by name.
    pub fn tool(&self, name: &str) -> Option<&ToolEntry> {
        self.tools.get(name)
    }

    /// Every tool, by name.
    pub fn tools(&self) -> impl Iterator<Item = &ToolEntry> {
        self.tools.values()
    }

    /// A provider by name.
    pub fn provider(&self, name: &str) -> Option<&ProviderEntry> {
        self.providers.get(name)
    }

    /// Every provider, by name.
    pub fn providers(&self) -> impl Iterator<Item = &ProviderEntry> {
        self.providers.values()
    }

    /// Every plugin known to this snapshot, native first, then by id.
    pub fn plugins(&self) -> &[PluginRecord] {
        &self.plugins
    }

    /// What the operator should know.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The rows of `plugins list`: hooks in run order per point, tools, providers, then
    /// plugins that serve nothing (disabled, failed).
    pub fn rows(&self) -> Vec<EntryRow> {
        let mut rows = Vec::new();
        for point in HookPoint::ALL {
            for entry in self.hooks(*point) {
                rows.push(EntryRow {
                    kind: "hook",
                    name: format!("{}/{}", point.name(), entry.handler_name),
                    owner: entry.owner.to_string(),
                    priority: Some(entry.priority),
                    status: "active".into(),
                });
            }
        }
        for entry in self.tools() {
            rows.push(EntryRow {
                kind: "tool",
                name: entry.spec.name.clone(),
                owner: entry.owner.to_string(),
                priority: None,
                status: "active".into(),
            });
            if let Some(fallback) = &entry.fallback {
                rows.push(EntryRow {
                    kind: "tool",
                    name: fallback.spec.name.clone(),
                    owner: fallback.owner.to_string(),
                    priority: None,
                    status: "fallback".into(),
                });
            }
        }
        for entry in self.providers() {
            rows.push(EntryRow {
                kind: "provider",
                name: entry.name.clone(),
                owner: entry.owner.to_string(),
                priority: None,
                status: "active".into(),
            });
        }
        for plugin in &self.plugins {
            let status = plugin.live_status();
            if status != "active" {
                rows.push(EntryRow {
                    kind: "plugin",
                    name: plugin.id.clone(),
                    owner: format!("{}:{}", plugin.backend, plugin.id),
                    priority: None,
                    status,
                });
            }
        }
        rows
    }
}

/// How a plugin tool or provider meets a native one of the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precedence {
    /// Native entries: unique names required.
    Native,
    /// A plugin entry that yields to a native one (the default).
    Plugin,
    /// A plugin entry that replaces a native one, which becomes its fallback.
    PluginOverridesNative,
}

/// Collects entries, then orders and checks them into a [`Snapshot`].
#[derive(Clone)]
pub struct SnapshotBuilder {
    generation: u64,
    hooks: Vec<(HookPoint, HookEntry)>,
    tools: Vec<(Precedence, ToolEntry)>,
    providers: Vec<(Precedence, ProviderEntry)>,
    plugins: Vec<PluginRecord>,
    diagnostics: Vec<Diagnostic>,
    resources: Vec<Arc<dyn Any + Send + Sync>>,
}

impl SnapshotBuilder {
    /// An empty builder for `generation`.
    pub fn new(generation: u64) -> Self {
        SnapshotBuilder {
            generation,
            hooks: Vec::new(),
            tools: Vec::new(),
            providers: Vec::new(),
            plugins: Vec::new(),
            diagnostics: Vec::new(),
            resources: Vec::new(),
        }
    }

    /// The generation being built.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Adds a handler subscription.
    pub fn add_hook(&mut self, point: HookPoint, entry: HookEntry) {
        self.hooks.push((point, entry));
    }

    /// Adds a tool.
    pub fn add_tool(&mut self, precedence: Precedence, entry: ToolEntry) {
        self.tools.push((precedence, entry));
    }

    /// Adds a provider.
    pub fn add_provider(&mut self, precedence: Precedence, entry: ProviderEntry) {
        self.providers.push((precedence, entry));
    }

    /// Records a plugin (serving or not).
    pub fn add_plugin(&mut self, record: PluginRecord) {
        self.plugins.push(record);
    }

    /// Records a diagnostic.
    pub fn diagnostic(&mut self, plugin: impl Into<String>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic { plugin: plugin.into(), message: message.into() });
    }

    /// Adds everything `other` collected (entries, records, diagnostics, resources).
    pub fn extend_from(&mut self, other: &SnapshotBuilder) {
        self.hooks.extend(other.hooks.iter().cloned());
        self.tools.extend(other.tools.iter().cloned());
        self.providers.extend(other.providers.iter().cloned());
        self.plugins.extend(other.plugins.iter().cloned());
        self.diagnostics.extend(other.diagnostics.iter().cloned());
        self.resources.extend(other.resources.iter().cloned());
    }

    /// Keeps `resource` alive as long as the snapshot.
    pub fn keep_alive(&mut self, resource: Arc<dyn Any + Send + Sync>) {
        self.resources.push(resource);
    }

    /// Orders every table and resolves name clashes.
    ///
    /// Hooks: priority descending, then plugin id, then handler name: never insertion
    /// order. Tools and providers: a native name clash is an error naming both owners; a
    /// plugin entry clashing with a native one is skipped with a diagnostic, unless it
    /// overrides (then the native one is its fallback); two plugins with one name: the
    /// lower plugin id serves, the other is skipped with a diagnostic.
    pub fn build(mut self) -> Result<Snapshot, RegistryError> {
        let mut hooks = vec![Vec::new(); HookPoint::COUNT];
        self.hooks.sort_by(|(_, a), (_, b)| {
            b.priority
                .cmp(&a.priority)
                .then_with(|| a.owner.plugin_id().cmp(b.owner.plugin_id()))
                .then_with(|| a.handler_name.cmp(&b.handler_name))
        });
        for (point, entry) in self.hooks {
            let table: &mut Vec<HookEntry> = &mut hooks[point.index()];
            if table.iter().any(|e| e.owner == entry.owner && e.handler_name == entry.handler_name) {
                return Err(RegistryError::DuplicateHandler {
                    owner: entry.owner,
                    handler: entry.handler_name.to_string(),
                    point: point.name(),
                });
            }
            table.push(entry);
        }

        let tools = resolve_names(
            self.tools,
            |e| e.spec.name.clone(),
            |e| e.owner.clone(),
            // An overriding tool is judged at least as strictly as the tool it shadows.
            |plugin, native| ToolEntry {
                effect: stricter(plugin.effect, native.effect),
                fallback: Some(Arc::new(native)),
                ..plugin
            },
            &mut self.diagnostics,
            |name, first, second| RegistryError::DuplicateTool { name, first, second },
            "tool",
        )?;
        let providers = resolve_names(
            self.providers,
            |e| e.name.clone(),
            |e| e.owner.clone(),
            // A provider override has no automatic fallback: the reliable wrapper's chain
            // is where operators say what to fall back to.
            |plugin, _native| plugin,
            &mut self.diagnostics,
            |name, first, second| RegistryError::DuplicateProvider { name, first, second },
            "provider",
        )?;

        self.plugins.sort_by(|a, b| (a.backend != "native", &a.id).cmp(&(b.backend != "native", &b.id)));
        Ok(Snapshot {
            generation: self.generation,
            hooks,
            tools,
            providers,
            plugins: self.plugins,
            diagnostics: self.diagnostics,
            _resources: self.resources,
        })
    }
}

/// Merges named entries of both backends by the rules in [`SnapshotBuilder::build`].
fn resolve_names<E>(
    mut entries: Vec<(Precedence, E)>,
    name_of: impl Fn(&E) -> String,
    owner_of: impl Fn(&E) -> Owner,
    with_fallback: impl Fn(E, E) -> E,
    diagnostics: &mut Vec<Diagnostic>,
    duplicate: impl Fn(String, Owner, Owner) -> RegistryError,
    noun: &str,
) -> Result<BTreeMap<String, E>, RegistryError> {
    // Natives first, then plugins by id: the order of registration never matters.
    entries.sort_by_key(|(precedence, entry)| {
        (*precedence != Precedence::Native, owner_of(entry).plugin_id().to_string())
    });
    let mut table: BTreeMap<String, (Precedence, E)> = BTreeMap::new();
    for (precedence, entry) in entries {
        let name = name_of(&entry);
        let Some((existing_precedence, existing)) = table.remove(&name) else {
            table.insert(name, (precedence, entry));
            continue;
        };
        let (existing_owner, owner) = (owner_of(&existing), owner_of(&entry));
        let kept = match (existing_precedence, precedence) {
            (Precedence::Native, Precedence::Native) => return Err(duplicate(name, existing_owner, owner)),
            (Precedence::Native, Precedence::PluginOverridesNative) => {
                diagnostics.push(Diagnostic {
                    plugin: owner.plugin_id().to_string(),
                    message: format!(
                        "{noun} `{name}` of {owner} overrides {existing_owner}, which stays as its fallback"
                    ),
                });
                (precedence, with_fallback(entry, existing))
            }
            (Precedence::Native, Precedence::Plugin) => {
                diagnostics.push(Diagnostic {
                    plugin: owner.plugin_id().to_string(),
                    message: format!(
                        "{noun} `{name}` of {owner} is skipped: {existing_owner} has that name; set \
                         plugins.entries.{}.override_native = true to let the plugin serve it",
                        owner.plugin_id()
                    ),
                });
                (existing_precedence, existing)
            }
            (_, _) => {
                diagnostics.push(Diagnostic {
                    plugin: owner.plugin_id().to_string(),
                    message: format!(
                        "{noun} `{name}` of {owner} is skipped: {existing_owner} already serves that name"
                    ),
                });
                (existing_precedence, existing)
            }
        };
        table.insert(name, kept);
    }
    Ok(table.into_iter().map(|(name, (_, entry))| (name, entry)).collect())
}

/// The current snapshot, swapped atomically.
pub struct Registry {
    current: ArcSwap<Snapshot>,
    last_generation: AtomicU64,
    stats: StatsBook,
}

impl Registry {
    /// A registry serving `snapshot`.
    pub fn new(snapshot: Snapshot) -> Self {
        let generation = snapshot.generation();
        Registry {
            current: ArcSwap::from_pointee(snapshot),
            last_generation: AtomicU64::new(generation),
            stats: StatsBook::default(),
        }
    }

    /// The snapshot in force. Lock-free; hold the `Arc` for the length of one call.
    pub fn current(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// A fresh generation number for the next snapshot.
    pub fn next_generation(&self) -> u64 {
        self.last_generation.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Counters that survive reloads, by entry key.
    pub fn stats(&self) -> &StatsBook {
        &self.stats
    }

    /// Publishes `snapshot`; calls in flight keep the one they hold.
    pub fn publish(&self, snapshot: Snapshot) -> Arc<Snapshot> {
        let snapshot = Arc::new(snapshot);
        self.current.store(snapshot.clone());
        snapshot
    }
}

impl Default for Registry {
    /// A registry serving an empty snapshot (generation 0).
    fn default() -> Self {
        Registry::new(Snapshot::empty(0))
    }
}
