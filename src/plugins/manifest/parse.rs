//! Reading `plugin.toml`: TOML shape first (unknown keys, types), then each field, every
//! error naming the file, the line and the field.

use std::collections::BTreeSet;
use std::path::{Component as PathComponent, Path};

use semver::Version;
use serde::Deserialize;
use toml::Spanned;
use zeroclaw_plugin_api::{HookPoint, ToolEffect};

use super::{HookDecl, Manifest, ManifestError, PackageRef, PluginKind, ProviderDecl, ToolDecl, check_package};
use crate::plugins::capability::Capability;
use crate::plugins::plugin_file;

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
    #[serde(default)]
    memory_mb: Option<Spanned<u64>>,
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
pub(crate) fn valid_id(id: &str) -> bool {
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
            .map_err(|e| ManifestError::file(path, e.to_string()))?;
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
                "wit: list the WIT packages the plugin was built against, e.g. [\"zeroclaw:tools@1.1.0\"]".into(),
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
            if let Some(listed) = packages.iter().find(|p| p.name == PluginKind::Hooks.package())
                && !super::has_hook_point(&listed.version, point)
            {
                let since = super::hook_point_since(point);
                return Err(err(
                    hook.point.span(),
                    format!(
                        "hooks.point `{}` was added in zeroclaw:hooks@{since}, but the plugin lists {listed}; rebuild it against zeroclaw:hooks@{since} or later and list that",
                        point.name()
                    ),
                ));
            }
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
                    format!(
                        "wit: declares [[{}]] but does not list `{}@{}`",
                        kind.table(),
                        kind.package(),
                        super::CONTRACT
                    ),
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

        let memory_mb = match raw.memory_mb {
            Some(mb) if !(1..=4096).contains(mb.get_ref()) => {
                return Err(err(mb.span(), format!("memory_mb = {} is not from 1 to 4096 (MiB)", mb.get_ref())));
            }
            other => other.map(Spanned::into_inner),
        };

        Ok(Manifest {
            memory_mb,
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
            digest: crate::trust::Sha256Digest::of(text.as_bytes()),
        })
    }
}
