//! The plugin runtime of a running host: its config, its registry, and the wasm backend;
//! and reloads.
//!
//! Every generation is built the same way, at start and at each reload: natives (reused
//! while the native part of the config is unchanged), then, with `plugins.enabled`, every
//! wasm plugin of `plugins.dirs` (reused when nothing about it changed, loaded when new or
//! changed, kept at its last good version when its new one fails), into a new snapshot
//! published in one swap. Calls in flight keep the snapshot they started with; a
//! generation's plugins are freed when its last call ends. Reloads are serialized.

use crate::observability::log::RELOAD_LOG;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use zeroclaw_plugin_api::HostLink;

use crate::config::{ConfigSource, LoadedConfig};
use crate::plugins::backend::{Backend, Round};
use crate::plugins::native::NativeBackend;
use crate::plugins::registry::{Registry, RegistryError, Snapshot, SnapshotBuilder};
use crate::plugins::reload::ReloadReport;
#[cfg(feature = "wasm")]
use crate::plugins::wasm::{WasmBackend, WasmPlugins};

/// The runtime: config, registry, backends.
pub struct PluginRuntime {
    config: ArcSwap<LoadedConfig>,
    registry: Arc<Registry>,
    /// Every backend, in precedence order (natives first): asked in turn at each rebuild.
    backends: Vec<Arc<dyn Backend>>,
    /// The wasm backend again, typed, for its engine and events.
    #[cfg(feature = "wasm")]
    wasm: Arc<WasmPlugins>,
    /// Serializes rebuilds.
    rebuilding: tokio::sync::Mutex<()>,
}

impl PluginRuntime {
    /// Builds and publishes the first snapshot.
    pub async fn start(config: LoadedConfig) -> Result<Self, RegistryError> {
        Self::start_with_host(config, HostLink::new()).await
    }

    /// Like [`start`](Self::start), giving native plugins `host` (the agent's services,
    /// connected once the agent is up).
    pub async fn start_with_host(config: LoadedConfig, host: HostLink) -> Result<Self, RegistryError> {
        Self::start_with_backends(config, host, Vec::new()).await
    }

    /// Like [`start_with_host`](Self::start_with_host), with `extra` backends asked after
    /// the built-in ones (native, then wasm): a new backend is registered here.
    pub async fn start_with_backends(
        config: LoadedConfig,
        host: HostLink,
        extra: Vec<Arc<dyn Backend>>,
    ) -> Result<Self, RegistryError> {
        // Before anything opens a database, a kv store or the cache in it.
        config.prepare_state_dir()?;
        let mut backends: Vec<Arc<dyn Backend>> = vec![Arc::new(NativeBackend::new(host))];
        #[cfg(feature = "wasm")]
        let wasm = Arc::new(WasmPlugins::new());
        #[cfg(feature = "wasm")]
        backends.push(wasm.clone());
        #[cfg(not(feature = "wasm"))]
        backends.push(Arc::new(crate::plugins::backend::Unavailable::wasm()));
        backends.extend(extra);
        let runtime = PluginRuntime {
            config: ArcSwap::from_pointee(config.clone()),
            registry: Arc::new(Registry::default()),
            backends,
            #[cfg(feature = "wasm")]
            wasm,
            rebuilding: tokio::sync::Mutex::new(()),
        };
        let guard = runtime.rebuilding.lock().await;
        runtime.rebuild(config, None).await?;
        drop(guard);
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

    /// The config the snapshot in force was built from.
    pub fn config(&self) -> Arc<LoadedConfig> {
        self.config.load_full()
    }

    /// The wasm backend, once plugins have been enabled.
    #[cfg(feature = "wasm")]
    pub fn wasm(&self) -> Option<&WasmBackend> {
        self.wasm.backend()
    }

    /// Reloads: re-reads the config file (its `[plugins]`, `[hooks]` and `[native.*]`
    /// sections apply; the rest needs a restart), then rebuilds the snapshot. With
    /// `settle`, plugins whose files changed less than `settle` ago wait for a later
    /// reload. A reload that fails as a whole (the config no longer parses, a native
    /// factory refuses its section) changes nothing and says why.
    pub async fn reload(&self, settle: Option<Duration>) -> ReloadReport {
        let _guard = self.rebuilding.lock().await;
        let current = self.config();
        let failed = |error: String| ReloadReport {
            generation: self.snapshot().generation(),
            error: Some(error),
            ..Default::default()
        };
        let config = match &current.source {
            ConfigSource::File(path) => match LoadedConfig::from_file(path) {
                Ok(config) => config,
                Err(e) => return failed(e.to_string()),
            },
            ConfigSource::Defaults => (*current).clone(),
        };
        match self.rebuild(config, settle).await {
            Ok(report) => {
                tracing::info!(target: RELOAD_LOG, "plugins reloaded: {}", report.summary());
                report
            }
            Err(e) => {
                let report = failed(e.to_string());
                tracing::warn!("{}", report.summary());
                report
            }
        }
    }

    /// Prepares ahead of a reload the plugins whose files are among `changed` (the wasm
    /// backend compiles their components into its cache); returns how many it prepared.
    pub async fn precompile(&self, changed: &[std::path::PathBuf]) -> usize {
        let config = self.config();
        let mut prepared = 0;
        for backend in &self.backends {
            prepared += backend.prepare(&config, changed).await;
        }
        prepared
    }

    /// Builds a new generation from `config` and publishes it: every backend offers, in
    /// precedence order, and one builder makes the snapshot. If any step fails, nothing
    /// is published and every backend goes back to what it served.
    async fn rebuild(&self, config: LoadedConfig, settle: Option<Duration>) -> Result<ReloadReport, RegistryError> {
        let built = self.build(&config, settle).await;
        let published = built.is_ok();
        for backend in &self.backends {
            backend.commit(published);
        }
        let (snapshot, report) = built?;
        self.registry.publish(snapshot);
        self.config.store(Arc::new(config));
        Ok(report)
    }

    async fn build(
        &self,
        config: &LoadedConfig,
        settle: Option<Duration>,
    ) -> Result<(Snapshot, ReloadReport), RegistryError> {
        let generation = self.registry.next_generation();
        let mut builder = SnapshotBuilder::new(generation);
        let mut report = ReloadReport { generation, ..Default::default() };
        for backend in &self.backends {
            let claimed = builder.claimed().clone();
            let round = Round { config, generation, settle, claimed: &claimed };
            let offers = backend.offer(&round).await?;
            report.absorb(offers.report);
            builder.diagnostics(offers.diagnostics);
            for plugin in offers.plugins {
                builder.add_offer(plugin, self.registry.stats());
            }
        }
        Ok((builder.build()?, report))
    }
}
