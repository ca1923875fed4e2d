//! From a plugin directory to snapshot entries.
//!
//! For each `plugin.toml`: validate the manifest (before any code is compiled), check the
//! operator's entry (enabled, config against the schema, capabilities granted), read the
//! component (sha256), compile it through the cache, check its exports and WIT versions
//! against the manifest, link it, instantiate it once (and list its tools), and only then
//! hand out entries. A plugin that fails any step is left out with its reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use thiserror::Error;
use xxhash_rust::xxh3::Xxh3;
use zeroclaw_plugin_api::{Owner, Subscription, ToolSpec};

use super::adapters::{WasmHookHandler, WasmProvider, WasmTool};
use super::cache::{CacheOutcome, Loaded, content_key};
use super::engine::{EngineSettings, WasmEngine};
use super::host::{Grants, PluginShared};
use super::instance::{ExportIndices, PluginInstances, Reply, Request, RuntimeEvent};
use crate::config::{LoadedConfig, PluginEntry};
use crate::plugins::capability::{Capability, CapabilityQuery, Decision, RightSet, decide, judged_effect};
use crate::plugins::kv::KvStore;
use crate::plugins::manifest::{Manifest, PackageRef, PluginKind, check_package, discover};
use crate::plugins::native::native_plugin_names;
use crate::plugins::plugin_file::check_plugin_dir;
use crate::plugins::registry::{
    HookEntry, PluginRecord, PluginStatus, Precedence, ProviderEntry, RegistryError, SnapshotBuilder, ToolEntry,
};
use crate::plugins::reload::{ReloadFailure, ReloadReport};
use crate::plugins::stats::StatsBook;

/// Extra time the runner allows a wasm handler past the plugin's own timeout, so the
/// plugin's precise timeout error is the one reported.
const RUNNER_SLACK: Duration = Duration::from_millis(100);

/// A plugin that cannot be loaded, and why.
#[derive(Debug, Error)]
#[error("{location}: {message}")]
pub struct LoadError {
    /// The manifest file (with line when known).
    pub location: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl LoadError {
    fn new(manifest: &Manifest, message: impl Into<String>) -> Self {
        LoadError { location: manifest.path.display().to_string(), message: message.into() }
    }
}

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
    pub component_key: u128,
}

/// The wasm backend of a running host: one engine, its linker and cache, and the store
/// behind the `kv` capability (opened the first time a plugin is granted it).
pub struct WasmBackend {
    engine: WasmEngine,
    kv_path: PathBuf,
    kv: OnceLock<Result<Arc<KvStore>, String>>,
    events: tokio::sync::broadcast::Sender<RuntimeEvent>,
}

/// The engine settings a config asks for.
pub fn engine_settings(config: &LoadedConfig) -> EngineSettings {
    let plugins = &config.config.plugins;
    let fuel =
        plugins.limits.fuel.is_some() || plugins.entries.values().any(|e| matches!(e.limits.fuel, Some(Some(_))));
    let max_memory_mb = plugins
        .entries
        .values()
        .filter_map(|e| e.limits.memory_mb)
        .chain([plugins.limits.memory_mb])
        .max()
        .unwrap_or(plugins.limits.memory_mb);
    EngineSettings { cache_dir: config.cache_dir(), max_stack_kb: plugins.limits.max_stack_kb, fuel, max_memory_mb }
}

impl WasmBackend {
    /// Starts the engine for `config`.
    pub fn new(config: &LoadedConfig) -> Result<Self, String> {
        let engine =
            WasmEngine::new(engine_settings(config)).map_err(|e| format!("cannot start the wasm engine: {e}"))?;
        let (events, _) = tokio::sync::broadcast::channel(64);
        Ok(WasmBackend { engine, kv_path: config.state_dir().join("plugins-kv.sqlite3"), kv: OnceLock::new(), events })
    }

    /// The engine.
    pub fn engine(&self) -> &WasmEngine {
        &self.engine
    }

    /// Quarantines and recoveries of every plugin this backend loads.
    pub fn events(&self) -> tokio::sync::broadcast::Receiver<RuntimeEvent> {
        self.events.subscribe()
    }

    /// The kv store, opened on first use.
    fn kv_store(&self) -> Result<Arc<KvStore>, String> {
        self.kv
            .get_or_init(|| {
                KvStore::open(&self.kv_path)
                    .map(Arc::new)
                    .map_err(|e| format!("cannot open the kv store {}: {e}", self.kv_path.display()))
            })
            .clone()
    }

    /// Turns the granted capabilities and the entry's lists into what the sandbox opens.
    /// A list without its capability is ignored (never wider than granted), with a warning;
    /// a granted capability without its list, or a listed directory that does not exist,
    /// refuses the plugin.
    fn resolve_grants(
        &self,
        manifest: &Manifest,
        entry: &PluginEntry,
        granted: &[Capability],
        config: &LoadedConfig,
    ) -> Result<Grants, String> {
        let id = &manifest.id;
        let has = |cap: Capability| granted.contains(&cap);
        let ignored = |list: &str, cap: Capability| {
            tracing::warn!(plugin = %id, "plugins.entries.{id}.{list} is set but `{cap}` is not granted; it is ignored");
        };
        let dirs = |list: &[PathBuf], key: &str, cap: Capability| -> Result<Vec<PathBuf>, String> {
            if !has(cap) {
                if !list.is_empty() {
                    ignored(key, cap);
                }
                return Ok(Vec::new());
            }
            if list.is_empty() {
                return Err(format!("`{cap}` is granted but plugins.entries.{id}.{key} lists no directory"));
            }
            list.iter()
                .map(|dir| {
                    let path = config.resolve(dir);
                    std::fs::canonicalize(&path).ok().filter(|p| p.is_dir()).ok_or_else(|| {
                        format!("plugins.entries.{id}.{key}: {} is not an existing directory", path.display())
                    })
                })
                .collect()
        };
        let mut grants = Grants {
            fs_read: dirs(&entry.fs_read, "fs_read", Capability::FsRead)?,
            fs_write: dirs(&entry.fs_write, "fs_write", Capability::FsWrite)?,
            conversation_read: has(Capability::ConversationRead),
            log: !config.config.plugins.capabilities.deny.contains(&Capability::Log),
            kv: None,
            http_allow: None,
            env: Vec::new(),
        };
        if has(Capability::Kv) {
            grants.kv = Some(self.kv_store()?);
        }
        if has(Capability::HttpOutbound) {
            if entry.http_allow.is_empty() {
                return Err(format!("`http:outbound` is granted but plugins.entries.{id}.http_allow lists no host"));
            }
            grants.http_allow = Some(entry.http_allow.clone());
        } else if !entry.http_allow.is_empty() {
            ignored("http_allow", Capability::HttpOutbound);
        }
        if has(Capability::Env) {
            for name in &entry.env {
                match std::env::var(name) {
                    Ok(value) => grants.env.push((name.clone(), value)),
                    Err(_) => tracing::warn!(plugin = %id, "plugins.entries.{id}.env lists `{name}`, which is not set"),
                }
            }
        } else if !entry.env.is_empty() {
            ignored("env", Capability::Env);
        }
        Ok(grants)
    }

    /// Brings the plugins of `plugins.dirs` up to date, given the versions loaded before.
    ///
    /// A plugin whose files and settings are unchanged is reused as it is. A new or changed
    /// one is loaded; if that fails, its previous version (if any) keeps serving and the
    /// failure is reported. A directory that is gone leaves. With `settle`, a plugin whose
    /// files changed less than `settle` ago is still being written: it keeps its previous
    /// version (or waits) and is listed as settling, for a later reload.
    pub async fn refresh(
        &self,
        previous: &BTreeMap<PathBuf, LoadedVersion>,
        config: &LoadedConfig,
        generation: u64,
        settle: Option<Duration>,
    ) -> Result<Refresh, RegistryError> {
        let natives = native_plugin_names()?;
        let mut out = Refresh {
            versions: BTreeMap::new(),
            unserved: SnapshotBuilder::new(generation),
            report: ReloadReport::default(),
        };
        let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
        for path in discover(&config.plugin_dirs()) {
            let prev = previous.get(&path);
            let dir_name = plugin_dir_name(&path);
            if let Some(settle) = settle
                && recently_modified(path.parent().unwrap_or(&path), settle)
            {
                out.report.settling.push(prev.map_or_else(|| dir_name.clone(), |p| p.plugin.manifest.id.clone()));
                if let Some(prev) = prev {
                    out.versions.insert(path.clone(), prev.clone());
                    seen.insert(prev.plugin.manifest.id.clone(), path.clone());
                }
                continue;
            }
            if let Some((dir, root)) = path.parent().and_then(|dir| Some((dir, dir.parent()?)))
                && let Err(reason) = check_plugin_dir(root, dir)
            {
                out.fail(&path, prev, &dir_name, "", reason);
                continue;
            }
            let manifest = match Manifest::load(&path) {
                Ok(manifest) => manifest,
                Err(e) => {
                    out.fail(&path, prev, &dir_name, "", e.to_string());
                    continue;
                }
            };
            let id = manifest.id.clone();
            let version = manifest.version.to_string();
            if natives.contains(&id.as_str()) {
                let reason = format!("{}: id `{id}` is the name of a native plugin; choose another id", path.display());
                out.fail(&path, None, &id, &version, reason);
                continue;
            }
            if let Some(first) = seen.get(&id) {
                let message =
                    format!("{}: skipped: plugin `{id}` is already loaded from {}", path.display(), first.display());
                out.unserved.diagnostic(&id, message);
                continue;
            }
            seen.insert(id.clone(), path.clone());
            if !config.entry(&id).enabled {
                out.unserved.add_plugin(PluginRecord {
                    id: id.clone(),
                    version,
                    backend: "wasm",
                    description: manifest.description.clone(),
                    status: PluginStatus::Disabled(format!("plugins.entries.{id}.enabled = false")),
                    health: None,
                });
                continue;
            }
            let (fingerprint, component_key) = match fingerprint(&manifest, config) {
                Ok(digests) => digests,
                Err(reason) => {
                    out.fail(&path, prev, &id, &version, reason);
                    continue;
                }
            };
            if let Some(prev) = prev.filter(|p| p.fingerprint == fingerprint) {
                out.report.unchanged.push(format!("{id}@{version}"));
                out.versions.insert(path, prev.clone());
                continue;
            }
            // A new manifest or new settings over the same bytes: keep the compiled component.
            let same_component = prev.map(|p| &*p.plugin).filter(|p| p.component_key == component_key);
            match self.load_with(manifest, config, generation, same_component).await {
                Ok(plugin) => {
                    out.report.loaded.push(format!("{id}@{version}"));
                    out.versions.insert(path, LoadedVersion { fingerprint, plugin: Arc::new(plugin) });
                }
                Err(e) => out.fail(&path, prev, &id, &version, e.to_string()),
            }
        }
        for (path, prev) in previous {
            if !out.versions.contains_key(path) && !path.exists() {
                out.report.removed.push(format!("{}@{}", prev.plugin.manifest.id, prev.plugin.manifest.version));
            }
        }
        for id in config.config.plugins.entries.keys() {
            if !seen.contains_key(id) {
                out.unserved.diagnostic(
                    id,
                    format!("plugins.entries.{id} is configured but no plugin with that id is installed"),
                );
            }
        }
        Ok(out)
    }

    /// Compiles into the cache, ahead of a reload, the components of the enabled plugins
    /// whose directory holds one of `changed`: the watcher calls it once the files have been
    /// quiet for a moment, so the reload at the end of the debounce finds them compiled
    /// instead of compiling them then. Files still being written fail to compile or are
    /// compiled in vain; the reload re-reads and checks everything either way. Returns the
    /// number of components compiled.
    pub async fn precompile(&self, config: &LoadedConfig, changed: &[PathBuf]) -> usize {
        let mut compiled = 0;
        for path in discover(&config.plugin_dirs()) {
            let Some(dir) = path.parent() else { continue };
            if !changed.iter().any(|c| c.starts_with(dir)) {
                continue;
            }
            let Ok(manifest) = Manifest::load(&path) else { continue };
            if !config.entry(&manifest.id).enabled {
                continue;
            }
            let Ok(bytes) = manifest.read_component(config.config.plugins.max_component_bytes()) else { continue };
            let (cache, engine) = (self.engine.cache().clone(), self.engine.engine().clone());
            match tokio::task::spawn_blocking(move || cache.warm(&engine, &bytes)).await {
                Ok(Ok(true)) => {
                    tracing::debug!(plugin = %manifest.id, "compiled ahead of the reload");
                    compiled += 1;
                }
                Ok(Ok(false)) => {}
                Ok(Err(e)) => tracing::debug!(plugin = %manifest.id, "not compiled ahead: {}", first_line(&e)),
                Err(e) => tracing::debug!(plugin = %manifest.id, "compile task failed: {e}"),
            }
        }
        compiled
    }

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
    async fn load_with(
        &self,
        manifest: Manifest,
        config: &LoadedConfig,
        generation: u64,
        same_component: Option<&LoadedPlugin>,
    ) -> Result<LoadedPlugin, LoadError> {
        let entry = config.entry(&manifest.id);
        let owner = Owner::wasm(manifest.id.as_str(), manifest.version.to_string(), generation);
        let id = manifest.id.clone();

        let config_json = serde_json::to_value(&entry.config).map_err(|e| LoadError::new(&manifest, e.to_string()))?;
        manifest.check_config(&config_json).map_err(|m| LoadError::new(&manifest, m))?;

        let granted = grant(&manifest, &entry, config).map_err(|m| LoadError::new(&manifest, m))?;

        let engine = self.engine.engine().clone();
        let (loaded, component_key, component_bytes) = match same_component {
            Some(previous) => {
                let reused = Loaded {
                    component: previous.instances.component().clone(),
                    outcome: CacheOutcome::Reused,
                    elapsed: Duration::ZERO,
                    path: PathBuf::new(), // no cache entry was read
                };
                (reused, previous.component_key, previous.report.component_bytes)
            }
            None => {
                let bytes = manifest
                    .read_component(config.config.plugins.max_component_bytes())
                    .map_err(|e| LoadError { location: e.location, message: e.message })?;
                let (key, size) = (content_key(&bytes), bytes.len() as u64);
                let (cache, engine) = (self.engine.cache().clone(), engine.clone());
                // Compiling is CPU-bound (tens to thousands of ms): keep it off the async threads.
                let loaded = tokio::task::spawn_blocking(move || cache.load_or_compile(&engine, &bytes))
                    .await
                    .map_err(|e| LoadError::new(&manifest, format!("compile task failed: {e}")))?
                    .map_err(|e| LoadError::new(&manifest, format!("not a valid component: {}", first_line(&e))))?;
                (loaded, key, size)
            }
        };
        let component = loaded.component;

        let (imports, exports) = interface_names(&component, &engine);
        check_versions(&manifest, &imports, &exports).map_err(|m| LoadError::new(&manifest, m))?;

        let pre = self.engine.linker().instantiate_pre(&component).map_err(|e| {
            LoadError::new(
                &manifest,
                format!("cannot link: {}; the host provides WASI 0.2 and zeroclaw:host@1.x only", first_line(&e)),
            )
        })?;
        let kinds = manifest.kinds();
        let export_indices = ExportIndices::find(&component, &kinds).map_err(|m| LoadError::new(&manifest, m))?;

        let limits = config.config.plugins.limits.merged(&entry.limits);
        let grants =
            self.resolve_grants(&manifest, &entry, &granted, config).map_err(|m| LoadError::new(&manifest, m))?;
        let shared =
            Arc::new(PluginShared { owner: owner.clone(), config_json: config_json.to_string(), limits, grants });
        let fuel = self.engine.settings().fuel;
        let instances = PluginInstances::new(shared, engine, pre, export_indices, entry.instances, fuel);
        let instances = Arc::new(instances.with_events(self.events.clone()));

        // Self-check: the component must come up under its limits with exports of the
        // right types (checked once here, relied on by every call), and list its tools.
        if let Err(failure) = instances.call(Request::Probe).await {
            return Err(LoadError::new(&manifest, format!("self-check failed: {failure}")));
        }
        let tool_specs = if kinds.contains(&PluginKind::Tools) {
            match instances.call(Request::ListSpecs).await {
                Ok(Reply::Specs(specs)) => check_specs(&manifest, specs).map_err(|m| LoadError::new(&manifest, m))?,
                Ok(_) => return Err(LoadError::new(&manifest, "list-specs gave an unexpected reply")),
                Err(failure) => return Err(LoadError::new(&manifest, format!("self-check failed: {failure}"))),
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
        })
    }
}

/// A plugin version loaded, with the fingerprint of what it was loaded from.
#[derive(Clone)]
pub struct LoadedVersion {
    /// Hash of the manifest, the component and the settings that apply to it.
    pub fingerprint: u64,
    /// The loaded plugin.
    pub plugin: Arc<LoadedPlugin>,
}

/// The outcome of [`WasmBackend::refresh`].
pub struct Refresh {
    /// The versions to serve, by manifest path.
    pub versions: BTreeMap<PathBuf, LoadedVersion>,
    /// Records and diagnostics of plugins that do not serve (disabled, failed).
    pub unserved: SnapshotBuilder,
    /// What changed.
    pub report: ReloadReport,
}

impl Refresh {
    /// A plugin failed to load: it keeps its previous version if it had one, else it is
    /// recorded as failed. Either way the failure is reported and logged.
    fn fail(&mut self, path: &Path, prev: Option<&LoadedVersion>, id: &str, version: &str, reason: String) {
        match prev {
            Some(prev) => {
                let kept = prev.plugin.manifest.version.to_string();
                tracing::warn!(plugin = %id, "the new version failed; version {kept} keeps serving: {reason}");
                self.unserved.diagnostic(id, format!("the new version failed, version {kept} keeps serving: {reason}"));
                self.report.failed.push(ReloadFailure { plugin: id.to_string(), reason, kept: Some(kept) });
                self.versions.insert(path.to_path_buf(), prev.clone());
            }
            None => {
                tracing::warn!(plugin = %id, "plugin not loaded: {reason}");
                self.unserved.diagnostic(id, reason.clone());
                self.unserved.add_plugin(PluginRecord {
                    id: id.to_string(),
                    version: version.to_string(),
                    backend: "wasm",
                    description: String::new(),
                    status: PluginStatus::Failed(reason.clone()),
                    health: None,
                });
                self.report.failed.push(ReloadFailure { plugin: id.to_string(), reason, kept: None });
            }
        }
    }
}

/// Hash of everything a loaded plugin depends on: its manifest and component files and the
/// operator settings that apply to it (equal hashes: the loaded version can be reused), and
/// the [`content_key`] of the component alone (equal keys: its compiled component can be).
/// The component is streamed through the hash in one pass, never held whole in memory.
fn fingerprint(manifest: &Manifest, config: &LoadedConfig) -> Result<(u64, u128), String> {
    let mut component = Xxh3::new();
    manifest
        .scan_component(config.config.plugins.max_component_bytes(), |chunk| component.update(chunk))
        .map_err(|e| e.to_string())?;
    let component_key = component.digest128();
    let mut hasher = Xxh3::new();
    let text = Manifest::read_text(&manifest.path).map_err(|e| e.to_string())?;
    hasher.update(text.as_bytes());
    hasher.update(&component_key.to_le_bytes());
    let plugins = &config.config.plugins;
    let settings = serde_json::json!({
        "entry": config.entry(&manifest.id),
        "limits": plugins.limits,
        "capabilities": plugins.capabilities,
        "hooks": config.config.hooks.enabled,
        "state": config.state_dir(),
    });
    hasher.update(settings.to_string().as_bytes());
    Ok((hasher.digest(), component_key))
}

/// Whether any file in `dir` changed less than `settle` ago (it may still be being written).
fn recently_modified(dir: &Path, settle: Duration) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    let now = std::time::SystemTime::now();
    entries
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .filter_map(|m| m.modified().ok())
        .any(|modified| now.duration_since(modified).map_or(true, |age| age < settle))
}

/// The plugin directory's name, for a plugin whose manifest cannot be read.
fn plugin_dir_name(manifest: &Path) -> String {
    manifest
        .parent()
        .and_then(|d| d.file_name())
        .map_or_else(|| manifest.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Adds a loaded plugin's entries to `builder`.
pub fn add_entries(
    plugin: &Arc<LoadedPlugin>,
    builder: &mut SnapshotBuilder,
    config: &LoadedConfig,
    stats: &StatsBook,
) {
    let id = plugin.manifest.id.as_str();
    let owner = &plugin.owner;
    let rights = RightSet::from_capabilities(&plugin.granted);
    // A call may wait up to its timeout for a concurrency slot, then run under its whole
    // timeout: the runner's bound covers both.
    let call_timeout = Duration::from_millis(config.config.plugins.limits.merged(&plugin.entry.limits).timeout_ms);
    let timeout = call_timeout.saturating_mul(2) + RUNNER_SLACK;
    if config.config.hooks.enabled {
        for decl in &plugin.manifest.hooks {
            let priority = plugin.entry.priority.unwrap_or(decl.priority);
            let conversation_read = plugin.granted.contains(&Capability::ConversationRead);
            let subscription = Subscription::new(decl.point, priority);
            let handler =
                WasmHookHandler::new(plugin.instances.clone(), decl.name.clone(), subscription, conversation_read);
            builder.add_hook(
                decl.point,
                HookEntry {
                    owner: owner.clone(),
                    handler_name: decl.name.as_str().into(),
                    priority,
                    handler: Arc::new(handler),
                    on_error: plugin.entry.on_error,
                    timeout,
                    rights,
                    stats: stats.get(format!("hook:{}:wasm:{id}:{}", decl.point.name(), decl.name)),
                },
            );
        }
    } else if !plugin.manifest.hooks.is_empty() {
        builder.diagnostic(id, "hooks.enabled = false: its hook subscriptions are not loaded");
    }
    let precedence = if plugin.entry.override_native { Precedence::PluginOverridesNative } else { Precedence::Plugin };
    for spec in &plugin.tool_specs {
        let confirmed = plugin.entry.tools.get(&spec.name).and_then(|t| t.effect);
        let effect = judged_effect(spec.effect, &plugin.granted, confirmed);
        if effect != spec.effect && confirmed.is_none() {
            builder.diagnostic(
                id,
                format!(
                    "tool `{}` says it only reads, but the plugin holds a capability that reaches outside its kv; it is judged `act` (set plugins.entries.{id}.tools.{}.effect = \"read\" to confirm it reads)",
                    spec.name, spec.name
                ),
            );
        }
        builder.add_tool(
            precedence,
            ToolEntry {
                effect,
                ..ToolEntry::new(
                    spec.clone(),
                    owner.clone(),
                    Arc::new(WasmTool::new(plugin.instances.clone(), spec.clone())),
                    stats.get(format!("tool:{}:wasm:{id}", spec.name)),
                )
            },
        );
    }
    for name in plugin.entry.tools.keys().filter(|n| !plugin.tool_specs.iter().any(|s| &s.name == *n)) {
        builder
            .diagnostic(id, format!("plugins.entries.{id}.tools.{name} is set but the plugin serves no tool `{name}`"));
    }
    for decl in &plugin.manifest.providers {
        builder.add_provider(
            Precedence::Plugin,
            ProviderEntry {
                name: decl.name.clone(),
                owner: owner.clone(),
                provider: Arc::new(WasmProvider::new(plugin.instances.clone(), decl.name.clone())),
                stats: stats.get(format!("provider:{}:wasm:{id}", decl.name)),
            },
        );
    }
    builder.add_plugin(PluginRecord {
        id: id.to_string(),
        version: plugin.manifest.version.to_string(),
        backend: "wasm",
        description: plugin.manifest.description.clone(),
        status: PluginStatus::Active,
        health: Some(plugin.instances.clone()),
    });
    builder.keep_alive(plugin.clone());
}

/// The capabilities a plugin holds, or why it cannot be loaded: every capability it
/// requests must be granted (a plugin never runs with less than it asked for).
pub(super) fn grant(
    manifest: &Manifest,
    entry: &PluginEntry,
    config: &LoadedConfig,
) -> Result<Vec<Capability>, String> {
    let policy = &config.config.plugins.capabilities;
    let query = CapabilityQuery {
        requested: &manifest.capabilities,
        granted: &entry.grant,
        global_allow: &policy.allow,
        global_deny: &policy.deny,
    };
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
        return Err(refusals.join("; "));
    }
    for cap in entry.grant.iter().filter(|c| !manifest.capabilities.contains(c)) {
        tracing::warn!(plugin = %id, "{}", Decision::NotRequested.explain(*cap, id));
    }
    Ok(granted)
}

/// The zeroclaw-relevant names a component imports and exports.
pub(super) fn interface_names(
    component: &wasmtime::component::Component,
    engine: &wasmtime::Engine,
) -> (Vec<String>, Vec<String>) {
    let ty = component.component_type();
    let imports = ty.imports(engine).map(|(name, _)| name.to_string()).collect();
    let exports = ty.exports(engine).map(|(name, _)| name.to_string()).collect();
    (imports, exports)
}

/// Splits `zeroclaw:hooks/handler@1.0.0` into the package reference and the interface.
fn versioned_interface(name: &str) -> Option<(PackageRef, &str)> {
    let (path, version) = name.split_once('@')?;
    let (package, _) = path.split_once('/')?;
    let version = semver::Version::parse(version).ok()?;
    Some((PackageRef { name: package.to_string(), version }, path))
}

/// Every `zeroclaw:` import and export must pass the version policy, and every kind the
/// manifest declares must be exported.
fn check_versions(manifest: &Manifest, imports: &[String], exports: &[String]) -> Result<(), String> {
    for (direction, names) in [("imports", imports), ("exports", exports)] {
        for name in names.iter().filter(|n| n.starts_with("zeroclaw:")) {
            let Some((package, _)) = versioned_interface(name) else {
                return Err(format!(
                    "the component {direction} `{name}` without a version; rebuild it against zeroclaw's WIT"
                ));
            };
            check_package(&package).map_err(|e| format!("the component {direction} `{name}`: {e}"))?;
        }
    }
    for kind in manifest.kinds() {
        let found =
            exports.iter().any(|name| versioned_interface(name).is_some_and(|(_, path)| path == kind.interface()));
        if !found {
            return Err(format!(
                "the manifest declares [[{}]] but the component does not export `{}@1.x`; build it for the `{}` world (the Rust PDK exports every kind)",
                kind.table(),
                kind.interface(),
                kind.package()
            ));
        }
    }
    Ok(())
}

/// The component's specs for the tools the manifest declares, checked against it: names
/// unique, parameters a JSON Schema for an object, effects as the manifest says.
fn check_specs(manifest: &Manifest, specs: Vec<ToolSpec>) -> Result<Vec<ToolSpec>, String> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, spec) in specs.iter().enumerate() {
        if let Some(first) = seen.insert(spec.name.as_str(), index) {
            return Err(format!(
                "list-specs returns tool `{}` twice (specs {} and {}); each tool name must be listed once",
                spec.name,
                first + 1,
                index + 1
            ));
        }
    }
    let mut served = Vec::new();
    for decl in &manifest.tools {
        let Some(spec) = specs.iter().find(|s| s.name == decl.name) else {
            let offered: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
            return Err(format!(
                "the manifest declares tool `{}` but the component's list-specs does not include it (it offers: {})",
                decl.name,
                if offered.is_empty() { "none".to_string() } else { offered.join(", ") }
            ));
        };
        if spec.effect != decl.effect {
            return Err(format!(
                "tool `{}`: the manifest says effect = {:?} but the component says {:?}; they must agree",
                decl.name, decl.effect, spec.effect
            ));
        }
        if spec.parameters.get("type").and_then(|t| t.as_str()) != Some("object") {
            return Err(format!(
                "tool `{}`: its parameters must be a JSON Schema for an object (`{{\"type\": \"object\", …}}`), not {}",
                decl.name,
                preview(&spec.parameters)
            ));
        }
        jsonschema::validator_for(&spec.parameters)
            .map_err(|e| format!("tool `{}`: its parameters are not a valid JSON Schema: {e}", decl.name))?;
        served.push(spec.clone());
    }
    let undeclared: Vec<&str> =
        specs.iter().filter(|s| !manifest.tools.iter().any(|d| d.name == s.name)).map(|s| s.name.as_str()).collect();
    if !undeclared.is_empty() {
        let shown = undeclared.iter().take(5).copied().collect::<Vec<_>>().join(", ");
        let more = if undeclared.len() > 5 { format!(" and {} more", undeclared.len() - 5) } else { String::new() };
        tracing::warn!(plugin = %manifest.id, "the component offers tools the manifest does not declare ({shown}{more}); ignored");
    }
    Ok(served)
}

/// A JSON value shortened for a message.
fn preview(value: &serde_json::Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn first_line(error: &wasmtime::Error) -> String {
    let text = format!("{error:#}");
    text.lines().next().unwrap_or_default().to_string()
}
