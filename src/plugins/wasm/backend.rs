//! The wasm backend's engine side: one engine, its linker and cache, the kv store, and
//! what a plugin's grants open in its sandbox.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use super::engine::{EngineSettings, WasmEngine};
use super::host::{Grants, InvokeGrant};
use super::instance::RuntimeEvent;
use super::load_error::GrantError;
use super::secrets::Secrets;
use crate::config::{LoadedConfig, PluginEntry};
use crate::plugins::capability::Capability;
use crate::plugins::invoke::ToolGateway;
use crate::plugins::kv::KvStore;
use crate::plugins::manifest::Manifest;
use crate::plugins::registry::RegistryError;

/// The wasm backend of a running host: one engine, its linker and cache, and the store
/// behind the `kv` capability (opened the first time a plugin is granted it).
pub struct WasmBackend {
    pub(super) engine: WasmEngine,
    kv_path: PathBuf,
    kv: OnceLock<Result<Arc<KvStore>, GrantError>>,
    pub(super) events: tokio::sync::broadcast::Sender<RuntimeEvent>,
    /// The agent's tool pipeline, for plugins granted `tools:invoke`.
    tools: Arc<ToolGateway>,
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
    EngineSettings {
        cache_dir: config.cache_dir(),
        cache_key_file: config.cache_key_file(),
        max_stack_kb: plugins.limits.max_stack_kb,
        fuel,
        max_memory_mb,
    }
}

impl WasmBackend {
    /// Starts the engine for `config`.
    pub fn new(config: &LoadedConfig) -> Result<Self, RegistryError> {
        let engine = WasmEngine::new(engine_settings(config)).map_err(|e| RegistryError::Engine(e.into()))?;
        let (events, _) = tokio::sync::broadcast::channel(64);
        Ok(WasmBackend {
            engine,
            kv_path: config.state_dir().join(crate::plugins::kv::KV_FILE),
            kv: OnceLock::new(),
            events,
            tools: Arc::default(),
        })
    }

    /// Where plugins granted `tools:invoke` find the agent's tool pipeline.
    pub fn tools(&self) -> &Arc<ToolGateway> {
        &self.tools
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
    pub(super) fn kv_store(&self) -> Result<Arc<KvStore>, GrantError> {
        self.kv
            .get_or_init(|| {
                KvStore::open(&self.kv_path)
                    .map(Arc::new)
                    .map_err(|source| GrantError::Kv { path: self.kv_path.clone(), source })
            })
            .clone()
    }

    /// Turns the granted capabilities and the entry's lists into what the sandbox opens.
    /// A list without its capability is ignored (never wider than granted), with a warning;
    /// a granted capability without its list, or a listed directory that does not exist,
    /// refuses the plugin.
    pub(super) fn resolve_grants(
        &self,
        manifest: &Manifest,
        entry: &PluginEntry,
        granted: &[Capability],
        config: &LoadedConfig,
    ) -> Result<Grants, GrantError> {
        let id = &manifest.id;
        let has = |cap: Capability| granted.contains(&cap);
        let ignored = |list: &str, cap: Capability| {
            tracing::warn!(plugin = %id, "plugins.entries.{id}.{list} is set but `{cap}` is not granted; it is ignored");
        };
        let dirs = |list: &[PathBuf], key: &'static str, cap: Capability| -> Result<Vec<PathBuf>, GrantError> {
            if !has(cap) {
                if !list.is_empty() {
                    ignored(key, cap);
                }
                return Ok(Vec::new());
            }
            if list.is_empty() {
                return Err(GrantError::NoDirectory { id: id.clone(), key, cap });
            }
            list.iter()
                .map(|dir| {
                    let path = config.resolve(dir);
                    std::fs::canonicalize(&path).ok().filter(|p| p.is_dir()).ok_or_else(|| GrantError::NotADirectory {
                        id: id.clone(),
                        key,
                        path: path.clone(),
                    })
                })
                .collect()
        };
        // Where secrets are kept (any plugin's): never opened to a guest, whatever it is
        // granted, since no plugin ever sees a secret.
        let entries = config.config.plugins.entries.values();
        let secrets: Vec<&crate::config::SecretBinding> = entries.flat_map(|e| e.secrets.values()).collect();
        let secret_files: Vec<PathBuf> = secrets
            .iter()
            .filter_map(|s| s.file.as_deref())
            .map(|f| config.resolve(f))
            .map(|f| std::fs::canonicalize(&f).unwrap_or(f))
            .collect();
        let exposing = |key: &'static str, dirs: &[PathBuf]| -> Result<(), GrantError> {
            for dir in dirs {
                if let Some(file) = secret_files.iter().find(|f| f.starts_with(dir)) {
                    let detail = format!(
                        "{} holds the secret file {}; a plugin never sees a secret: grant a directory that does not hold it, or keep the secret elsewhere",
                        dir.display(),
                        file.display()
                    );
                    return Err(GrantError::SecretReachable { id: id.clone(), key, detail });
                }
            }
            Ok(())
        };
        let mut grants = Grants {
            fs_read: dirs(&entry.fs_read, "fs_read", Capability::FsRead)?,
            fs_write: dirs(&entry.fs_write, "fs_write", Capability::FsWrite)?,
            conversation_read: has(Capability::ConversationRead),
            log: !config.config.plugins.capabilities.deny.contains(&Capability::Log),
            kv: None,
            http_allow: None,
            env: Vec::new(),
            invoke: None,
            secrets: Secrets::default(),
        };
        exposing("fs_read", &grants.fs_read)?;
        exposing("fs_write", &grants.fs_write)?;
        if has(Capability::Kv) {
            grants.kv = Some(self.kv_store()?);
        }
        if has(Capability::HttpOutbound) {
            if entry.http_allow.is_empty() {
                return Err(GrantError::NoHosts { id: id.clone() });
            }
            grants.http_allow = Some(entry.http_allow.clone());
        } else if !entry.http_allow.is_empty() {
            ignored("http_allow", Capability::HttpOutbound);
        }
        if has(Capability::ToolsInvoke) {
            if entry.invoke_allow.is_empty() {
                return Err(GrantError::NoTools { id: id.clone() });
            }
            grants.invoke = Some(InvokeGrant { allow: entry.invoke_allow.clone().into(), gateway: self.tools.clone() });
        } else if !entry.invoke_allow.is_empty() {
            ignored("invoke_allow", Capability::ToolsInvoke);
        }
        grants.secrets =
            Secrets::resolve(id, &entry.secrets, grants.http_allow.as_deref(), |path| config.resolve(path))?;
        if has(Capability::Env) {
            if let Some(name) = entry.env.iter().find(|name| secrets.iter().any(|s| s.env.as_deref() == Some(name))) {
                let detail = format!(
                    "`{name}` holds a secret (a secrets.*.env of the config); a plugin never sees a secret: remove it from env"
                );
                return Err(GrantError::SecretReachable { id: id.clone(), key: "env", detail });
            }
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
}
