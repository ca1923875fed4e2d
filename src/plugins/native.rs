//! Turns the native registrations collected by `inventory` into snapshot entries.
//!
//! Factories are called once per snapshot, with the plugin's config section. The order in
//! which inventory yields registrations is never relied on: names are sorted and checked.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use zeroclaw_plugin_api::{
    FactoryError, HookRegistration, HostLink, Owner, PluginContext, ProviderRegistration, ToolRegistration,
};

use crate::config::{LoadedConfig, OnError};
use crate::plugins::capability::RightSet;
use crate::plugins::registry::{
    HookEntry, PluginRecord, PluginStatus, Precedence, ProviderEntry, RegistryError, SnapshotBuilder, ToolEntry,
};
use crate::plugins::stats::StatsBook;

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

/// Every native entry built from one config: kept by the runtime and replayed into each
/// new snapshot while the native part of the config is unchanged, so a reload does not
/// rebuild native plugins (nor lose their in-memory state).
#[derive(Clone)]
pub struct NativeSet {
    builder: SnapshotBuilder,
}

impl NativeSet {
    /// Adds these entries to `builder`.
    pub fn add_to(&self, builder: &mut SnapshotBuilder) {
        builder.extend_from(&self.builder);
    }
}

/// Builds every native entry.
///
/// A built-in hook plugin switched off by `hooks.builtin.<name>` is recorded as disabled.
/// A factory that rejects its config section is a config error (with file and line); one
/// that fails otherwise leaves its plugin out, recorded as failed with the reason.
pub fn build_natives(config: &LoadedConfig, stats: &StatsBook, host: &HostLink) -> Result<NativeSet, RegistryError> {
    let mut builder = SnapshotBuilder::new(0);
    add_native_entries(&mut builder, config, stats, host)?;
    Ok(NativeSet { builder })
}

fn add_native_entries(
    builder: &mut SnapshotBuilder,
    config: &LoadedConfig,
    stats: &StatsBook,
    host: &HostLink,
) -> Result<(), RegistryError> {
    let hook_timeout = Duration::from_millis(config.config.hooks.timeout_ms);
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
        let mut status = PluginStatus::Active;
        let config_error = |e: FactoryError| -> RegistryError {
            let span = config.native_section_span(name).unwrap_or(0..0);
            RegistryError::Config(config.error_at(span, format!("[native.{name}]: {e}")))
        };

        if let Some(reg) = plugin.hooks {
            if !config.builtin_enabled(name, reg.enabled_by_default) {
                status = PluginStatus::Disabled(format!("set hooks.builtin.{name} = true to enable it"));
            } else {
                match (reg.factory)(&ctx) {
                    Ok(handlers) => {
                        for handler in handlers {
                            let handler_name: Arc<str> = handler.name().into();
                            for sub in handler.subscriptions() {
                                let key = format!("hook:{}:native:{name}:{handler_name}", sub.point.name());
                                builder.add_hook(
                                    sub.point,
                                    HookEntry {
                                        owner: owner.clone(),
                                        handler_name: handler_name.clone(),
                                        priority: sub.priority,
                                        handler: handler.clone(),
                                        on_error: OnError::FailOpen,
                                        timeout: hook_timeout,
                                        rights: RightSet::ALL,
                                        stats: stats.get(key),
                                    },
                                );
                            }
                        }
                    }
                    Err(e @ FactoryError::Config(_)) => return Err(config_error(e)),
                    Err(FactoryError::Init(reason)) => {
                        builder.diagnostic(name, format!("{owner}: hooks not loaded: {reason}"));
                        status = PluginStatus::Failed(reason);
                    }
                }
            }
        }
        if let Some(reg) = plugin.tools {
            match (reg.factory)(&ctx) {
                Ok(tools) => {
                    for tool in tools {
                        let spec = tool.spec().clone();
                        let stats = stats.get(format!("tool:{}:native:{name}", spec.name));
                        builder.add_tool(Precedence::Native, ToolEntry::new(spec, owner.clone(), tool, stats));
                    }
                }
                Err(e @ FactoryError::Config(_)) => return Err(config_error(e)),
                Err(FactoryError::Init(reason)) => {
                    builder.diagnostic(name, format!("{owner}: tools not loaded: {reason}"));
                    status = PluginStatus::Failed(reason);
                }
            }
        }
        if let Some(reg) = plugin.providers {
            match (reg.factory)(&ctx) {
                Ok(providers) => {
                    for provider in providers {
                        let provider_name = provider.name().to_string();
                        let stats = stats.get(format!("provider:{provider_name}:native:{name}"));
                        builder.add_provider(
                            Precedence::Native,
                            ProviderEntry { name: provider_name, owner: owner.clone(), provider, stats },
                        );
                    }
                }
                Err(e @ FactoryError::Config(_)) => return Err(config_error(e)),
                Err(FactoryError::Init(reason)) => {
                    builder.diagnostic(name, format!("{owner}: providers not loaded: {reason}"));
                    status = PluginStatus::Failed(reason);
                }
            }
        }
        builder.add_plugin(PluginRecord {
            id: name.to_string(),
            version: version.to_string(),
            backend: "native",
            description: description.to_string(),
            status,
            health: None,
        });
    }
    Ok(())
}
