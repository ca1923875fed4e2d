//! The TOML config schema.
//!
//! Every struct denies unknown keys, so a typo is an error with its file and line rather
//! than a silently ignored setting. Defaults are the safe ones: no runtime plugin loading,
//! nothing granted. Paths are as written; [`super::LoadedConfig`] resolves relative paths
//! against the config file's directory.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize};
use toml::Spanned;

use zeroclaw_plugin_api::ToolEffect;

use crate::capability::Capability;
use crate::trust::{Sha256Digest, TrustedKeys};

/// The whole config file.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The agent's workspace directory (tools work inside it; BOOT.md lives there).
    pub workspace: Option<PathBuf>,
    /// Where the host keeps its state (databases, logs, compile cache).
    /// Default: a directory of the workspace's own under the user's data directory
    /// (`~/.local/share/zeroclaw/workspaces/<name>-<hash>`), outside the workspace.
    pub state_dir: Option<PathBuf>,
    /// The agent: prompt, provider, iterations, compaction.
    pub agent: AgentConfig,
    /// Provider wrappers: retries and fallbacks, model routes.
    pub providers: ProvidersConfig,
    /// The security policy for tools.
    pub security: SecurityConfig,
    /// The HTTP gateway.
    pub gateway: GatewayConfig,
    /// Where transcripts and summaries are stored.
    pub memory: MemoryConfig,
    /// Hook settings and the built-in hook switches.
    pub hooks: HooksConfig,
    /// The wasm plugin runtime.
    pub plugins: PluginsConfig,
    /// Config sections of native plugins, by plugin name (`[native.command_logger]`).
    pub native: BTreeMap<String, Spanned<toml::Table>>,
}

/// `[agent]`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgentConfig {
    /// The agent's id, in hook contexts.
    pub id: String,
    /// The system prompt every turn starts from.
    pub system_prompt: String,
    /// The provider serving turns (a native or plugin provider name).
    pub provider: String,
    /// The model to ask for, or a route `hint:<name>` from `[providers.routes]`.
    pub model: String,
    /// Provider round trips per turn at most (each may run tools).
    #[serde(deserialize_with = "range::<_, 1, 1000>")]
    pub max_iterations: u64,
    /// Compact the history when it holds more than this many messages.
    #[serde(deserialize_with = "range::<_, 1, 1_000_000>")]
    pub compaction_threshold: u64,
    /// Messages kept verbatim (the newest) when compacting.
    #[serde(deserialize_with = "range::<_, 0, 1_000_000>")]
    pub compaction_keep: u64,
    /// The model (or `hint:<route>`) that writes compaction summaries; default: `model`.
    pub compaction_model: Option<String>,
    /// Messages of a session's history kept in memory at most (the oldest go first); the
    /// transcript keeps them all.
    #[serde(deserialize_with = "range::<_, 1, 1_000_000>")]
    pub max_history_messages: u64,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            id: "zeroclaw".into(),
            system_prompt: "You are zeroclaw, a helpful assistant. Use tools when they help.".into(),
            provider: "offline".into(),
            model: "offline".into(),
            max_iterations: 8,
            compaction_threshold: 40,
            compaction_keep: 10,
            compaction_model: None,
            max_history_messages: 200,
        }
    }
}

/// `[providers]`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProvidersConfig {
    /// Retries of transient errors on one provider before moving down the chain.
    #[serde(deserialize_with = "range::<_, 0, 100>")]
    pub retries: u64,
    /// First retry delay; doubles each retry.
    #[serde(deserialize_with = "range::<_, 0, 600_000>")]
    pub backoff_ms: u64,
    /// Longest delay between retries.
    #[serde(deserialize_with = "range::<_, 0, 3_600_000>")]
    pub max_backoff_ms: u64,
    /// Providers tried, in order, after the chosen one fails.
    pub fallbacks: Vec<String>,
    /// Model routes: `hint:<name>` in `agent.model` → `"provider/model"` (or just `"provider"`).
    pub routes: BTreeMap<String, String>,
}

impl Default for ProvidersConfig {
    fn default() -> Self {
        ProvidersConfig {
            retries: 2,
            backoff_ms: 200,
            max_backoff_ms: 5000,
            fallbacks: Vec::new(),
            routes: BTreeMap::new(),
        }
    }
}

/// How much the agent may do without a human.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Autonomy {
    /// Only tools that read.
    ReadOnly,
    /// Tools that read, and act tools listed in `allow_tools`.
    #[default]
    Supervised,
    /// Every tool not in `deny_tools`.
    Full,
}

/// `[security]`: the policy every tool call passes before it runs.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// read_only, supervised or full.
    pub autonomy: Autonomy,
    /// Act tools allowed in supervised autonomy.
    pub allow_tools: Vec<String>,
    /// Tools never allowed, whatever the autonomy.
    pub deny_tools: Vec<String>,
    /// Act tool calls allowed per hour (sliding window), across sessions.
    #[serde(deserialize_with = "range::<_, 1, 1_000_000_000>")]
    pub max_actions_per_hour: u64,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            autonomy: Autonomy::Supervised,
            allow_tools: Vec::new(),
            deny_tools: Vec::new(),
            max_actions_per_hour: 60,
        }
    }
}

/// `[gateway]`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct GatewayConfig {
    /// Address to listen on: `ip:port`, `[ipv6]:port` or `host:port`.
    #[serde(deserialize_with = "listen_address")]
    pub bind: String,
    /// Environment variable holding the bearer token; unset means no token is required.
    pub token_env: Option<String>,
    /// Largest request body.
    #[serde(deserialize_with = "range::<_, 1, 1_073_741_824>")]
    pub max_body_bytes: u64,
    /// Longest a request may take.
    #[serde(deserialize_with = "range::<_, 1, 86_400_000>")]
    pub request_timeout_ms: u64,
    /// Longest graceful shutdown waits for requests in flight and the stop hooks.
    #[serde(deserialize_with = "range::<_, 1, 3_600_000>")]
    pub shutdown_timeout_ms: u64,
    /// A session with no message for this long leaves memory (`session_end`, reason
    /// `idle`); its next message resumes it from its transcript.
    #[serde(deserialize_with = "range::<_, 1, 31_536_000>")]
    pub session_idle_secs: u64,
    /// Sessions held in memory at most; past it the least recently used leaves (`session_end`,
    /// reason `evicted`) and resumes from its transcript when it speaks again.
    #[serde(deserialize_with = "range::<_, 1, 10_000_000>")]
    pub max_sessions: u64,
    /// Time a connection has to send a request's headers, counted from when it starts
    /// waiting for one (a new connection, or a keep-alive one between requests).
    #[serde(deserialize_with = "range::<_, 1, 3_600_000>")]
    pub header_timeout_ms: u64,
    /// Connections served at once; more get a short `503` (`GET /health` is still answered).
    #[serde(deserialize_with = "range::<_, 1, 1_000_000>")]
    pub max_connections: u64,
    /// Host names requests may be addressed to, beyond the defaults (the loopback names
    /// when bound to loopback; the bound address otherwise).
    pub allowed_hosts: Vec<String>,
    /// Serve beyond loopback without a token. Off: binding a non-loopback address without
    /// `token_env` is refused at start.
    pub allow_public_without_token: bool,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            bind: "127.0.0.1:7878".into(),
            token_env: None,
            max_body_bytes: 1024 * 1024,
            request_timeout_ms: 120_000,
            shutdown_timeout_ms: 5_000,
            session_idle_secs: 1800,
            max_sessions: 1000,
            header_timeout_ms: 10_000,
            max_connections: 512,
            allowed_hosts: Vec::new(),
            allow_public_without_token: false,
        }
    }
}

/// `[memory]`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MemoryConfig {
    /// The SQLite database of transcripts and summaries. Default: `<state_dir>/memory.sqlite3`.
    pub path: Option<PathBuf>,
    /// The transcript writes stop growing the database past this many MiB (unset: no
    /// bound); a chat whose transcript cannot be written answers 503.
    #[serde(default, deserialize_with = "range_opt::<_, 1, 16_777_216>", skip_serializing_if = "Option::is_none")]
    pub max_size_mb: Option<u64>,
}

/// `[hooks]`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HooksConfig {
    /// Master switch for every hook, native and wasm.
    pub enabled: bool,
    /// Timeout of one native handler call, in milliseconds.
    #[serde(deserialize_with = "range::<_, 1, 3_600_000>")]
    pub timeout_ms: u64,
    /// Built-in native hook plugins on or off, by name (`session_memory = true`).
    /// A name not set here uses the plugin's own default.
    pub builtin: BTreeMap<String, Spanned<bool>>,
}

impl Default for HooksConfig {
    fn default() -> Self {
        HooksConfig { enabled: true, timeout_ms: 2000, builtin: BTreeMap::new() }
    }
}

/// `[plugins]`: the wasm plugin runtime.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PluginsConfig {
    /// Load wasm plugins at all. Off by default: the host then behaves exactly as the
    /// native-only build.
    pub enabled: bool,
    /// Directories searched for plugins (each plugin is a subdirectory with `plugin.toml`).
    pub dirs: Vec<PathBuf>,
    /// Watch `dirs` (and the config file) and reload changed plugins.
    pub hot_reload: bool,
    /// How long files must be quiet before the watcher reloads.
    #[serde(deserialize_with = "range::<_, 1, 600_000>")]
    pub reload_debounce_ms: u64,
    /// Where compiled components are cached. Default: `<state_dir>/cache`.
    pub cache_dir: Option<PathBuf>,
    /// Largest component file loaded, in MiB (1 to 4096). A bigger one is refused before it
    /// is read.
    #[serde(deserialize_with = "range::<_, 1, 4096>")]
    pub max_component_mb: u64,
    /// Default limits for every plugin call.
    pub limits: Limits,
    /// Global capability bounds.
    pub capabilities: CapabilityPolicy,
    /// What must vouch for a plugin's files before they are compiled.
    pub trust: TrustConfig,
    /// The key that authenticates compile cache entries (created on first use, readable
    /// by its owner only). Default: beside the cache directory, `<cache_dir>.key`
    /// (`<state_dir>/cache.key` when `cache_dir` is not set), so hosts that share a
    /// `cache_dir` share its key; whoever can read the key can forge cache entries.
    pub cache_key_file: Option<PathBuf>,
    /// Per-plugin settings, by plugin id.
    pub entries: BTreeMap<String, PluginEntry>,
}

/// `[plugins.trust]`: signatures and keys (see docs/trusting-plugins.md).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrustConfig {
    /// Refuse every plugin that no key of `keys` signed.
    pub require_signature: bool,
    /// Trusted public keys, `"<key id>" = "<base64 public key>"`, as a `.pub` file of
    /// `plugins keygen` lists them.
    pub keys: TrustedKeys,
    /// The key `plugins build` signs with (a file `plugins keygen` wrote).
    pub signing_key: Option<PathBuf>,
}

impl PluginsConfig {
    /// `max_component_mb` in bytes.
    pub fn max_component_bytes(&self) -> u64 {
        self.max_component_mb * 1024 * 1024
    }
}

impl Default for PluginsConfig {
    fn default() -> Self {
        PluginsConfig {
            enabled: false,
            dirs: vec![PathBuf::from("plugins")],
            hot_reload: false,
            reload_debounce_ms: 500,
            cache_dir: None,
            max_component_mb: 64,
            limits: Limits::default(),
            capabilities: CapabilityPolicy::default(),
            trust: TrustConfig::default(),
            cache_key_file: None,
            entries: BTreeMap::new(),
        }
    }
}

/// `[plugins.capabilities]`: bounds that apply to every plugin.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CapabilityPolicy {
    /// When not empty, entries may only grant capabilities on this list.
    pub allow: Vec<Capability>,
    /// Never granted, whatever an entry says. Deny wins over everything.
    pub deny: Vec<Capability>,
}

/// What a failing handler turns into.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnError {
    /// Skip the handler and keep the previous value.
    #[default]
    FailOpen,
    /// Turn the failure into a cancel of the hook.
    FailClosed,
}

/// How a plugin's calls get a wasm instance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstancePolicy {
    /// A fresh instance per call: no state leaks between calls.
    #[default]
    Fresh,
    /// Reuse up to `limits.warm_instances` idle instances: faster, state persists between calls.
    Warm,
}

/// `[plugins.entries.<id>]`: one plugin's operator settings.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PluginEntry {
    /// Load this plugin.
    pub enabled: bool,
    /// Capabilities granted (the plugin must also request them in its manifest).
    pub grant: Vec<Capability>,
    /// Hosts `http:outbound` may reach (`api.example.com`, `*.example.com`).
    pub http_allow: Vec<String>,
    /// Directories `fs:read` opens, read-only.
    pub fs_read: Vec<PathBuf>,
    /// Directories `fs:write` opens, read-write.
    pub fs_write: Vec<PathBuf>,
    /// Environment variables `env` exposes.
    pub env: Vec<String>,
    /// Tool names `tools:invoke` lets the plugin call.
    pub invoke_allow: Vec<String>,
    /// Secrets the host adds to the plugin's outbound HTTP requests, by name; the plugin
    /// never sees their values.
    pub secrets: BTreeMap<String, SecretBinding>,
    /// Limits overriding `[plugins.limits]` for this plugin.
    pub limits: LimitsOverride,
    /// What a failing handler of this plugin turns into.
    pub on_error: OnError,
    /// Let this plugin's tools replace native tools of the same name (the native tool is
    /// then the fallback when the plugin fails).
    pub override_native: bool,
    /// Priority for all of this plugin's hook subscriptions, overriding the manifest.
    pub priority: Option<i32>,
    /// Fresh instance per call, or warm instances.
    pub instances: InstancePolicy,
    /// The plugin's own config, checked against the schema in its manifest.
    pub config: toml::Table,
    /// Operator settings per tool of this plugin, by tool name.
    pub tools: BTreeMap<String, PluginToolSettings>,
    /// The sha256 its component must have (the operator's pin, checked at every load,
    /// before compiling); `sha256sum` or `plugins verify` prints it.
    pub sha256: Option<Sha256Digest>,
}

/// `[plugins.entries.<id>.secrets.<name>]`: where a secret's value comes from and where
/// the host injects it. The value is read when the plugin loads and never enters the
/// plugin's memory, its logs or `plugins inspect`.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecretBinding {
    /// The environment variable holding the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// The file holding the value (one line; surrounding whitespace is trimmed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// Hosts whose requests carry it (`host` or `host:port`, each also in `http_allow`).
    pub hosts: Vec<String>,
    /// The request header the host sets.
    pub header: String,
    /// The header's value, with `{}` where the secret goes.
    pub format: String,
}

impl SecretBinding {
    /// The header a binding sets when the config does not say.
    pub const DEFAULT_HEADER: &str = "Authorization";
    /// The value format when the config does not say.
    pub const DEFAULT_FORMAT: &str = "Bearer {}";
}

impl Default for SecretBinding {
    fn default() -> Self {
        SecretBinding {
            env: None,
            file: None,
            hosts: Vec::new(),
            header: Self::DEFAULT_HEADER.to_string(),
            format: Self::DEFAULT_FORMAT.to_string(),
        }
    }
}

// Never prints where a value is kept beyond its source's name: the value itself is not here.
impl std::fmt::Debug for SecretBinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretBinding")
            .field("env", &self.env)
            .field("file", &self.file)
            .field("hosts", &self.hosts)
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

/// `[plugins.entries.<id>.tools.<name>]`: what the operator says about one plugin tool.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PluginToolSettings {
    /// The effect the security policy judges the tool by, confirmed by the operator. Without
    /// it a tool that says `read` is judged `act` when its plugin holds `http:outbound`,
    /// `fs:write` or `env`. A tool that overrides a native one is never judged weaker than it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<ToolEffect>,
}

impl Default for PluginEntry {
    fn default() -> Self {
        PluginEntry {
            enabled: true,
            grant: Vec::new(),
            http_allow: Vec::new(),
            fs_read: Vec::new(),
            fs_write: Vec::new(),
            env: Vec::new(),
            invoke_allow: Vec::new(),
            secrets: BTreeMap::new(),
            limits: LimitsOverride::default(),
            on_error: OnError::FailOpen,
            override_native: false,
            priority: None,
            instances: InstancePolicy::Fresh,
            config: toml::Table::new(),
            tools: BTreeMap::new(),
            sha256: None,
        }
    }
}

/// Declares [`Limits`] and [`LimitsOverride`] from one list, so the two cannot drift.
macro_rules! limits {
    ($( $(#[doc = $doc:literal])* $field:ident : $ty:ty = $default:expr, $check:literal, $override:literal; )*) => {
        /// `[plugins.limits]`: per-call limits of every plugin.
        #[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct Limits {
            $( $(#[doc = $doc])* #[serde(deserialize_with = $check)] pub $field: $ty, )*
        }

        impl Default for Limits {
            fn default() -> Self {
                Limits { $( $field: $default, )* }
            }
        }

        /// `[plugins.entries.<id>.limits]`: any subset of [`Limits`] for one plugin.
        #[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct LimitsOverride {
            $( $(#[doc = $doc])* #[serde(deserialize_with = $override, default)]
               #[serde(skip_serializing_if = "Option::is_none")] pub $field: Option<$ty>, )*
        }

        impl Limits {
            /// These limits with `over`'s values where it sets them.
            pub fn merged(&self, over: &LimitsOverride) -> Limits {
                Limits { $( $field: over.$field.clone().unwrap_or_else(|| self.$field.clone()), )* }
            }
        }
    };
}

limits! {
    /// Wall-clock timeout of one call, in milliseconds.
    timeout_ms: u64 = 2000, "range::<_, 1, 3_600_000>", "range_override::<_, 1, 3_600_000>";
    /// Linear memory cap of one instance, in MiB.
    memory_mb: u64 = 64, "range::<_, 1, 4096>", "range_override::<_, 1, 4096>";
    /// Calls of one plugin running at once; more wait up to their timeout.
    max_concurrency: u64 = 8, "range::<_, 1, 4096>", "range_override::<_, 1, 4096>";
    /// Fuel per call (instructions, roughly); unset means no fuel metering.
    fuel: Option<u64> = None, "positive_opt", "fuel_override";
    /// Largest payload sent into one call, in bytes.
    max_payload_bytes: u64 = 4 * 1024 * 1024, "range::<_, 1, 1_073_741_824>", "range_override::<_, 1, 1_073_741_824>";
    /// Largest result one call may return, in bytes.
    max_output_bytes: u64 = 4 * 1024 * 1024, "range::<_, 1, 1_073_741_824>", "range_override::<_, 1, 1_073_741_824>";
    /// Host calls (log, kv, config) one call may make.
    max_host_calls: u64 = 10_000, "range::<_, 1, 100_000_000>", "range_override::<_, 1, 100_000_000>";
    /// Log lines one call may write; the rest are dropped and counted.
    max_log_lines: u64 = 100, "range::<_, 1, 1_000_000>", "range_override::<_, 1, 1_000_000>";
    /// Wasm stack size, in KiB.
    max_stack_kb: u64 = 512, "range::<_, 16, 16_384>", "engine_wide";
    /// Keys in the plugin's `kv` store.
    kv_max_keys: u64 = 1000, "range::<_, 1, 10_000_000>", "range_override::<_, 1, 10_000_000>";
    /// Bytes (keys plus values) in the plugin's `kv` store.
    kv_max_bytes: u64 = 1024 * 1024, "range::<_, 1, 1_073_741_824>", "range_override::<_, 1, 1_073_741_824>";
    /// Idle instances kept per plugin with `instances = "warm"`.
    warm_instances: u64 = 2, "range::<_, 1, 1024>", "range_override::<_, 1, 1024>";
    /// Consecutive failures that quarantine a plugin.
    failure_threshold: u64 = 5, "range::<_, 1, 1_000_000>", "range_override::<_, 1, 1_000_000>";
    /// How long a quarantine lasts, in milliseconds.
    quarantine_ms: u64 = 30_000, "range::<_, 1, 86_400_000>", "range_override::<_, 1, 86_400_000>";
    /// How deep tool calls made by plugins (`tools:invoke`) may nest: a plugin's call is
    /// depth 1, a call made by the tool it called depth 2, and so on.
    invoke_max_depth: u64 = 4, "range::<_, 1, 64>", "range_override::<_, 1, 64>";
}

/// Deserialises a number that must be at least 1.
fn positive<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let value = u64::deserialize(d)?;
    if value == 0 {
        return Err(serde::de::Error::custom("must be at least 1"));
    }
    Ok(value)
}

/// A number in `MIN..=MAX` (every numeric key has a range: no value can overflow what is
/// computed from it). The error states the range; the loader adds file:line:col and key.
fn range<'de, D: Deserializer<'de>, const MIN: u64, const MAX: u64>(d: D) -> Result<u64, D::Error> {
    let value = u64::deserialize(d)?;
    if !(MIN..=MAX).contains(&value) {
        return Err(serde::de::Error::custom(format!("{value} is out of range: {MIN} to {MAX}")));
    }
    Ok(value)
}

/// `gateway.bind`: a listen address that parses (`999.1.1.1:99999` does not).
fn listen_address<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    check_listen_address(&text).map_err(serde::de::Error::custom)?;
    Ok(text)
}

/// Whether `text` is `ip:port`, `[ipv6]:port` or `host:port`; the error says what is wrong.
pub fn check_listen_address(text: &str) -> Result<(), String> {
    if text.parse::<std::net::SocketAddr>().is_ok() {
        return Ok(());
    }
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(format!("`{text}` is not host:port (e.g. 127.0.0.1:7878)"));
    };
    if port.parse::<u16>().is_err() {
        return Err(format!("`{text}`: the port `{port}` is not a number from 0 to 65535"));
    }
    if host.starts_with('[') || host.contains(':') {
        return Err(format!("`{text}`: `{host}` is not an IPv6 address in brackets (e.g. [::1]:7878)"));
    }
    if host.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(format!("`{text}`: `{host}` is not an IPv4 address"));
    }
    let valid = |label: &str| {
        !label.is_empty() && label.len() <= 63 && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if host.len() > 253 || !host.split('.').all(valid) {
        return Err(format!("`{text}`: `{host}` is not a host name"));
    }
    Ok(())
}

/// [`range`] for an optional key.
fn range_opt<'de, D: Deserializer<'de>, const MIN: u64, const MAX: u64>(d: D) -> Result<Option<u64>, D::Error> {
    range::<D, MIN, MAX>(d).map(Some)
}

/// [`range`] for a per-plugin override of a limit.
fn range_override<'de, D: Deserializer<'de>, const MIN: u64, const MAX: u64>(d: D) -> Result<Option<u64>, D::Error> {
    range::<D, MIN, MAX>(d).map(Some)
}

/// Like [`positive`], for optional settings.
fn positive_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    positive(d).map(Some)
}

/// A per-plugin `fuel`: present only when written, positive like the default.
fn fuel_override<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u64>>, D::Error> {
    positive_opt(d).map(Some)
}

/// Refuses a per-plugin override of a limit that is fixed for the whole engine.
fn engine_wide<'de, D: Deserializer<'de>, T>(_d: D) -> Result<Option<T>, D::Error> {
    Err(serde::de::Error::custom(
        "is engine-wide (it is compiled into every plugin's code): set it in [plugins.limits], not per plugin",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugins_config_defaults_safe() {
        let config = Config::default();
        let plugins = &config.plugins;
        assert!(!plugins.enabled, "runtime plugin loading must be off by default");
        assert!(!plugins.hot_reload, "hot reload must be off by default");
        assert!(plugins.entries.is_empty(), "no plugin is configured by default");
        assert!(plugins.capabilities.allow.is_empty() && plugins.capabilities.deny.is_empty());
        let entry = PluginEntry::default();
        assert!(entry.grant.is_empty(), "a new entry grants nothing");
        assert!(entry.http_allow.is_empty() && entry.fs_read.is_empty());
        assert!(entry.fs_write.is_empty() && entry.env.is_empty());
        assert!(!entry.override_native, "plugins never replace native tools by default");
        assert_eq!(entry.on_error, OnError::FailOpen);
        assert_eq!(entry.instances, InstancePolicy::Fresh);
        let limits = &plugins.limits;
        assert_eq!(limits.timeout_ms, 2000);
        assert_eq!(limits.memory_mb, 64);
        assert_eq!(limits.max_concurrency, 8);
        assert_eq!(limits.fuel, None);
        assert_eq!(limits.max_payload_bytes, 4 * 1024 * 1024);
        assert!(config.hooks.enabled);
        // An empty file means the same as no file.
        assert_eq!(toml::from_str::<Config>("").unwrap(), config);
    }

    #[test]
    fn entry_limits_override_only_what_they_set() {
        let over = LimitsOverride { timeout_ms: Some(50), fuel: Some(Some(1000)), ..Default::default() };
        let merged = Limits::default().merged(&over);
        assert_eq!(merged.timeout_ms, 50);
        assert_eq!(merged.fuel, Some(1000));
        assert_eq!(merged.memory_mb, 64);
    }

    #[test]
    fn the_engine_wide_stack_size_cannot_be_overridden_per_plugin() {
        let err = toml::from_str::<Config>("[plugins.entries.a.limits]\nmax_stack_kb = 64\n").unwrap_err();
        assert!(err.message().contains("engine-wide"), "{err}");
        assert!(toml::from_str::<Config>("[plugins.limits]\nmax_stack_kb = 64\n").is_ok());
    }

    #[test]
    fn the_listen_address_must_parse() {
        for ok in ["127.0.0.1:7878", "[::1]:80", "localhost:7878", "gw.example.com:0"] {
            assert!(check_listen_address(ok).is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("999.1.1.1:99999", "not a number from 0 to 65535"),
            ("999.1.1.1:80", "not an IPv4 address"),
            ("localhost", "not host:port"),
            ("::1:80", "IPv6 address in brackets"),
            ("bad_host!:80", "not a host name"),
        ] {
            let e = check_listen_address(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
        let err = toml::from_str::<Config>("[gateway]\nbind = \"999.1.1.1:99999\"\n").unwrap_err();
        assert!(err.message().contains("99999"), "{err}");
    }

    #[test]
    fn every_number_is_checked_against_its_range() {
        let err = toml::from_str::<Config>("[plugins.limits]\ntimeout_ms = 0\n").unwrap_err();
        assert!(err.message().contains("0 is out of range: 1 to 3600000"), "{err}");
        let err = toml::from_str::<Config>("[plugins.entries.a.limits]\nmemory_mb = 0\n").unwrap_err();
        assert!(err.message().contains("out of range: 1 to 4096"), "{err}");
        // The values that used to wrap: 2^44 MiB of memory, 2^54 KiB of stack.
        let err = toml::from_str::<Config>("[plugins.limits]\nmemory_mb = 17592186044416\n").unwrap_err();
        assert!(err.message().contains("17592186044416 is out of range: 1 to 4096"), "{err}");
        let err = toml::from_str::<Config>("[plugins.limits]\nmax_stack_kb = 18014398509481984\n").unwrap_err();
        assert!(err.message().contains("out of range: 16 to 16384"), "{err}");
        for (table, key) in [
            ("gateway", "max_connections"),
            ("gateway", "session_idle_secs"),
            ("agent", "max_iterations"),
            ("security", "max_actions_per_hour"),
            ("providers", "retries"),
            ("memory", "max_size_mb"),
        ] {
            let text = format!("[{table}]\n{key} = 18446744073709551615\n");
            let err = toml::from_str::<Config>(&text).unwrap_err();
            assert!(err.message().contains("is out of range"), "{table}.{key}: {err}");
        }
        assert!(toml::from_str::<Config>("[plugins.limits]\nmax_stack_kb = 64\n").is_ok());
    }
}
