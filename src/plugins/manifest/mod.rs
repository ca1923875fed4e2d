//! `plugin.toml`: what a wasm plugin declares, checked before any of its code is compiled.
//!
//! Validation order: TOML shape (unknown keys, types), then each field (id, version,
//! component path, WIT packages and the version policy, declared hooks, tools and
//! providers, the config schema). Every error names the file, the line and the field.
//! The component file itself is checked later: its sha256 against the manifest, then its
//! exports and WIT versions against what the manifest promises (in the wasm backend).
//!
//! `parse` reads and checks the file; `version` is the WIT package version policy;
//! `component` reads the component file beneath the plugin directory; `settings` checks
//! the operator's config section against the manifest's schema.

mod component;
mod parse;
pub(crate) use parse::valid_id;
mod settings;
#[cfg(test)]
mod tests;
mod version;

use std::path::{Path, PathBuf};

use semver::Version;
use thiserror::Error;
use zeroclaw_plugin_api::{HookPoint, ToolEffect};

use crate::config::location::locate;
use crate::config::one_line;
use crate::plugins::capability::Capability;
use crate::trust::Sha256Digest;

pub use version::{
    CONTRACT, HOST_PACKAGES, PUBLISHED, PackageRef, PluginKind, VersionError, check_package, check_package_against,
    has_hook_point, hook_point_since,
};

/// The manifest file name inside a plugin directory.
pub const MANIFEST_FILE: &str = "plugin.toml";

/// The config key that caps a component's size.
pub const MAX_COMPONENT_KEY: &str = "plugins.max_component_mb";

/// A hook subscription declared in `[[hooks]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HookDecl {
    /// The hook point.
    pub point: HookPoint,
    /// Higher runs first (the operator's `priority` overrides it).
    pub priority: i32,
    /// The handler name (the last ordering tie-breaker); defaults to the point's name.
    pub name: String,
}

/// A tool declared in `[[tools]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolDecl {
    /// The tool name; the component's `list-specs` must include it.
    pub name: String,
    /// Read or act: what the security policy decides on.
    pub effect: ToolEffect,
}

/// A provider declared in `[[providers]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderDecl {
    /// The provider name.
    pub name: String,
}

/// A validated manifest.
#[derive(Clone, Debug)]
pub struct Manifest {
    /// The plugin id: the owner, the config entry key.
    pub id: String,
    /// The plugin version.
    pub version: Version,
    /// One line for listings.
    pub description: String,
    /// The component file, resolved inside the plugin directory.
    pub component: PathBuf,
    /// The expected sha256 of the component file, lowercase hex.
    pub sha256: Option<String>,
    /// The WIT packages it was built against.
    pub packages: Vec<PackageRef>,
    /// Capabilities it requests.
    pub capabilities: Vec<Capability>,
    /// Hook subscriptions.
    pub hooks: Vec<HookDecl>,
    /// Tools it serves.
    pub tools: Vec<ToolDecl>,
    /// Providers it serves.
    pub providers: Vec<ProviderDecl>,
    /// JSON Schema for its config, when it takes config.
    pub config_schema: Option<serde_json::Value>,
    /// The linear memory its runtime needs, in MiB (`memory_mb`): a plugin whose memory
    /// limit is lower is refused before it is compiled, naming the key to raise. It never
    /// raises a limit by itself.
    pub memory_mb: Option<u64>,
    /// The manifest file.
    pub path: PathBuf,
    /// The sha256 of the bytes it was parsed from: what a signature of it covers.
    pub digest: Sha256Digest,
}

/// A manifest (or its component file) that cannot be used.
#[derive(Debug, Error)]
#[error("{location}: {message}")]
pub struct ManifestError {
    /// `file:line:column in [table]`, or just the file.
    pub location: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl ManifestError {
    pub(super) fn at(path: &Path, text: &str, span: std::ops::Range<usize>, message: impl Into<String>) -> Self {
        ManifestError { location: locate(path, text, span), message: one_line(&message.into()) }
    }

    pub(super) fn file(path: &Path, message: impl Into<String>) -> Self {
        ManifestError { location: path.display().to_string(), message: message.into() }
    }
}

impl Manifest {
    /// The kinds this plugin serves.
    pub fn kinds(&self) -> Vec<PluginKind> {
        let mut kinds = Vec::new();
        if !self.hooks.is_empty() {
            kinds.push(PluginKind::Hooks);
        }
        if !self.tools.is_empty() {
            kinds.push(PluginKind::Tools);
        }
        if !self.providers.is_empty() {
            kinds.push(PluginKind::Providers);
        }
        kinds
    }

    /// The plugin directory.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// The component file's path inside the plugin directory, as messages and packages
    /// name it.
    pub fn component_in_dir(&self) -> &Path {
        self.component.strip_prefix(self.dir()).unwrap_or(&self.component)
    }
}

/// Finds plugin directories: every subdirectory of each `dir` that holds a `plugin.toml`
/// and whose name does not start with `.` (one being installed or removed),
/// sorted by path. A missing `dir` is skipped.
pub fn discover(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        for entry in entries.flatten() {
            // `.zeroclaw-install-…` and the like: a plugin being installed or removed.
            if entry.file_name().as_encoded_bytes().starts_with(b".") {
                continue;
            }
            let manifest = entry.path().join(MANIFEST_FILE);
            if manifest.is_file() {
                found.push(manifest);
            }
        }
    }
    found.sort();
    found
}
