//! The snapshot builder: the one place that turns backends' offers into entries.
//!
//! It alone knows the rules that make a snapshot out of plugins: the id checks (one plugin
//! per id, the earlier backend wins), the stats keys, the clash rules (native wins unless
//! `override_native`), the fallback pairing and the hook order.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use zeroclaw_plugin_api::{HookPoint, Owner};

use super::entry::stricter;
use super::{Diagnostic, HookEntry, PluginRecord, ProviderEntry, RegistryError, Snapshot, ToolEntry};
use crate::plugins::backend::id_taken;
use crate::plugins::offer::PluginOffer;
use crate::plugins::stats::{PluginKey, StatsBook, StatsKey};

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

/// Collects offers (or, in tests and benches, hand-made entries), then orders and checks
/// them into a [`Snapshot`].
pub struct SnapshotBuilder {
    generation: u64,
    hooks: Vec<(HookPoint, HookEntry)>,
    tools: Vec<(Precedence, ToolEntry)>,
    providers: Vec<(Precedence, ProviderEntry)>,
    /// Records in offer order, with the rank of their backend (natives first).
    plugins: Vec<(usize, PluginRecord)>,
    /// Plugin ids offered so far, with the backend that offered each.
    claimed: BTreeMap<String, String>,
    /// Backend names in the order they first offered.
    backends: Vec<String>,
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
            claimed: BTreeMap::new(),
            backends: Vec::new(),
            diagnostics: Vec::new(),
            resources: Vec::new(),
        }
    }

    /// The generation being built.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The plugin ids offered so far, with their backend (what a [`Round`] shows the next
    /// backend).
    ///
    /// [`Round`]: crate::plugins::Round
    pub fn claimed(&self) -> &BTreeMap<String, String> {
        &self.claimed
    }

    /// Turns one plugin's offer into entries, with counters from `stats` that survive
    /// reloads. A plugin whose id an earlier offer took is left out with a diagnostic.
    pub fn add_offer(&mut self, offer: PluginOffer, stats: &StatsBook) {
        let id = offer.owner.plugin_id().to_string();
        if let Some(reason) = id_taken(&self.claimed, &id) {
            self.diagnostic(&id, format!("{} is skipped: {reason}", offer.owner));
            return;
        }
        let backend = offer.owner.backend().to_string();
        self.claimed.insert(id.clone(), backend.clone());
        let rank = match self.backends.iter().position(|b| *b == backend) {
            Some(rank) => rank,
            None => {
                self.backends.push(backend.clone());
                self.backends.len() - 1
            }
        };
        let PluginOffer {
            owner,
            version,
            description,
            status,
            speaks,
            health,
            override_native,
            hooks,
            tools,
            providers,
            keep_alive,
        } = offer;
        let plugin = PluginKey::of(&owner);
        for hook in hooks {
            let key = StatsKey::Hook { point: hook.point, plugin: plugin.clone(), handler: hook.handler_name.clone() };
            let entry = HookEntry {
                owner: owner.clone(),
                handler_name: hook.handler_name,
                priority: hook.priority,
                handler: hook.handler,
                on_error: hook.on_error,
                timeout: hook.timeout,
                rights: hook.rights,
                stats: stats.get(key),
            };
            self.hooks.push((hook.point, entry));
        }
        let (tool_precedence, provider_precedence) = match (owner.is_native(), override_native) {
            (true, _) => (Precedence::Native, Precedence::Native),
            (false, true) => (Precedence::PluginOverridesNative, Precedence::Plugin),
            (false, false) => (Precedence::Plugin, Precedence::Plugin),
        };
        for tool in tools {
            let key = StatsKey::Tool { name: tool.spec.name.clone(), plugin: plugin.clone() };
            let entry = ToolEntry {
                effect: tool.effect,
                ..ToolEntry::new(tool.spec, owner.clone(), tool.tool, stats.get(key))
            };
            self.tools.push((tool_precedence, entry));
        }
        for provider in providers {
            let key = StatsKey::Provider { name: provider.name.clone(), plugin: plugin.clone() };
            let entry = ProviderEntry {
                name: provider.name,
                owner: owner.clone(),
                provider: provider.provider,
                stats: stats.get(key),
            };
            self.providers.push((provider_precedence, entry));
        }
        self.resources.extend(keep_alive);
        let record = PluginRecord { id, version, backend, description, status, speaks, health };
        self.plugins.push((rank, record));
    }

    /// Adds a hand-made handler subscription (tests, benches).
    pub fn add_hook(&mut self, point: HookPoint, entry: HookEntry) {
        self.hooks.push((point, entry));
    }

    /// Adds a hand-made tool entry (tests, benches).
    pub fn add_tool(&mut self, precedence: Precedence, entry: ToolEntry) {
        self.tools.push((precedence, entry));
    }

    /// Adds a hand-made provider entry (tests, benches).
    pub fn add_provider(&mut self, precedence: Precedence, entry: ProviderEntry) {
        self.providers.push((precedence, entry));
    }

    /// Records a diagnostic.
    pub fn diagnostic(&mut self, plugin: impl Into<String>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic { plugin: plugin.into(), message: message.into() });
    }

    /// Records diagnostics a backend made.
    pub fn diagnostics(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        self.diagnostics.extend(diagnostics);
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
                    owner: Box::new(entry.owner),
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
            |name, first, second| RegistryError::DuplicateTool {
                name,
                first: Box::new(first),
                second: Box::new(second),
            },
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
            |name, first, second| RegistryError::DuplicateProvider {
                name,
                first: Box::new(first),
                second: Box::new(second),
            },
            "provider",
        )?;

        // Backends in the order they offered (natives first), then by id.
        self.plugins.sort_by(|(rank_a, a), (rank_b, b)| (rank_a, &a.id).cmp(&(rank_b, &b.id)));
        Ok(Snapshot {
            generation: self.generation,
            hooks,
            tools,
            providers,
            plugins: self.plugins.into_iter().map(|(_, record)| record).collect(),
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
