//! A trial: one wasm plugin loaded alone, the way the runtime loads it, in a sandbox of its
//! own, for its author's tests (`zeroclaw plugins test`, the `zeroclaw-plugin-test` crate).
//!
//! The sandbox is a fresh state directory (so an empty kv store), the capabilities granted
//! (by default every one the manifest requests) and the plugin's config. No other wasm
//! plugin is loaded, and hooks are called on the plugin's own handlers only: what comes
//! back is the plugin's outcome, with the runtime's checks (the right to rewrite, the
//! redaction of conversation content, the tool's schema) applied as in a real turn. A
//! rewrite comes back whole; the call site reads back only the point's rewritable fields
//! (`HookPoint::rewritable_fields`).

use std::path::PathBuf;

use zeroclaw_plugin_api::{ChatRequest, ChatResponse, HookContext, HookKind, HookOutcome, HookPayload};

use crate::capability::Capability;
use crate::config::LoadedConfig;
use crate::hooks::runner::refusal;
use crate::plugins::build::{BuiltPlugin, install};
use crate::plugins::kv::KvStore;
use crate::plugins::manifest::Manifest;
use crate::plugins::{PluginRecord, PluginRuntime, PluginStatus};

/// What a hook handler did with a payload.
#[derive(Clone, Debug, PartialEq)]
pub enum Fired {
    /// Passed it on unchanged.
    Continue,
    /// Rewrote it (and the grants allow the rewrite).
    Modify(HookPayload),
    /// Cancelled it, with this reason.
    Cancel(String),
    /// Returned a rewrite or a cancel the runtime refuses, and why (another point's
    /// payload, or no right to rewrite this point).
    Refused(String),
    /// Failed: an error, a trap, a timeout, a denied call; the runtime's message.
    Error(String),
}

impl Fired {
    /// `continue`, `modify`, `cancel`, `refused` or `error`.
    pub fn label(&self) -> &'static str {
        match self {
            Fired::Continue => "continue",
            Fired::Modify(_) => "modify",
            Fired::Cancel(_) => "cancel",
            Fired::Refused(_) => "refused",
            Fired::Error(_) => "error",
        }
    }
}

/// How a trial's sandbox is set up: the operator's `plugins.entries.<id>` for the plugin.
#[derive(Clone, Debug, Default)]
pub struct TrialOptions {
    /// The capabilities granted; `None`: every one the manifest requests.
    pub grant: Option<Vec<Capability>>,
    /// `plugins.entries.<id>.config`; `None`: no config section.
    pub config: Option<serde_json::Value>,
    /// `http_allow`: the hosts `http:outbound` reaches.
    pub http_allow: Vec<String>,
    /// `fs_read`: the directories `fs:read` opens (absolute, or relative to the working
    /// directory).
    pub fs_read: Vec<PathBuf>,
    /// `fs_write`: the directories `fs:write` opens.
    pub fs_write: Vec<PathBuf>,
    /// `env`: the host variables `env` passes.
    pub env: Vec<String>,
    /// Where compiled components are cached; `None`: a cache inside the sandbox (every
    /// trial compiles).
    pub compile_cache: Option<PathBuf>,
}

/// A plugin's files: its `plugin.toml` and the component it names (anywhere: the trial
/// copies them into its sandbox).
#[derive(Clone, Debug)]
pub struct TrialPlugin {
    /// The manifest.
    pub manifest: PathBuf,
    /// The component.
    pub component: PathBuf,
}

/// One plugin, loaded alone in a fresh sandbox.
pub struct Trial {
    runtime: PluginRuntime,
    id: String,
    state: tempfile::TempDir,
}

impl Trial {
    /// Copies `plugin` into a fresh sandbox and loads it there, alone. Fails with the
    /// runtime's reason when the plugin does not load.
    pub async fn start(plugin: &TrialPlugin, options: &TrialOptions) -> Result<Trial, String> {
        let state = tempfile::tempdir().map_err(|e| format!("cannot create the sandbox's state directory: {e}"))?;
        let plugins_dir = state.path().join("plugins");
        let built = BuiltPlugin {
            crate_name: String::new(),
            component: plugin.component.clone(),
            manifest: plugin.manifest.clone(),
        };
        let installed = install(&built, &plugins_dir).map_err(|e| e.to_string())?;
        let plugin = Manifest::load(&installed).map_err(|e| e.to_string())?;
        let grant = options.grant.clone().unwrap_or_else(|| plugin.capabilities.clone());
        let absolute = |dirs: &[PathBuf]| -> Vec<PathBuf> {
            dirs.iter().map(|d| std::path::absolute(d).unwrap_or_else(|_| d.clone())).collect()
        };
        let mut entry = serde_json::json!({
            "grant": grant,
            "http_allow": options.http_allow,
            "fs_read": absolute(&options.fs_read),
            "fs_write": absolute(&options.fs_write),
            "env": options.env,
        });
        if let Some(config) = &options.config {
            entry["config"] = config.clone();
        }
        if grant.contains(&crate::capability::Capability::ToolsInvoke) {
            entry["invoke_allow"] = serde_json::json!([crate::plugins::invoke::NO_TOOLS_HERE]);
        }
        let cache = options.compile_cache.clone().unwrap_or_else(|| state.path().join("cache"));
        let config = serde_json::json!({
            "state_dir": state.path(),
            "plugins": {
                "enabled": true,
                "dirs": [plugins_dir],
                "cache_dir": cache,
                "entries": { plugin.id.clone(): entry },
            },
        });
        let text =
            toml::to_string(&config).map_err(|e| format!("the plugin's config cannot be written as TOML: {e}"))?;
        let loaded = LoadedConfig::parse(&text, &state.path().join("zeroclaw.toml")).map_err(|e| e.to_string())?;
        let runtime = PluginRuntime::start(loaded).await.map_err(|e| e.to_string())?;
        match runtime.snapshot().plugins().iter().find(|p| p.id == plugin.id) {
            Some(p) if p.status == PluginStatus::Active => {}
            Some(PluginRecord { status: PluginStatus::Failed(why) | PluginStatus::Disabled(why), .. }) => {
                return Err(format!("the plugin does not load: {why}"));
            }
            _ => return Err("the plugin does not load".into()),
        }
        Ok(Trial { runtime, id: plugin.id, state })
    }

    /// The plugin's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Calls the plugin's handler for `payload`'s point.
    pub async fn fire(&self, payload: &HookPayload) -> Result<Fired, String> {
        let point = payload.point();
        let snapshot = self.runtime.snapshot();
        let entry = snapshot
            .hooks(point)
            .iter()
            .find(|e| e.owner.plugin_id() == self.id)
            .ok_or_else(|| format!("the plugin does not subscribe to {}", point.name()))?;
        let ctx = HookContext::session("zeroclaw", "trial", "test");
        let void = point.kind() == HookKind::Void;
        // The runner's own judgement of a modify or a cancel.
        Ok(match entry.handler.handle(&ctx, payload).await {
            Ok(HookOutcome::Continue) => Fired::Continue,
            Ok(HookOutcome::Modify(_) | HookOutcome::Cancel(_)) if void => {
                Fired::Refused(format!("{} is a void hook: its outcome is ignored", point.name()))
            }
            Ok(HookOutcome::Modify(next)) => match refusal(entry, point, Some(&next)) {
                Some(why) => Fired::Refused(why),
                None => Fired::Modify(next),
            },
            Ok(HookOutcome::Cancel(reason)) => match refusal(entry, point, None) {
                Some(why) => Fired::Refused(why),
                None => Fired::Cancel(reason),
            },
            Err(e) => Fired::Error(e.to_string()),
        })
    }

    /// Calls the plugin's tool `tool` with `args`, checked against its schema first.
    pub async fn call(&self, tool: &str, args: &serde_json::Value) -> Result<String, String> {
        let snapshot = self.runtime.snapshot();
        let entry = snapshot
            .tool(tool)
            .filter(|e| e.owner.plugin_id() == self.id)
            .ok_or_else(|| format!("the plugin serves no tool `{tool}`"))?;
        entry.validate(args).map_err(|problems| format!("arguments do not match the schema: {problems}"))?;
        entry.invoke(args).await.map_err(|e| e.to_string())
    }

    /// Sends `request` to the plugin's provider `provider`.
    pub async fn chat(&self, provider: &str, request: &ChatRequest) -> Result<ChatResponse, String> {
        let snapshot = self.runtime.snapshot();
        let entry = snapshot
            .provider(provider)
            .filter(|e| e.owner.plugin_id() == self.id)
            .ok_or_else(|| format!("the plugin serves no provider `{provider}`"))?;
        entry.provider.chat(request).await.map_err(|e| e.to_string())
    }

    /// What the plugin stored under `key` in its kv store (`None` if nothing).
    pub fn kv(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        match self.kv_store()? {
            Some(store) => store.get(&self.id, key).map_err(|e| e.to_string()),
            None => Ok(None),
        }
    }

    /// Every key the plugin stored, sorted.
    pub fn kv_keys(&self) -> Result<Vec<String>, String> {
        match self.kv_store()? {
            Some(store) => store.keys(&self.id).map_err(|e| e.to_string()),
            None => Ok(Vec::new()),
        }
    }

    /// The sandbox's kv store, once the plugin has opened it.
    fn kv_store(&self) -> Result<Option<KvStore>, String> {
        let path = self.state.path().join(crate::plugins::kv::KV_FILE);
        if !path.exists() {
            return Ok(None);
        }
        KvStore::open(&path).map(Some).map_err(|e| e.to_string())
    }
}
