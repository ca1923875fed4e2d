//! `plugin.toml`: what a wasm plugin declares, checked before any of its code is compiled.
//!
//! Validation order: TOML shape (unknown keys, types), then each field (id, version,
//! component path, WIT packages and the version policy, declared hooks, tools and
//! providers, the config schema). Every error names the file, the line and the field.
//! The component file itself is checked later: its sha256 against the manifest, then its
//! exports and WIT versions against what the manifest promises (in the wasm backend).

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Component as PathComponent, Path, PathBuf};

use semver::Version;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use thiserror::Error;
use toml::Spanned;
use zeroclaw_plugin_api::{HookPoint, ToolEffect};

use crate::config::location::locate;
use crate::config::one_line;
use crate::plugins::capability::Capability;
use crate::plugins::plugin_file;

/// The manifest file name inside a plugin directory.
pub const MANIFEST_FILE: &str = "plugin.toml";

/// The config key that caps a component's size.
pub const MAX_COMPONENT_KEY: &str = "plugins.max_component_mb";

/// The WIT packages this host implements, at the newest 1.x it supports. A plugin built
/// against any 1.x up to these loads; a newer minor or another major is refused.
pub static HOST_PACKAGES: [(&str, Version); 4] = [
    ("zeroclaw:host", Version::new(1, 0, 0)),
    ("zeroclaw:hooks", Version::new(1, 0, 0)),
    ("zeroclaw:tools", Version::new(1, 0, 0)),
    ("zeroclaw:providers", Version::new(1, 0, 0)),
];

/// The kinds of plugin, each tied to one WIT package.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PluginKind {
    /// `zeroclaw:hooks`, interface `handler`.
    Hooks,
    /// `zeroclaw:tools`, interface `tool`.
    Tools,
    /// `zeroclaw:providers`, interface `provider`.
    Providers,
}

impl PluginKind {
    /// Every kind.
    pub const ALL: [PluginKind; 3] = [PluginKind::Hooks, PluginKind::Tools, PluginKind::Providers];

    /// The WIT package, e.g. `zeroclaw:hooks`.
    pub fn package(self) -> &'static str {
        match self {
            PluginKind::Hooks => "zeroclaw:hooks",
            PluginKind::Tools => "zeroclaw:tools",
            PluginKind::Providers => "zeroclaw:providers",
        }
    }

    /// The exported interface, e.g. `zeroclaw:hooks/handler`.
    pub fn interface(self) -> &'static str {
        match self {
            PluginKind::Hooks => "zeroclaw:hooks/handler",
            PluginKind::Tools => "zeroclaw:tools/tool",
            PluginKind::Providers => "zeroclaw:providers/provider",
        }
    }

    /// The manifest table that declares this kind: `[[hooks]]`, `[[tools]]`, `[[providers]]`.
    pub fn table(self) -> &'static str {
        match self {
            PluginKind::Hooks => "hooks",
            PluginKind::Tools => "tools",
            PluginKind::Providers => "providers",
        }
    }
}

/// A versioned WIT package reference, `zeroclaw:hooks@1.0.0`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageRef {
    /// `namespace:name`.
    pub name: String,
    /// Its version.
    pub version: Version,
}

impl fmt::Display for PackageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.version)
    }
}

impl PackageRef {
    /// Parses `namespace:name@x.y.z`.
    pub fn parse(text: &str) -> Result<PackageRef, String> {
        let (name, version) = text
            .split_once('@')
            .ok_or_else(|| format!("`{text}` has no version; write it as `zeroclaw:hooks@1.0.0`"))?;
        let version = Version::parse(version).map_err(|e| format!("`{text}`: bad version: {e}"))?;
        if !name.contains(':') {
            return Err(format!("`{text}`: a package is `namespace:name@version`, e.g. `zeroclaw:hooks@1.0.0`"));
        }
        Ok(PackageRef { name: name.to_string(), version })
    }
}

/// Why a WIT package version is not accepted.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum VersionError {
    /// The package is not one this host implements.
    #[error("unknown WIT package `{0}`; this host implements {known}", known = known_packages())]
    Unknown(String),
    /// Another major version: the contract changed incompatibly.
    #[error(
        "built against {requested}, but this host implements {host} (major {major}); rebuild the plugin against {name}@{major}.x",
        name = requested.name, major = host.version.major
    )]
    IncompatibleMajor {
        /// What the plugin was built against.
        requested: Box<PackageRef>,
        /// What the host implements.
        host: Box<PackageRef>,
    },
    /// A newer minor than the host knows: the plugin may use what the host lacks.
    #[error(
        "built against {requested}, newer than this host's {host}; upgrade zeroclaw or rebuild the plugin against {host}"
    )]
    NewerMinor {
        /// What the plugin was built against.
        requested: Box<PackageRef>,
        /// What the host implements.
        host: Box<PackageRef>,
    },
}

fn known_packages() -> String {
    HOST_PACKAGES.iter().map(|(n, v)| format!("{n}@{v}")).collect::<Vec<_>>().join(", ")
}

/// The version policy: same major, minor not newer than the host's. A plugin built against
/// any published 1.x keeps loading when the host moves to a later 1.y.
pub fn check_package(requested: &PackageRef) -> Result<(), VersionError> {
    check_package_against(requested, &HOST_PACKAGES)
}

/// [`check_package`] against an explicit host package table (used to test the policy as a
/// future host would apply it).
pub fn check_package_against(requested: &PackageRef, host_packages: &[(&str, Version)]) -> Result<(), VersionError> {
    let Some((name, version)) = host_packages.iter().find(|(n, _)| *n == requested.name) else {
        return Err(VersionError::Unknown(requested.name.clone()));
    };
    let host = Box::new(PackageRef { name: name.to_string(), version: version.clone() });
    if requested.version.major != version.major {
        return Err(VersionError::IncompatibleMajor { requested: Box::new(requested.clone()), host });
    }
    // A newer patch changes no interface; a newer minor may add ones this host lacks.
    if requested.version.minor > version.minor {
        return Err(VersionError::NewerMinor { requested: Box::new(requested.clone()), host });
    }
    Ok(())
}

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
    /// The manifest file.
    pub path: PathBuf,
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
    fn at(path: &Path, text: &str, span: std::ops::Range<usize>, message: impl Into<String>) -> Self {
        ManifestError { location: locate(path, text, span), message: one_line(&message.into()) }
    }

    fn file(path: &Path, message: impl Into<String>) -> Self {
        ManifestError { location: path.display().to_string(), message: message.into() }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    id: Spanned<String>,
    version: Spanned<String>,
    #[serde(default)]
    description: String,
    component: Spanned<String>,
    #[serde(default)]
    sha256: Option<Spanned<String>>,
    wit: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    capabilities: Vec<Capability>,
    #[serde(default)]
    hooks: Vec<RawHook>,
    #[serde(default)]
    tools: Vec<RawTool>,
    #[serde(default)]
    providers: Vec<RawProvider>,
    #[serde(default)]
    config_schema: Option<Spanned<toml::Table>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHook {
    point: Spanned<String>,
    #[serde(default)]
    priority: i32,
    #[serde(default)]
    name: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTool {
    name: Spanned<String>,
    effect: ToolEffect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvider {
    name: Spanned<String>,
}

/// `[a-z][a-z0-9_-]*`, at most 64 characters.
fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    id.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// `[a-z][a-z0-9_]*`, at most 64 characters: names a model can call.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl Manifest {
    /// Reads and validates `path` (a `plugin.toml`).
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let text = Self::read_text(path)?;
        Self::parse(&text, path)
    }

    /// The text of `path` (a `plugin.toml`), read as [`plugin_file::open_beneath`] allows:
    /// a regular file inside its directory, never a FIFO, at most 1 MiB.
    pub fn read_text(path: &Path) -> Result<String, ManifestError> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let bytes = plugin_file::read_beneath(dir, path, plugin_file::MAX_MANIFEST_BYTES, "manifest", "fixed")
            .map_err(|e| ManifestError::file(path, e))?;
        String::from_utf8(bytes).map_err(|_| ManifestError::file(path, "is not UTF-8 text"))
    }

    /// Validates manifest `text` as if read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, ManifestError> {
        let raw: RawManifest =
            toml::from_str(text).map_err(|e| ManifestError::at(path, text, e.span().unwrap_or(0..0), e.message()))?;
        let err = |span: std::ops::Range<usize>, message: String| ManifestError::at(path, text, span, message);

        if !valid_id(raw.id.get_ref()) {
            return Err(err(
                raw.id.span(),
                format!(
                    "id `{}`: must start with a lowercase letter and use only a-z, 0-9, `-` and `_` (at most 64)",
                    raw.id.get_ref()
                ),
            ));
        }
        let version = Version::parse(raw.version.get_ref())
            .map_err(|e| err(raw.version.span(), format!("version `{}`: not semver ({e})", raw.version.get_ref())))?;

        let component_rel = Path::new(raw.component.get_ref());
        if component_rel.is_absolute()
            || component_rel.components().any(|c| !matches!(c, PathComponent::Normal(_) | PathComponent::CurDir))
        {
            return Err(err(
                raw.component.span(),
                format!("component `{}`: must be a relative path inside the plugin directory", component_rel.display()),
            ));
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let component = dir.join(component_rel);

        let sha256 = match raw.sha256 {
            Some(sha) if sha.get_ref().len() != 64 || !sha.get_ref().chars().all(|c| c.is_ascii_hexdigit()) => {
                return Err(err(sha.span(), "sha256: must be 64 hex digits".into()));
            }
            Some(sha) => Some(sha.get_ref().to_ascii_lowercase()),
            None => None,
        };

        let mut packages: Vec<PackageRef> = Vec::new();
        if raw.wit.get_ref().is_empty() {
            return Err(err(
                raw.wit.span(),
                "wit: list the WIT packages the plugin was built against, e.g. [\"zeroclaw:tools@1.0.0\"]".into(),
            ));
        }
        for entry in raw.wit.get_ref() {
            let package = PackageRef::parse(entry.get_ref()).map_err(|m| err(entry.span(), format!("wit: {m}")))?;
            check_package(&package).map_err(|e| err(entry.span(), format!("wit: {e}")))?;
            if packages.iter().any(|p| p.name == package.name) {
                return Err(err(entry.span(), format!("wit: `{}` is listed twice", package.name)));
            }
            packages.push(package);
        }

        let mut hooks = Vec::new();
        for hook in &raw.hooks {
            let point = HookPoint::from_name(hook.point.get_ref()).ok_or_else(|| {
                let known: Vec<&str> = HookPoint::ALL.iter().map(|p| p.name()).collect();
                err(
                    hook.point.span(),
                    format!("hooks.point `{}`: no such hook; known: {}", hook.point.get_ref(), known.join(", ")),
                )
            })?;
            let name = match &hook.name {
                Some(name) if !valid_name(name.get_ref()) => {
                    return Err(err(
                        name.span(),
                        format!("hooks.name `{}`: use a-z, 0-9 and `_`, starting with a letter", name.get_ref()),
                    ));
                }
                Some(name) => name.get_ref().clone(),
                None => point.name().to_string(),
            };
            if hooks.iter().any(|h: &HookDecl| h.point == point && h.name == name) {
                return Err(err(
                    hook.point.span(),
                    format!("hooks: `{}` handler `{name}` is declared twice", point.name()),
                ));
            }
            hooks.push(HookDecl { point, priority: hook.priority, name });
        }

        let mut seen = BTreeSet::new();
        let mut tools = Vec::new();
        for tool in &raw.tools {
            let name = tool.name.get_ref();
            if !valid_name(name) {
                return Err(err(
                    tool.name.span(),
                    format!("tools.name `{name}`: use a-z, 0-9 and `_`, starting with a letter (at most 64)"),
                ));
            }
            if !seen.insert(name.clone()) {
                return Err(err(tool.name.span(), format!("tools: `{name}` is declared twice")));
            }
            tools.push(ToolDecl { name: name.clone(), effect: tool.effect });
        }
        let mut seen = BTreeSet::new();
        let mut providers = Vec::new();
        for provider in &raw.providers {
            let name = provider.name.get_ref();
            if !valid_name(name) {
                return Err(err(
                    provider.name.span(),
                    format!("providers.name `{name}`: use a-z, 0-9 and `_`, starting with a letter (at most 64)"),
                ));
            }
            if !seen.insert(name.clone()) {
                return Err(err(provider.name.span(), format!("providers: `{name}` is declared twice")));
            }
            providers.push(ProviderDecl { name: name.clone() });
        }

        let declared = |kind: PluginKind| match kind {
            PluginKind::Hooks => !hooks.is_empty(),
            PluginKind::Tools => !tools.is_empty(),
            PluginKind::Providers => !providers.is_empty(),
        };
        if !PluginKind::ALL.into_iter().any(declared) {
            return Err(ManifestError::file(
                path,
                "declares no [[hooks]], [[tools]] or [[providers]]: a plugin must serve at least one",
            ));
        }
        for kind in PluginKind::ALL {
            let listed = packages.iter().any(|p| p.name == kind.package());
            if declared(kind) && !listed {
                return Err(err(
                    raw.wit.span(),
                    format!("wit: declares [[{}]] but does not list `{}@1.0.0`", kind.table(), kind.package()),
                ));
            }
            if !declared(kind) && listed {
                return Err(err(
                    raw.wit.span(),
                    format!(
                        "wit: lists `{}` but declares no [[{}]]; remove it or declare what the plugin serves",
                        kind.package(),
                        kind.table()
                    ),
                ));
            }
        }

        let config_schema = match raw.config_schema {
            Some(schema) => {
                let json = serde_json::to_value(schema.get_ref())
                    .map_err(|e| err(schema.span(), format!("config_schema: {e}")))?;
                jsonschema::validator_for(&json)
                    .map_err(|e| err(schema.span(), format!("config_schema: not a valid JSON Schema: {e}")))?;
                Some(json)
            }
            None => None,
        };

        Ok(Manifest {
            id: raw.id.into_inner(),
            version,
            description: raw.description,
            component,
            sha256,
            packages,
            capabilities: raw.capabilities,
            hooks,
            tools,
            providers,
            config_schema,
            path: path.to_path_buf(),
        })
    }

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

    /// Reads the component file and checks it against `sha256` when the manifest has one.
    /// The file must be a regular file inside the plugin directory, of at most `max_bytes`
    /// (`plugins.max_component_mb`).
    pub fn read_component(&self, max_bytes: u64) -> Result<Vec<u8>, ManifestError> {
        let bytes = plugin_file::read_beneath(self.dir(), &self.component, max_bytes, "component", MAX_COMPONENT_KEY)
            .map_err(|e| ManifestError::file(&self.path, e))?;
        if let Some(expected) = &self.sha256 {
            self.check_sha256(expected, Sha256::digest(&bytes))?;
        }
        Ok(bytes)
    }

    /// Streams the component file through `each`, chunk by chunk, and checks it against
    /// `sha256` when the manifest has one: for a digest of the component without holding
    /// it in memory (a reload fingerprints every plugin, most of them unchanged).
    pub fn scan_component(&self, max_bytes: u64, mut each: impl FnMut(&[u8])) -> Result<(), ManifestError> {
        use std::io::Read;
        let (file, _) =
            plugin_file::open_beneath(self.dir(), &self.component, max_bytes, "component", MAX_COMPONENT_KEY)
                .map_err(|e| ManifestError::file(&self.path, e))?;
        let mut file = file.take(max_bytes);
        let mut sha = self.sha256.as_ref().map(|_| Sha256::new());
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut chunk).map_err(|e| self.unreadable(e))?;
            if n == 0 {
                break;
            }
            each(&chunk[..n]);
            if let Some(sha) = &mut sha {
                sha.update(&chunk[..n]);
            }
        }
        if let (Some(expected), Some(sha)) = (&self.sha256, sha) {
            self.check_sha256(expected, sha.finalize())?;
        }
        Ok(())
    }

    fn unreadable(&self, error: std::io::Error) -> ManifestError {
        ManifestError::file(&self.path, format!("component `{}`: cannot read: {error}", self.component.display()))
    }

    fn check_sha256(&self, expected: &str, digest: impl AsRef<[u8]>) -> Result<(), ManifestError> {
        let actual = hex::encode(digest);
        if actual == expected {
            return Ok(());
        }
        Err(ManifestError::file(
            &self.path,
            format!(
                "sha256: the manifest says {expected} but `{}` hashes to {actual}; rebuild or fix the manifest",
                self.component.display()
            ),
        ))
    }

    /// Checks the operator's config for this plugin against the manifest's schema.
    pub fn check_config(&self, config: &serde_json::Value) -> Result<(), String> {
        let Some(schema) = &self.config_schema else {
            return match config.as_object() {
                Some(map) if !map.is_empty() => Err(format!(
                    "plugins.entries.{}.config is set but plugin `{}` declares no config_schema; remove it",
                    self.id, self.id
                )),
                _ => Ok(()),
            };
        };
        let validator = jsonschema::validator_for(schema).map_err(|e| format!("config_schema: {e}"))?;
        let errors: Vec<String> = validator
            .iter_errors(config)
            .map(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() { e.to_string() } else { format!("{at}: {e}") }
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "plugins.entries.{}.config does not match the plugin's config_schema: {}",
                self.id,
                errors.join("; ")
            ))
        }
    }
}

/// Finds plugin directories: every subdirectory of each `dir` that holds a `plugin.toml`,
/// sorted by path. A missing `dir` is skipped.
pub fn discover(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        for entry in entries.flatten() {
            let manifest = entry.path().join(MANIFEST_FILE);
            if manifest.is_file() {
                found.push(manifest);
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "redact"
version = "0.1.0"
description = "Redacts secrets"
component = "redact.wasm"
wit = ["zeroclaw:hooks@1.0.0"]
capabilities = ["tool-results:modify"]

[[hooks]]
point = "tool_result_persist"
priority = 50

[config_schema]
type = "object"
additionalProperties = false
properties.prefixes = { type = "array", items = { type = "string" } }
"#;

    fn parse(text: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(text, Path::new("/p/redact/plugin.toml"))
    }

    fn error(text: &str) -> String {
        parse(text).expect_err("must be refused").to_string()
    }

    #[test]
    fn a_good_manifest_parses() {
        let m = parse(GOOD).unwrap();
        assert_eq!(m.id, "redact");
        assert_eq!(m.component, PathBuf::from("/p/redact/redact.wasm"));
        assert_eq!(
            m.hooks,
            [HookDecl { point: HookPoint::ToolResultPersist, priority: 50, name: "tool_result_persist".into() }]
        );
        assert_eq!(m.kinds(), [PluginKind::Hooks]);
        assert_eq!(m.capabilities, [Capability::ToolResultsModify]);
    }

    #[test]
    fn manifest_rejects_incompatible_wit_major() {
        let e = error(&GOOD.replace("zeroclaw:hooks@1.0.0", "zeroclaw:hooks@2.0.0"));
        assert!(e.starts_with("/p/redact/plugin.toml:6:"), "{e}");
        assert!(
            e.contains("built against zeroclaw:hooks@2.0.0") && e.contains("zeroclaw:hooks@1.0.0"),
            "names both versions: {e}"
        );
        let e = error(&GOOD.replace("zeroclaw:hooks@1.0.0", "zeroclaw:hooks@0.9.0"));
        assert!(e.contains("built against zeroclaw:hooks@0.9.0"), "{e}");
    }

    #[test]
    fn any_published_1x_keeps_loading_on_a_later_1y_host() {
        let future_host = [("zeroclaw:hooks", Version::new(1, 4, 2))];
        for old in ["1.0.0", "1.3.9", "1.4.0", "1.4.7"] {
            let package = PackageRef::parse(&format!("zeroclaw:hooks@{old}")).unwrap();
            assert_eq!(check_package_against(&package, &future_host), Ok(()), "{old}");
        }
        let newer = PackageRef::parse("zeroclaw:hooks@1.5.0").unwrap();
        let e = check_package_against(&newer, &future_host).unwrap_err().to_string();
        assert!(e.contains("newer than this host's zeroclaw:hooks@1.4.2"), "{e}");
    }

    #[test]
    fn each_field_error_names_the_file_line_and_field() {
        let cases: [(String, &str, &str); 12] = [
            (GOOD.replace("id = \"redact\"\n", ""), ":1:1", "missing field `id`"),
            (GOOD.replace("\"redact\"", "\"Redact!\""), ":2:", "id `Redact!`"),
            (GOOD.replace("\"0.1.0\"", "\"one\""), ":3:", "version `one`: not semver"),
            (GOOD.replace("redact.wasm", "../evil.wasm"), ":5:", "must be a relative path inside the plugin directory"),
            (GOOD.replace("zeroclaw:hooks@1.0.0", "acme:hooks@1.0.0"), ":6:", "unknown WIT package `acme:hooks`"),
            (GOOD.replace("zeroclaw:hooks@1.0.0", "zeroclaw:hooks"), ":6:", "has no version"),
            (GOOD.replace("tool-results:modify", "root"), ":7:", "unknown variant `root`"),
            (
                GOOD.replace("tool_result_persist", "after_everything"),
                ":10:",
                "hooks.point `after_everything`: no such hook",
            ),
            (GOOD.replace("priority = 50", "priority = \"high\""), ":11:", "invalid type"),
            (
                GOOD.replace("\"zeroclaw:hooks@1.0.0\"", "\"zeroclaw:hooks@1.0.0\", \"zeroclaw:tools@1.0.0\""),
                ":6:",
                "declares no [[tools]]",
            ),
            (GOOD.replace("type = \"object\"", "type = \"blob\""), ":13:", "not a valid JSON Schema"),
            (format!("entrypoint = \"main\"\n{GOOD}"), ":1:1", "unknown field `entrypoint`"),
        ];
        for (text, at, message) in cases {
            let e = error(&text);
            assert!(e.starts_with("/p/redact/plugin.toml"), "{e}");
            assert!(e.contains(at), "expected location {at}: {e}");
            assert!(e.contains(message), "expected `{message}`: {e}");
        }
    }

    #[test]
    fn a_manifest_must_serve_something() {
        let text = "id = \"x\"\nversion = \"1.0.0\"\ncomponent = \"x.wasm\"\nwit = [\"zeroclaw:host@1.0.0\"]\n";
        assert!(error(text).contains("declares no [[hooks]], [[tools]] or [[providers]]"));
    }

    #[test]
    fn sha256_mismatch_is_refused_with_both_hashes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("redact.wasm"), b"not really wasm").unwrap();
        let wrong = "0".repeat(64);
        let text =
            GOOD.replace("component = \"redact.wasm\"", &format!("component = \"redact.wasm\"\nsha256 = \"{wrong}\""));
        let m = Manifest::parse(&text, &dir.path().join("plugin.toml")).unwrap();
        let e = m.read_component(1024).unwrap_err().to_string();
        assert!(e.contains(&wrong) && e.contains(&hex::encode(Sha256::digest(b"not really wasm"))), "{e}");
        let right = hex::encode(Sha256::digest(b"not really wasm"));
        let m = Manifest::parse(&text.replace(&wrong, &right), &dir.path().join("plugin.toml")).unwrap();
        assert_eq!(m.read_component(1024).unwrap(), b"not really wasm");
    }

    #[test]
    fn operator_config_is_checked_against_the_schema() {
        let m = parse(GOOD).unwrap();
        assert_eq!(m.check_config(&serde_json::json!({"prefixes": ["sk-"]})), Ok(()));
        let e = m.check_config(&serde_json::json!({"prefixes": "sk-"})).unwrap_err();
        assert!(e.contains("plugins.entries.redact.config") && e.contains("/prefixes"), "{e}");
        let e = m.check_config(&serde_json::json!({"prefix": ["sk-"]})).unwrap_err();
        assert!(e.contains("prefix"), "{e}");
    }

    #[test]
    fn host_packages_match_the_wit_files() {
        for (name, version) in &HOST_PACKAGES {
            let kind = name.trim_start_matches("zeroclaw:");
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("wit/zeroclaw").join(kind).join("v1");
            let text: String =
                std::fs::read_dir(&dir).unwrap().map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap()).collect();
            assert!(
                text.contains(&format!("package {name}@{version};")),
                "{} declares {name}@{version}",
                dir.display()
            );
        }
    }
}
