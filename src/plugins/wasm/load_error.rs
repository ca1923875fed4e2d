//! Why a plugin cannot be loaded: one variant per stage of [`super::load`], each message
//! saying what is wrong and what to do, with the underlying error as its source.

use std::path::PathBuf;

use thiserror::Error;
use zeroclaw_plugin_api::{FailureKind, RuntimeFailure};

use super::probe::first_line;
use crate::plugins::capability::Capability;
use crate::plugins::kv::KvError;
use crate::plugins::manifest::{Manifest, ManifestError, PluginKind, VersionError};

/// A plugin that cannot be loaded, and why.
#[derive(Debug, Error)]
#[error("{location}: {cause}")]
pub struct LoadError {
    /// The manifest file (with line when known).
    pub location: String,
    /// The stage that refused it.
    pub cause: LoadCause,
}

impl LoadError {
    pub(super) fn new(manifest: &Manifest, cause: impl Into<LoadCause>) -> Self {
        LoadError { location: manifest.path.display().to_string(), cause: cause.into() }
    }
}

impl From<ManifestError> for LoadError {
    fn from(e: ManifestError) -> Self {
        LoadError { location: e.location, cause: LoadCause::File(e.message) }
    }
}

/// The stage of loading that refused a plugin.
#[derive(Debug, Error)]
pub enum LoadCause {
    /// The manifest or the component file cannot be read.
    #[error("{0}")]
    File(String),
    /// The operator's `[plugins.entries.<id>.config]` cannot be encoded as JSON.
    #[error("its config section cannot be encoded as JSON: {0}")]
    ConfigEncoding(#[source] serde_json::Error),
    /// The operator's config section does not fit the plugin's config schema.
    #[error("{0}")]
    Config(String),
    /// Capabilities the manifest requests that the operator does not grant (each entry
    /// names the fix).
    #[error("{}", .0.join("; "))]
    Refused(Vec<String>),
    /// The manifest says its runtime needs more memory than the plugin's limit allows.
    #[error(
        "needs {needs} MiB of memory (memory_mb in its plugin.toml) but its limit is {limit} MiB; raise plugins.entries.{id}.limits.memory_mb to at least {needs}, if you trust it"
    )]
    MemoryNeeded {
        /// The plugin.
        id: String,
        /// What the manifest asks for.
        needs: u64,
        /// The limit in force.
        limit: u64,
    },
    /// The operator's trust policy refuses its files (pin, signature, key).
    #[error(transparent)]
    Trust(Box<crate::trust::TrustError>),
    /// The blocking compile task did not finish.
    #[error("compile task failed: {0}")]
    Task(#[source] tokio::task::JoinError),
    /// Not a component this engine can compile.
    #[error("not a valid component: {}", first_line(.0))]
    Compile(#[source] wasmtime::Error),
    /// The compile cache failed (`plugins inspect`).
    #[error("cache: {0}")]
    Cache(#[source] wasmtime::Error),
    /// The component's imports and exports against the manifest and the version policy.
    #[error(transparent)]
    Contract(#[from] ContractMismatch),
    /// The component imports something the host does not provide.
    #[error("cannot link: {}; the host provides WASI 0.2 and zeroclaw:host@1.x only", first_line(.0))]
    Link(#[source] wasmtime::Error),
    /// The operator's lists for what a grant opens are incomplete.
    #[error(transparent)]
    Sandbox(#[from] GrantError),
    /// The component did not come up under its limits, or failed to list its tools.
    #[error("{}", self_check(.0))]
    SelfCheck(#[source] RuntimeFailure),
}

/// A component that does not keep the contract its manifest declares.
#[derive(Debug, Error)]
pub enum ContractMismatch {
    /// A `zeroclaw:` interface without a version.
    #[error("the component {direction} `{name}` without a version; rebuild it against zeroclaw's WIT")]
    Unversioned {
        /// `imports` or `exports`.
        direction: &'static str,
        /// The interface name.
        name: String,
    },
    /// A `zeroclaw:` interface at a version this host refuses.
    #[error("the component {direction} `{name}`: {source}")]
    Version {
        /// `imports` or `exports`.
        direction: &'static str,
        /// The interface name.
        name: String,
        /// Why the version is refused.
        source: VersionError,
    },
    /// The manifest declares a kind the component does not export.
    #[error(
        "the manifest declares [[{}]] but the component does not export `{}@1.x`; build it for the `{}` world (the Rust PDK exports every kind)",
        .0.table(), .0.interface(), .0.package()
    )]
    MissingWorld(PluginKind),
    /// A hook subscription to a point the component's contract version does not have.
    #[error(
        "subscribes to `{}`, added in zeroclaw:hooks@{}, but the component exports zeroclaw:hooks/handler@{}; rebuild it against {} or later",
        .0.point, .0.since, .0.speaks, .0.since
    )]
    HookPointNewer(Box<NewerPoint>),
    /// An exported interface lacks a function.
    #[error("the component does not export `{interface}` function `{function}`")]
    MissingFunction {
        /// `zeroclaw:tools/tool@1.0.0`, ….
        interface: String,
        /// `invoke`, ….
        function: &'static str,
    },
    /// `list-specs` names a tool twice.
    #[error("list-specs returns tool `{name}` twice (specs {first} and {second}); each tool name must be listed once")]
    DuplicateTool {
        /// The tool.
        name: String,
        /// Its first position, from 1.
        first: usize,
        /// Its second position, from 1.
        second: usize,
    },
    /// The manifest declares a tool the component does not list.
    #[error(
        "the manifest declares tool `{name}` but the component's list-specs does not include it (it offers: {offered})"
    )]
    UnlistedTool {
        /// The tool.
        name: String,
        /// What the component lists, or `none`.
        offered: String,
    },
    /// Manifest and component disagree on a tool's effect.
    #[error(
        "tool `{name}`: the manifest says effect = {declared:?} but the component says {listed:?}; they must agree"
    )]
    EffectMismatch {
        /// The tool.
        name: String,
        /// The manifest's effect.
        declared: zeroclaw_plugin_api::ToolEffect,
        /// The component's.
        listed: zeroclaw_plugin_api::ToolEffect,
    },
    /// A tool's parameters are not a schema for an object.
    #[error(
        "tool `{name}`: its parameters must be a JSON Schema for an object (`{{\"type\": \"object\", …}}`), not {preview}"
    )]
    ParametersNotObject {
        /// The tool.
        name: String,
        /// The parameters, shortened.
        preview: String,
    },
    /// A tool's parameters are not a valid JSON Schema.
    #[error("tool `{name}`: its parameters are not a valid JSON Schema: {reason}")]
    InvalidSchema {
        /// The tool.
        name: String,
        /// What the schema compiler said.
        reason: String,
    },
}

/// A subscription to a hook point newer than the component's contract.
#[derive(Debug)]
pub struct NewerPoint {
    /// The point.
    pub point: &'static str,
    /// The version that added it.
    pub since: semver::Version,
    /// The version the component speaks.
    pub speaks: semver::Version,
}

/// What a plugin's grants open, refused because the operator's lists are incomplete.
#[derive(Clone, Debug, Error)]
pub enum GrantError {
    /// A filesystem capability is granted but its list is empty.
    #[error("`{cap}` is granted but plugins.entries.{id}.{key} lists no directory")]
    NoDirectory {
        /// The plugin.
        id: String,
        /// `fs_read` or `fs_write`.
        key: &'static str,
        /// The capability.
        cap: Capability,
    },
    /// A listed directory does not exist.
    #[error("plugins.entries.{id}.{key}: {} is not an existing directory", path.display())]
    NotADirectory {
        /// The plugin.
        id: String,
        /// `fs_read` or `fs_write`.
        key: &'static str,
        /// The path as resolved against the config's directory.
        path: PathBuf,
    },
    /// `http:outbound` is granted but no host is listed.
    #[error("`http:outbound` is granted but plugins.entries.{id}.http_allow lists no host")]
    NoHosts {
        /// The plugin.
        id: String,
    },
    /// A secret binding that cannot work as written.
    #[error("plugins.entries.{id}.secrets.{name}: {problem}")]
    Secret {
        /// The plugin.
        id: String,
        /// The secret's name.
        name: String,
        /// What is wrong and how to fix it (never the value).
        problem: String,
    },
    /// A grant would let the guest read where a secret is kept.
    #[error("plugins.entries.{id}.{key}: {detail}")]
    SecretReachable {
        /// The plugin.
        id: String,
        /// `env`, `fs_read` or `fs_write`.
        key: &'static str,
        /// What exposes which secret, and the fix.
        detail: String,
    },
    /// `tools:invoke` is granted but no tool is listed.
    #[error("`tools:invoke` is granted but plugins.entries.{id}.invoke_allow lists no tool")]
    NoTools {
        /// The plugin.
        id: String,
    },
    /// The kv store behind `kv` cannot be opened.
    #[error("cannot open the kv store {}: {source}", path.display())]
    Kv {
        /// The store's file.
        path: PathBuf,
        /// Why.
        source: KvError,
    },
}

/// A failed self-check: running out of memory coming up says which limits are in play.
fn self_check(failure: &RuntimeFailure) -> String {
    match failure.kind {
        FailureKind::MemoryLimit => format!(
            "self-check ran out of memory: {failure}; raise that limit (an embedded Python or JavaScript runtime needs more to start than a Rust guest), and declare what the plugin needs as memory_mb in its plugin.toml so that a lower limit is refused before compiling"
        ),
        _ => format!("self-check failed: {failure}"),
    }
}
