//! The wasm plugins of `plugins.dirs` as one of the runtime's backends, and a loaded
//! plugin as an offer.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use parking_lot::Mutex;
use zeroclaw_plugin_api::Subscription;

use super::WasmBackend;
use super::adapters::{WasmHookHandler, WasmProvider, WasmTool};
use super::backend::engine_settings;
use super::load::LoadedPlugin;
use super::refresh::LoadedVersion;
use crate::config::LoadedConfig;
use crate::plugins::backend::{Backend, Offers, Round};
use crate::plugins::capability::{Capability, RightSet, judged_effect};
use crate::plugins::offer::{HookOffer, PluginOffer, ProviderOffer, ToolOffer};
use crate::plugins::registry::RegistryError;
use crate::plugins::reload::ReloadReport;

/// Extra time the runner allows a wasm handler past the plugin's own timeout, so the
/// plugin's precise timeout error is the one reported.
const RUNNER_SLACK: Duration = Duration::from_millis(100);

/// The versions served, by manifest path.
type Versions = BTreeMap<PathBuf, LoadedVersion>;

/// The wasm plugins of `plugins.dirs`: the engine (started the first time plugins are
/// enabled) and the versions the last published snapshot serves.
#[derive(Default)]
pub struct WasmPlugins {
    engine: OnceLock<WasmBackend>,
    committed: Mutex<Versions>,
    pending: Mutex<Option<Versions>>,
}

impl WasmPlugins {
    /// No engine yet, nothing loaded.
    pub fn new() -> Self {
        WasmPlugins::default()
    }

    /// The engine side, once plugins have been enabled.
    pub fn backend(&self) -> Option<&WasmBackend> {
        self.engine.get()
    }

    /// The engine side, started now if it was not.
    fn started(&self, config: &LoadedConfig) -> Result<&WasmBackend, RegistryError> {
        if let Some(backend) = self.engine.get() {
            return Ok(backend);
        }
        let backend = WasmBackend::new(config)?;
        Ok(self.engine.get_or_init(|| backend))
    }
}

#[async_trait]
impl Backend for WasmPlugins {
    fn name(&self) -> &'static str {
        "wasm"
    }

    async fn offer(&self, round: &Round<'_>) -> Result<Offers, RegistryError> {
        let previous = self.committed.lock().clone();
        let config = round.config;
        if !config.config.plugins.enabled {
            let removed =
                previous.values().map(|v| format!("{}@{}", v.plugin.manifest.id, v.plugin.manifest.version)).collect();
            *self.pending.lock() = Some(Versions::new());
            return Ok(Offers { report: ReloadReport { removed, ..Default::default() }, ..Default::default() });
        }
        let backend = self.started(config)?;
        let mut refresh = backend.refresh(&previous, round).await;
        if &engine_settings(config) != backend.engine().settings() {
            refresh.offers.diagnostic(
                "plugins",
                "engine settings changed (cache_dir, cache_key_file, max_stack_kb, fuel or the largest memory_mb); restart zeroclaw to apply them",
            );
        }
        let mut offers = Offers::default();
        for version in refresh.versions.values() {
            let offer = offer_of(&version.plugin, config, &mut offers);
            offers.plugins.push(offer);
        }
        // Served plugins first, then the rest, as the builder sorts them anyway.
        offers.plugins.append(&mut refresh.offers.plugins);
        offers.diagnostics.append(&mut refresh.offers.diagnostics);
        offers.report = refresh.offers.report;
        *self.pending.lock() = Some(refresh.versions);
        Ok(offers)
    }

    fn commit(&self, published: bool) {
        let pending = self.pending.lock().take();
        if let (true, Some(versions)) = (published, pending) {
            *self.committed.lock() = versions;
        }
    }

    async fn prepare(&self, config: &LoadedConfig, changed: &[PathBuf]) -> usize {
        match self.engine.get() {
            Some(backend) => backend.precompile(config, changed).await,
            None => 0,
        }
    }
}

/// A loaded plugin's offer; what the operator should know about it goes to `notes`.
fn offer_of(plugin: &Arc<LoadedPlugin>, config: &LoadedConfig, notes: &mut Offers) -> PluginOffer {
    let id = plugin.manifest.id.as_str();
    let mut offer = PluginOffer::active(
        plugin.owner.clone(),
        plugin.manifest.version.to_string(),
        plugin.manifest.description.clone(),
    );
    offer.health = Some(plugin.instances.clone());
    offer.speaks = plugin.instances.exports().spoken.iter().map(|s| s.package().to_string()).collect();
    offer.override_native = plugin.entry.override_native;
    offer.keep_alive = Some(plugin.clone());
    let rights = RightSet::from_capabilities(&plugin.granted);
    // A call may wait up to its timeout for a concurrency slot, then run under its whole
    // timeout: the runner's bound covers both.
    let call_timeout = Duration::from_millis(config.config.plugins.limits.merged(&plugin.entry.limits).timeout_ms);
    let timeout = call_timeout.saturating_mul(2) + RUNNER_SLACK;
    if config.config.hooks.enabled {
        let conversation_read = plugin.granted.contains(&Capability::ConversationRead);
        for decl in &plugin.manifest.hooks {
            let priority = plugin.entry.priority.unwrap_or(decl.priority);
            let subscription = Subscription::new(decl.point, priority);
            let handler =
                WasmHookHandler::new(plugin.instances.clone(), decl.name.clone(), subscription, conversation_read);
            offer.hooks.push(HookOffer {
                point: decl.point,
                handler_name: decl.name.as_str().into(),
                priority,
                handler: Arc::new(handler),
                on_error: plugin.entry.on_error,
                timeout,
                rights,
            });
        }
    } else if !plugin.manifest.hooks.is_empty() {
        notes.diagnostic(id, "hooks.enabled = false: its hook subscriptions are not loaded");
    }
    for spec in &plugin.tool_specs {
        let confirmed = plugin.entry.tools.get(&spec.name).and_then(|t| t.effect);
        let effect = judged_effect(spec.effect, &plugin.granted, confirmed);
        if effect != spec.effect && confirmed.is_none() {
            notes.diagnostic(
                id,
                format!(
                    "tool `{}` says it only reads, but the plugin holds a capability that reaches outside its kv; it is judged `act` (set plugins.entries.{id}.tools.{}.effect = \"read\" to confirm it reads)",
                    spec.name, spec.name
                ),
            );
        }
        let tool = Arc::new(WasmTool::new(plugin.instances.clone(), spec.clone()));
        offer.tools.push(ToolOffer { spec: spec.clone(), effect, tool });
    }
    for name in plugin.entry.tools.keys().filter(|n| !plugin.tool_specs.iter().any(|s| &s.name == *n)) {
        notes
            .diagnostic(id, format!("plugins.entries.{id}.tools.{name} is set but the plugin serves no tool `{name}`"));
    }
    for decl in &plugin.manifest.providers {
        let provider = Arc::new(WasmProvider::new(plugin.instances.clone(), decl.name.clone()));
        offer.providers.push(ProviderOffer { name: decl.name.clone(), provider });
    }
    offer
}
