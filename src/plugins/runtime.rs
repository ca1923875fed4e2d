//! The plugin runtime of a running host: its config, its registry, and the wasm backend;
//! and reloads.
//!
//! Every generation is built the same way, at start and at each reload: natives (reused
//! while the native part of the config is unchanged), then, with `plugins.enabled`, every
//! wasm plugin of `plugins.dirs` (reused when nothing about it changed, loaded when new or
//! changed, kept at its last good version when its new one fails), into a new snapshot
//! published in one swap. Calls in flight keep the snapshot they started with; a
//! generation's plugins are freed when its last call ends. Reloads are serialized.

use std::sync::Arc;
#[cfg(feature = "wasm")]
use std::sync::OnceLock;
use std::time::Duration;

use arc_swap::ArcSwap;
use zeroclaw_plugin_api::HostLink;

use crate::config::{ConfigSource, LoadedConfig};
use crate::plugins::native::{NativeSet, build_natives};
use crate::plugins::registry::{Registry, RegistryError, Snapshot, SnapshotBuilder};
use crate::plugins::reload::ReloadReport;
#[cfg(feature = "wasm")]
use crate::plugins::wasm::{LoadedVersion, WasmBackend, add_entries, engine_settings};

/// What the last generation was built from.
struct State {
    natives: NativeSet,
    native_fingerprint: String,
    #[cfg(feature = "wasm")]
    wasm: std::collections::BTreeMap<std::path::PathBuf, LoadedVersion>,
}

/// The runtime: config, registry, backends.
pub struct PluginRuntime {
    config: ArcSwap<LoadedConfig>,
    registry: Arc<Registry>,
    host: HostLink,
    state: tokio::sync::Mutex<Option<State>>,
    #[cfg(feature = "wasm")]
    wasm: OnceLock<WasmBackend>,
}

/// The parts of the config the native entries are built from.
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

impl PluginRuntime {
    /// Builds and publishes the first snapshot.
    pub async fn start(config: LoadedConfig) -> Result<Self, RegistryError> {
        Self::start_with_host(config, HostLink::new()).await
    }

    /// Like [`start`](Self::start), giving native plugins `host` (the agent's services,
    /// connected once the agent is up).
    pub async fn start_with_host(config: LoadedConfig, host: HostLink) -> Result<Self, RegistryError> {
        // Before anything opens a database, a kv store or the cache in it.
        config.prepare_state_dir().map_err(RegistryError::State)?;
        let runtime = PluginRuntime {
            config: ArcSwap::from_pointee(config.clone()),
            registry: Arc::new(Registry::default()),
            host,
            state: tokio::sync::Mutex::new(None),
            #[cfg(feature = "wasm")]
            wasm: OnceLock::new(),
        };
        let mut state = runtime.state.lock().await;
        runtime.rebuild(&mut state, config, None).await?;
        drop(state);
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
        self.wasm.get()
    }

    /// Reloads: re-reads the config file (its `[plugins]`, `[hooks]` and `[native.*]`
    /// sections apply; the rest needs a restart), then rebuilds the snapshot. With
    /// `settle`, plugins whose files changed less than `settle` ago wait for a later
    /// reload. A reload that fails as a whole (the config no longer parses, a native
    /// factory refuses its section) changes nothing and says why.
    pub async fn reload(&self, settle: Option<Duration>) -> ReloadReport {
        let mut state = self.state.lock().await;
        let current = self.config();
        let config = match &current.source {
            ConfigSource::File(path) => match LoadedConfig::from_file(path) {
                Ok(config) => config,
                Err(e) => {
                    return ReloadReport {
                        generation: self.snapshot().generation(),
                        error: Some(e.to_string()),
                        ..Default::default()
                    };
                }
            },
            ConfigSource::Defaults => (*current).clone(),
        };
        match self.rebuild(&mut state, config, settle).await {
            Ok(report) => {
                tracing::info!("plugins reloaded: {}", report.summary());
                report
            }
            Err(e) => {
                let report = ReloadReport {
                    generation: self.snapshot().generation(),
                    error: Some(e.to_string()),
                    ..Default::default()
                };
                tracing::warn!("{}", report.summary());
                report
            }
        }
    }

    /// Compiles into the cache the components of the plugins whose files are among
    /// `changed` (see [`WasmBackend::precompile`]); returns how many it compiled.
    pub async fn precompile(&self, changed: &[std::path::PathBuf]) -> usize {
        #[cfg(feature = "wasm")]
        if let Some(backend) = self.wasm.get() {
            return backend.precompile(&self.config(), changed).await;
        }
        let _ = changed; // without a wasm backend there is nothing to compile
        0
    }

    /// Builds a new generation from `config` and publishes it.
    async fn rebuild(
        &self,
        state: &mut Option<State>,
        config: LoadedConfig,
        settle: Option<Duration>,
    ) -> Result<ReloadReport, RegistryError> {
        let fingerprint = native_fingerprint(&config);
        let natives = match state.as_ref() {
            Some(previous) if previous.native_fingerprint == fingerprint => previous.natives.clone(),
            _ => build_natives(&config, self.registry.stats(), &self.host)?,
        };
        let generation = self.registry.next_generation();
        let mut builder = SnapshotBuilder::new(generation);
        natives.add_to(&mut builder);
        #[cfg(feature = "wasm")]
        let report;
        #[cfg(feature = "wasm")]
        let versions = {
            let empty = std::collections::BTreeMap::new();
            let previous = state.as_ref().map_or(&empty, |s| &s.wasm);
            if config.config.plugins.enabled {
                let backend = match self.wasm.get() {
                    Some(backend) => backend,
                    None => {
                        let backend = WasmBackend::new(&config).map_err(RegistryError::Wasm)?;
                        self.wasm.get_or_init(|| backend)
                    }
                };
                let wanted = engine_settings(&config);
                if &wanted != backend.engine().settings() {
                    builder.diagnostic(
                        "plugins",
                        "engine settings changed (cache_dir, max_stack_kb, fuel or the largest memory_mb); restart zeroclaw to apply them",
                    );
                }
                let refresh = backend.refresh(previous, &config, generation, settle).await?;
                for version in refresh.versions.values() {
                    add_entries(&version.plugin, &mut builder, &config, self.registry.stats());
                }
                builder.extend_from(&refresh.unserved);
                report = ReloadReport { generation, ..refresh.report };
                refresh.versions
            } else {
                let removed = previous
                    .values()
                    .map(|v| format!("{}@{}", v.plugin.manifest.id, v.plugin.manifest.version))
                    .collect();
                report = ReloadReport { generation, removed, ..Default::default() };
                std::collections::BTreeMap::new()
            }
        };
        #[cfg(not(feature = "wasm"))]
        let report = {
            let _ = settle; // nothing settles without wasm plugins
            ReloadReport { generation, ..Default::default() }
        };
        #[cfg(not(feature = "wasm"))]
        if config.config.plugins.enabled {
            builder.diagnostic(
                "plugins",
                "plugins.enabled = true, but this zeroclaw was built without the `wasm` feature: no wasm plugin is loaded",
            );
        }

        let snapshot = builder.build()?;
        self.registry.publish(snapshot);
        self.config.store(Arc::new(config));
        *state = Some(State {
            natives,
            native_fingerprint: fingerprint,
            #[cfg(feature = "wasm")]
            wasm: versions,
        });
        Ok(report)
    }
}
