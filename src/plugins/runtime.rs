//! The plugin runtime of a running host: its config, its registry, and the wasm backend.
//!
//! `PluginRuntime::start` builds generation 1 from the config: every native entry, then,
//! with `plugins.enabled`, every wasm plugin found in `plugins.dirs`. A wasm plugin that
//! fails to load is left out and reported (its record says why); the others load.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::LoadedConfig;
use crate::plugins::manifest::{Manifest, discover};
use crate::plugins::native::{add_native_entries, native_plugin_names};
use crate::plugins::registry::{PluginRecord, PluginStatus, Registry, RegistryError, Snapshot, SnapshotBuilder};
#[cfg(feature = "wasm")]
use crate::plugins::wasm::{WasmBackend, add_entries};

/// The runtime: config, registry, backends.
pub struct PluginRuntime {
    config: LoadedConfig,
    registry: Arc<Registry>,
    #[cfg(feature = "wasm")]
    wasm: Option<WasmBackend>,
}

impl PluginRuntime {
    /// Builds and publishes the first snapshot.
    pub async fn start(config: LoadedConfig) -> Result<Self, RegistryError> {
        #[cfg(feature = "wasm")]
        let wasm = if config.config.plugins.enabled {
            Some(WasmBackend::new(&config).map_err(RegistryError::Wasm)?)
        } else {
            None
        };
        let runtime = PluginRuntime {
            config,
            registry: Arc::new(Registry::default()),
            #[cfg(feature = "wasm")]
            wasm,
        };
        let generation = runtime.registry.next_generation();
        let snapshot = runtime.build(generation).await?;
        runtime.registry.publish(snapshot);
        Ok(runtime)
    }

    /// The registry (shared with the runner, the agent, the gateway).
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The snapshot in force.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.registry.current()
    }

    /// The config in force.
    pub fn config(&self) -> &LoadedConfig {
        &self.config
    }

    /// The wasm backend, when plugins are enabled.
    #[cfg(feature = "wasm")]
    pub fn wasm(&self) -> Option<&WasmBackend> {
        self.wasm.as_ref()
    }

    /// Builds a snapshot of generation `generation` from the current config.
    async fn build(&self, generation: u64) -> Result<Snapshot, RegistryError> {
        let mut builder = SnapshotBuilder::new(generation);
        add_native_entries(&mut builder, &self.config, self.registry.stats())?;
        if self.config.config.plugins.enabled {
            self.add_wasm_plugins(&mut builder).await?;
        }
        builder.build()
    }

    #[cfg(not(feature = "wasm"))]
    async fn add_wasm_plugins(&self, builder: &mut SnapshotBuilder) -> Result<(), RegistryError> {
        builder.diagnostic(
            "plugins",
            "plugins.enabled = true, but this zeroclaw was built without the `wasm` feature: no wasm plugin is loaded",
        );
        Ok(())
    }

    #[cfg(feature = "wasm")]
    async fn add_wasm_plugins(&self, builder: &mut SnapshotBuilder) -> Result<(), RegistryError> {
        let Some(wasm) = &self.wasm else { return Ok(()) };
        let natives = native_plugin_names()?;
        let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
        for path in discover(&self.config.plugin_dirs()) {
            let manifest = match Manifest::load(&path) {
                Ok(manifest) => manifest,
                Err(e) => {
                    let id = plugin_dir_name(&path);
                    self.record_failure(builder, &id, "", e.to_string());
                    continue;
                }
            };
            let id = manifest.id.clone();
            let version = manifest.version.to_string();
            if natives.contains(&id.as_str()) {
                self.record_failure(
                    builder,
                    &id,
                    &version,
                    format!("{}: id `{id}` is the name of a native plugin; choose another id", path.display()),
                );
                continue;
            }
            if let Some(first) = seen.get(&id) {
                builder.diagnostic(
                    &id,
                    format!(
                        "{}: skipped: a plugin with id `{id}` is already loaded from {}",
                        path.display(),
                        first.display()
                    ),
                );
                continue;
            }
            seen.insert(id.clone(), path.clone());
            if !self.config.entry(&id).enabled {
                builder.add_plugin(PluginRecord {
                    id: id.clone(),
                    version,
                    backend: "wasm",
                    description: manifest.description.clone(),
                    status: PluginStatus::Disabled(format!("plugins.entries.{id}.enabled = false")),
                });
                continue;
            }
            match wasm.load(manifest, &self.config, builder.generation()).await {
                Ok(plugin) => add_entries(&Arc::new(plugin), builder, &self.config, self.registry.stats()),
                Err(e) => self.record_failure(builder, &id, &version, e.to_string()),
            }
        }
        for id in self.config.config.plugins.entries.keys() {
            if !seen.contains_key(id) {
                builder.diagnostic(
                    id,
                    format!("plugins.entries.{id} is configured but no plugin with that id is installed"),
                );
            }
        }
        Ok(())
    }

    fn record_failure(&self, builder: &mut SnapshotBuilder, id: &str, version: &str, reason: String) {
        tracing::warn!(plugin = %id, "plugin not loaded: {reason}");
        builder.diagnostic(id, reason.clone());
        builder.add_plugin(PluginRecord {
            id: id.to_string(),
            version: version.to_string(),
            backend: "wasm",
            description: String::new(),
            status: PluginStatus::Failed(reason),
        });
    }
}

/// The plugin directory's name, for records of plugins whose manifest cannot be read.
fn plugin_dir_name(manifest: &std::path::Path) -> String {
    manifest
        .parent()
        .and_then(|d| d.file_name())
        .map_or_else(|| manifest.display().to_string(), |n| n.to_string_lossy().into_owned())
}
