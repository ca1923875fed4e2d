//! Loading one plugin: config against its schema, capabilities, the component through
//! the cache, the contract probe, the sandbox, and a self-check.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use zeroclaw_plugin_api::{Owner, ToolSpec};

use super::WasmBackend;
use super::cache::{CacheOutcome, Loaded, content_key};
use super::calls::{ExportIndices, ListSpecs, Probe};
use super::host::PluginShared;
use super::instance::PluginInstances;
use super::load_error::{ContractMismatch, LoadCause, LoadError, NewerPoint};
use super::probe::{check_specs, check_versions, interface_names};
use crate::config::{LoadedConfig, PluginEntry};
use crate::plugins::capability::{Capability, CapabilityQuery, Decision, decide};
use crate::plugins::manifest::{Manifest, PluginKind, has_hook_point, hook_point_since};
use crate::plugins::verify::verify;
use crate::trust::{Sha256Digest, Verdict};

/// How a plugin's component was obtained.
#[derive(Clone, Debug)]
pub struct LoadReport {
    /// Cache hit, miss, rebuilt, or reused from the version it replaces.
    pub cache: CacheOutcome,
    /// Time to load (hit) or compile (miss).
    pub compile_or_load: Duration,
    /// Size of the component file.
    pub component_bytes: u64,
    /// The component's imports.
    pub imports: Vec<String>,
    /// The component's exports.
    pub exports: Vec<String>,
}

/// A loaded plugin version.
pub struct LoadedPlugin {
    /// Its manifest.
    pub manifest: Manifest,
    /// Its owner (id, version, generation that loaded it).
    pub owner: Owner,
    /// The operator's entry.
    pub entry: PluginEntry,
    /// Capabilities it holds (requested and granted).
    pub granted: Vec<Capability>,
    /// Its calls.
    pub instances: Arc<PluginInstances>,
    /// Its tools, as the component describes them.
    pub tool_specs: Vec<ToolSpec>,
    /// How it was loaded.
    pub report: LoadReport,
    /// The identity of its component's bytes ([`content_key`]).
    pub component_key: Sha256Digest,
    /// What vouched for its files (the trust policy's verdict).
    pub verdict: Verdict,
}

impl WasmBackend {
    /// Loads the plugin of `manifest` (already validated), as generation `generation`.
    pub async fn load(
        &self,
        manifest: Manifest,
        config: &LoadedConfig,
        generation: u64,
    ) -> Result<LoadedPlugin, LoadError> {
        self.load_with(manifest, config, generation, None).await
    }

    /// Like [`load`](Self::load); `same_component` is a loaded version whose component has
    /// the very bytes of this one (the caller compared their [`content_key`]s), so its
    /// compiled component is reused: cheaper than a cache load and, above all, no new code
    /// or memory image is mapped, which would stall calls running meanwhile (see
    /// docs/performance.md, "Hot reload").
    pub(super) async fn load_with(
        &self,
        manifest: Manifest,
        config: &LoadedConfig,
        generation: u64,
        same_component: Option<&LoadedPlugin>,
    ) -> Result<LoadedPlugin, LoadError> {
        let entry = config.entry(&manifest.id);
        let owner = Owner::wasm(manifest.id.as_str(), manifest.version.to_string(), generation);
        let id = manifest.id.clone();

        let config_json =
            serde_json::to_value(&entry.config).map_err(|e| LoadError::new(&manifest, LoadCause::ConfigEncoding(e)))?;
        manifest.check_config(&config_json).map_err(|m| LoadError::new(&manifest, LoadCause::Config(m)))?;

        let granted = grant(&manifest, &entry, config).map_err(|refusals| LoadError::new(&manifest, refusals))?;
        let limits = config.config.plugins.limits.merged(&entry.limits);
        if let Some(needs) = manifest.memory_mb.filter(|needs| *needs > limits.memory_mb) {
            let cause = LoadCause::MemoryNeeded { id: id.clone(), needs, limit: limits.memory_mb };
            return Err(LoadError::new(&manifest, cause));
        }

        let engine = self.engine.engine().clone();
        let trusted = |digest| {
            verify(&manifest, digest, config).map_err(|e| LoadError::new(&manifest, LoadCause::Trust(Box::new(e))))
        };
        let (loaded, component_key, component_bytes, verdict) = match same_component {
            Some(previous) => {
                // Judged again: the manifest, the signature or the policy may be what changed.
                let verdict = trusted(previous.component_key)?;
                let reused = Loaded {
                    component: previous.instances.component().clone(),
                    outcome: CacheOutcome::Reused,
                    elapsed: Duration::ZERO,
                    path: PathBuf::new(), // no cache entry was read
                };
                (reused, previous.component_key, previous.report.component_bytes, verdict)
            }
            None => {
                let bytes = manifest.read_component(config.config.plugins.max_component_bytes())?;
                let (key, size) = (content_key(&bytes), bytes.len() as u64);
                // The bytes judged are the bytes compiled (or looked up in the cache by this digest).
                let verdict = trusted(key)?;
                let (cache, engine) = (self.engine.cache().clone(), engine.clone());
                // Compiling is CPU-bound (tens to thousands of ms): keep it off the async threads.
                let loaded = tokio::task::spawn_blocking(move || cache.load_or_compile(&engine, &bytes, key))
                    .await
                    .map_err(|e| LoadError::new(&manifest, LoadCause::Task(e)))?
                    .map_err(|e| LoadError::new(&manifest, LoadCause::Compile(e)))?;
                (loaded, key, size, verdict)
            }
        };
        let component = loaded.component;

        let (imports, exports) = interface_names(&component, &engine);
        check_versions(&manifest, &imports, &exports).map_err(|e| LoadError::new(&manifest, e))?;

        let pre = self
            .engine
            .linker()
            .instantiate_pre(&component)
            .map_err(|e| LoadError::new(&manifest, LoadCause::Link(e)))?;
        let kinds = manifest.kinds();
        let export_indices =
            ExportIndices::find(&component, &kinds, &exports).map_err(|e| LoadError::new(&manifest, e))?;
        if let Some(speaks) = export_indices.hooks_speak() {
            let newer = manifest.hooks.iter().find(|h| !has_hook_point(speaks.version(), h.point));
            if let Some(hook) = newer {
                let cause = ContractMismatch::HookPointNewer(Box::new(NewerPoint {
                    point: hook.point.name(),
                    since: hook_point_since(hook.point),
                    speaks: speaks.version().clone(),
                }));
                return Err(LoadError::new(&manifest, cause));
            }
        }

        let grants =
            self.resolve_grants(&manifest, &entry, &granted, config).map_err(|e| LoadError::new(&manifest, e))?;
        let shared =
            Arc::new(PluginShared { owner: owner.clone(), config_json: config_json.to_string(), limits, grants });
        let fuel = self.engine.settings().fuel;
        let instances = PluginInstances::new(shared, engine, pre, export_indices, entry.instances, fuel);
        let instances = Arc::new(instances.with_events(self.events.clone()));

        // Self-check: the component must come up under its limits with exports of the
        // right types (checked once here, relied on by every call), and list its tools.
        if let Err(failure) = instances.call(&Probe).await {
            return Err(LoadError::new(&manifest, LoadCause::SelfCheck(failure)));
        }
        let tool_specs = if kinds.contains(&PluginKind::Tools) {
            match instances.call(&ListSpecs).await {
                Ok(specs) => check_specs(&manifest, specs).map_err(|e| LoadError::new(&manifest, e))?,
                Err(failure) => return Err(LoadError::new(&manifest, LoadCause::SelfCheck(failure))),
            }
        } else {
            Vec::new()
        };
        tracing::debug!(plugin = %owner, cache = ?loaded.outcome, elapsed_ms = loaded.elapsed.as_millis() as u64, "loaded {id}");

        Ok(LoadedPlugin {
            report: LoadReport {
                cache: loaded.outcome,
                compile_or_load: loaded.elapsed,
                component_bytes,
                imports,
                exports,
            },
            manifest,
            owner,
            entry,
            granted,
            instances,
            tool_specs,
            component_key,
            verdict,
        })
    }
}

/// The capabilities a plugin holds, or why it cannot be loaded: every capability it
/// requests must be granted (a plugin never runs with less than it asked for).
pub(super) fn grant(
    manifest: &Manifest,
    entry: &PluginEntry,
    config: &LoadedConfig,
) -> Result<Vec<Capability>, LoadCause> {
    let query = CapabilityQuery::for_plugin(&manifest.capabilities, &entry.grant, &config.config.plugins.capabilities);
    let id = &manifest.id;
    let mut granted = Vec::new();
    let mut refusals = Vec::new();
    for cap in &manifest.capabilities {
        match decide(*cap, query) {
            Decision::Granted => granted.push(*cap),
            Decision::NotRequested => {}
            refused => refusals.push(refused.explain(*cap, id)),
        }
    }
    if !refusals.is_empty() {
        return Err(LoadCause::Refused(refusals));
    }
    for cap in entry.grant.iter().filter(|c| !manifest.capabilities.contains(c)) {
        tracing::warn!(plugin = %id, "{}", Decision::NotRequested.explain(*cap, id));
    }
    Ok(granted)
}
