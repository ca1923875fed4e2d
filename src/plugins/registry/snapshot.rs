//! One generation's immutable tables and the rows `plugins list` shows of them.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use zeroclaw_plugin_api::HookPoint;

use super::{Diagnostic, HookEntry, PluginRecord, ProviderEntry, ToolEntry};

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
    pub(super) generation: u64,
    pub(super) hooks: Vec<Vec<HookEntry>>,
    pub(super) tools: BTreeMap<String, ToolEntry>,
    pub(super) providers: BTreeMap<String, ProviderEntry>,
    pub(super) plugins: Vec<PluginRecord>,
    pub(super) diagnostics: Vec<Diagnostic>,
    /// Whatever the entries need alive (loaded wasm plugins): freed with the snapshot.
    pub(super) _resources: Vec<Arc<dyn Any + Send + Sync>>,
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
            if let Some(status) = plugin.not_serving() {
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
