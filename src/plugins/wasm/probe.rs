//! The contract probe: what a compiled component imports and exports, checked against the
//! version policy and the manifest before it is linked, and its tool specs checked
//! against the manifest once it runs.

use std::collections::BTreeMap;

use zeroclaw_plugin_api::ToolSpec;

use super::load_error::ContractMismatch;
use crate::capability::Capability;
use crate::plugins::manifest::{Manifest, PackageRef, check_package};

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

/// A capability a component's imports show it uses, and the import that shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedUse {
    /// The import, `zeroclaw:host/kv@1.0.0`.
    pub import: String,
    /// The capabilities that serve it (any one of them does).
    pub capabilities: &'static [Capability],
}

/// The capabilities `imports` show the component uses. A component imports only the
/// interfaces its code calls (the linker drops the rest), so an import is a use; `log` is
/// implicit, and every std guest imports `wasi:cli/environment` whether it reads a
/// variable or not, so neither is listed.
pub fn imported_uses(imports: &[String]) -> Vec<ImportedUse> {
    const USES: [(&str, &[Capability]); 4] = [
        ("zeroclaw:host/kv", &[Capability::Kv]),
        ("zeroclaw:host/invoke", &[Capability::ToolsInvoke]),
        ("wasi:http/outgoing-handler", &[Capability::HttpOutbound]),
        ("wasi:filesystem/preopens", &[Capability::FsRead, Capability::FsWrite]),
    ];
    imports
        .iter()
        .filter_map(|import| {
            let path = import.split('@').next().unwrap_or(import);
            USES.iter()
                .find(|(interface, _)| *interface == path)
                .map(|(_, capabilities)| ImportedUse { import: import.clone(), capabilities })
        })
        .collect()
}

/// Splits `zeroclaw:hooks/handler@1.0.0` into the package reference and the interface.
pub(super) fn versioned_interface(name: &str) -> Option<(PackageRef, &str)> {
    let (path, version) = name.split_once('@')?;
    let (package, _) = path.split_once('/')?;
    let version = semver::Version::parse(version).ok()?;
    Some((PackageRef { name: package.to_string(), version }, path))
}

/// Every `zeroclaw:` import and export must pass the version policy, and every kind the
/// manifest declares must be exported.
pub(super) fn check_versions(
    manifest: &Manifest,
    imports: &[String],
    exports: &[String],
) -> Result<(), ContractMismatch> {
    for (direction, names) in [("imports", imports), ("exports", exports)] {
        for name in names.iter().filter(|n| n.starts_with("zeroclaw:")) {
            let Some((package, _)) = versioned_interface(name) else {
                return Err(ContractMismatch::Unversioned { direction, name: name.clone() });
            };
            check_package(&package).map_err(|source| ContractMismatch::Version {
                direction,
                name: name.clone(),
                source,
            })?;
        }
    }
    for kind in manifest.kinds() {
        let found =
            exports.iter().any(|name| versioned_interface(name).is_some_and(|(_, path)| path == kind.interface()));
        if !found {
            return Err(ContractMismatch::MissingWorld(kind));
        }
    }
    Ok(())
}

/// The component's specs for the tools the manifest declares, checked against it: names
/// unique, parameters a JSON Schema for an object, effects as the manifest says.
pub(super) fn check_specs(manifest: &Manifest, specs: Vec<ToolSpec>) -> Result<Vec<ToolSpec>, ContractMismatch> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, spec) in specs.iter().enumerate() {
        if let Some(first) = seen.insert(spec.name.as_str(), index) {
            return Err(ContractMismatch::DuplicateTool {
                name: spec.name.clone(),
                first: first + 1,
                second: index + 1,
            });
        }
    }
    let mut served = Vec::new();
    for decl in &manifest.tools {
        let Some(spec) = specs.iter().find(|s| s.name == decl.name) else {
            let offered: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
            return Err(ContractMismatch::UnlistedTool {
                name: decl.name.clone(),
                offered: if offered.is_empty() { "none".to_string() } else { offered.join(", ") },
            });
        };
        if spec.effect != decl.effect {
            return Err(ContractMismatch::EffectMismatch {
                name: decl.name.clone(),
                declared: decl.effect,
                listed: spec.effect,
            });
        }
        if spec.parameters.get("type").and_then(|t| t.as_str()) != Some("object") {
            return Err(ContractMismatch::ParametersNotObject {
                name: decl.name.clone(),
                preview: preview(&spec.parameters),
            });
        }
        jsonschema::validator_for(&spec.parameters)
            .map_err(|e| ContractMismatch::InvalidSchema { name: decl.name.clone(), reason: e.to_string() })?;
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
pub(super) fn preview(value: &serde_json::Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

pub(super) fn first_line(error: &wasmtime::Error) -> String {
    let text = format!("{error:#}");
    text.lines().next().unwrap_or_default().to_string()
}
