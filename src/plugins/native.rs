//! The native backend: the registrations collected by `inventory`, offered as plugins.
//!
//! Factories are called when the native part of the config changes (and at start), with
//! the plugin's config section; otherwise the last offers are reused, so a reload neither
//! rebuilds native plugins nor loses their in-memory state. The order in which inventory
//! yields registrations is never relied on: names are sorted and checked.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use parking_lot::Mutex;
use zeroclaw_plugin_api::{
    FactoryError, HookRegistration, HostLink, Owner, PluginContext, ProviderRegistration, ToolRegistration,
};

use crate::config::{LoadedConfig, OnError};
use crate::plugins::backend::{Backend, Offers, Round};
use crate::plugins::capability::RightSet;
use crate::plugins::offer::{HookOffer, PluginOffer, ProviderOffer, ToolOffer};
use crate::plugins::registry::{Diagnostic, PluginStatus, RegistryError};

/// One native plugin name with its registrations of each kind.
#[derive(Default)]
struct NativePlugin {
    hooks: Option<&'static HookRegistration>,
    tools: Option<&'static ToolRegistration>,
    providers: Option<&'static ProviderRegistration>,
}

/// The native registrations linked into this binary, by plugin name, checked for duplicates.
fn collect() -> Result<BTreeMap<&'static str, NativePlugin>, RegistryError> {
    fn claim<T>(
        slot: &mut Option<T>,
        new: T,
        plugin: &str,
        describe: impl Fn(&T) -> String,
    ) -> Result<(), RegistryError> {
        match slot {
            Some(existing) => Err(RegistryError::DuplicatePlugin {
                plugin: plugin.to_string(),
                first: describe(existing),
                second: describe(&new),
            }),
            None => {
                *slot = Some(new);
                Ok(())
            }
        }
    }
    let mut plugins: BTreeMap<&'static str, NativePlugin> = BTreeMap::new();
    for reg in HookRegistration::all() {
        let slot = &mut plugins.entry(reg.plugin).or_default().hooks;
        claim(slot, reg, reg.plugin, |r| format!("hooks {} {}", r.version, r.description))?;
    }
    for reg in ToolRegistration::all() {
        let slot = &mut plugins.entry(reg.plugin).or_default().tools;
        claim(slot, reg, reg.plugin, |r| format!("tools {} {}", r.version, r.description))?;
    }
    for reg in ProviderRegistration::all() {
        let slot = &mut plugins.entry(reg.plugin).or_default().providers;
        claim(slot, reg, reg.plugin, |r| format!("providers {} {}", r.version, r.description))?;
    }
    Ok(plugins)
}

/// The names of every native plugin linked in, sorted (for `plugins list` and tests).
pub fn native_plugin_names() -> Result<Vec<&'static str>, RegistryError> {
    Ok(collect()?.into_keys().collect())
}

/// The offers made from one config, with the fingerprint of the parts they depend on.
#[derive(Clone)]
struct Built {
    fingerprint: String,
    plugins: Vec<PluginOffer>,
    diagnostics: Vec<Diagnostic>,
}

/// The native backend of a running host.
pub struct NativeBackend {
    host: HostLink,
    committed: Mutex<Option<Built>>,
    pending: Mutex<Option<Built>>,
}

impl NativeBackend {
    /// A backend giving native plugins `host` (the agent's services).
    pub fn new(host: HostLink) -> Self {
        NativeBackend { host, committed: Mutex::new(None), pending: Mutex::new(None) }
    }
}

#[async_trait]
impl Backend for NativeBackend {
    fn name(&self) -> &'static str {
        "native"
    }

    async fn offer(&self, round: &Round<'_>) -> Result<Offers, RegistryError> {
        let fingerprint = native_fingerprint(round.config);
        let reused = self.committed.lock().clone().filter(|built| built.fingerprint == fingerprint);
        let built = match reused {
            Some(built) => built,
            None => {
                let (plugins, diagnostics) = build_offers(round.config, &self.host)?;
                Built { fingerprint, plugins, diagnostics }
            }
        };
        *self.pending.lock() = Some(built.clone());
        Ok(Offers { plugins: built.plugins, diagnostics: built.diagnostics, report: Default::default() })
    }

    fn commit(&self, published: bool) {
        let pending = self.pending.lock().take();
        if published {
            *self.committed.lock() = pending;
        }
    }
}

/// The parts of the config the native offers are built from.
fn native_fingerprint(config: &LoadedConfig) -> String {
    serde_json::json!({
        "hooks": config.config.hooks,
        "native": config.config.native,
        "workspace": config.workspace_dir(),
        "state": config.state_dir(),
        "memory": config.memory_path(),
    })
    .to_string()
}

/// Calls every native factory.
///
/// A built-in hook plugin switched off by `hooks.builtin.<name>` is offered as disabled.
/// A factory that rejects its config section is a config error (with file and line); one
/// that fails otherwise leaves its kind out, and its plugin is offered as failed.
fn build_offers(config: &LoadedConfig, host: &HostLink) -> Result<(Vec<PluginOffer>, Vec<Diagnostic>), RegistryError> {
    let hook_timeout = Duration::from_millis(config.config.hooks.timeout_ms);
    let mut offers = Vec::new();
    let mut diagnostics = Vec::new();
    for (name, plugin) in collect()? {
        let owner = Owner::native(name);
        let ctx =
            PluginContext::new(owner.clone(), config.native_section(name), config.workspace_dir(), config.state_dir())
                .with_memory_path(config.memory_path())
                .with_host_files(config.host_files())
                .with_host(host.clone());
        let (version, description) = plugin
            .hooks
            .map(|r| (r.version, r.description))
            .or(plugin.tools.map(|r| (r.version, r.description)))
            .or(plugin.providers.map(|r| (r.version, r.description)))
            .unwrap_or(("", ""));
        let mut offer = PluginOffer::active(owner.clone(), version, description);
        let config_error = |e: FactoryError| -> RegistryError {
            let span = config.native_section_span(name).unwrap_or(0..0);
            RegistryError::Config(config.error_at(span, format!("[native.{name}]: {e}")))
        };
        let mut failed = |kind: &str, reason: String, offer: &mut PluginOffer| {
            diagnostics.push(Diagnostic {
                plugin: name.to_string(),
                message: format!("{owner}: {kind} not loaded: {reason}"),
            });
            offer.status = PluginStatus::Failed(reason);
        };

        if let Some(reg) = plugin.hooks {
            if !config.builtin_enabled(name, reg.enabled_by_default) {
                offer.status = PluginStatus::Disabled(format!("set hooks.builtin.{name} = true to enable it"));
            } else {
                match (reg.factory)(&ctx) {
                    Ok(handlers) => {
                        for handler in handlers {
                            let handler_name: std::sync::Arc<str> = handler.name().into();
                            for sub in handler.subscriptions() {
                                offer.hooks.push(HookOffer {
                                    point: sub.point,
                                    handler_name: handler_name.clone(),
                                    priority: sub.priority,
                                    handler: handler.clone(),
                                    on_error: OnError::FailOpen,
                                    timeout: hook_timeout,
                                    rights: RightSet::ALL,
                                });
                            }
                        }
                    }
                    Err(e @ FactoryError::Config(_)) => return Err(config_error(e)),
                    Err(FactoryError::Init(reason)) => failed("hooks", reason, &mut offer),
                }
            }
        }
        if let Some(reg) = plugin.tools {
            match (reg.factory)(&ctx) {
                Ok(tools) => offer.tools.extend(tools.into_iter().map(ToolOffer::new)),
                Err(e @ FactoryError::Config(_)) => return Err(config_error(e)),
                Err(FactoryError::Init(reason)) => failed("tools", reason, &mut offer),
            }
        }
        if let Some(reg) = plugin.providers {
            match (reg.factory)(&ctx) {
                Ok(providers) => offer.providers.extend(
                    providers.into_iter().map(|provider| ProviderOffer { name: provider.name().to_string(), provider }),
                ),
                Err(e @ FactoryError::Config(_)) => return Err(config_error(e)),
                Err(FactoryError::Init(reason)) => failed("providers", reason, &mut offer),
            }
        }
        offers.push(offer);
    }
    Ok((offers, diagnostics))
}
