//! The plugin runtime of a running host: its config, its registry, and the wasm backend.
//!
//! `PluginRuntime::start` builds generation 1 from the config: every native entry, then,
//! with `plugins.enabled`, every wasm plugin found in `plugins.dirs`. A wasm plugin that
//! fails to load is left out and reported (its record says why); the others load.

use std::sync::Arc;

use zeroclaw_plugin_api::HostLink;

use crate::config::LoadedConfig;
use crate::plugins::native::add_native_entries;
use crate::plugins::registry::{Registry, RegistryError, Snapshot, SnapshotBuilder};
#[cfg(feature = "wasm")]
use crate::plugins::wasm::WasmBackend;

/// The runtime: config, registry, backends.
pub struct PluginRuntime {
    config: LoadedConfig,
    registry: Arc<Registry>,
    host: HostLink,
    #[cfg(feature = "wasm")]
    wasm: Option<WasmBackend>,
}

impl PluginRuntime {
    /// Builds and publishes the first snapshot.
    pub async fn start(config: LoadedConfig) -> Result<Self, RegistryError> {
        Self::start_with_host(config, HostLink::new()).await
    }

    /// Like [`start`](Self::start), giving native plugins `host` (the agent's services,
    /// connected once the agent is up).
    pub async fn start_with_host(config: LoadedConfig, host: HostLink) -> Result<Self, RegistryError> {
        #[cfg(feature = "wasm")]
        let wasm = if config.config.plugins.enabled {
            Some(WasmBackend::new(&config).map_err(RegistryError::Wasm)?)
        } else {
            None
        };
        let runtime = PluginRuntime {
            config,
            registry: Arc::new(Registry::default()),
            host,
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
        add_native_entries(&mut builder, &self.config, self.registry.stats(), &self.host)?;
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
        match &self.wasm {
            Some(wasm) => wasm.add_plugins(builder, &self.config, self.registry.stats()).await,
            None => Ok(()),
        }
    }
}
