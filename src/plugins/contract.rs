//! The WIT contracts built into the binary, and the self-contained bundle a guest
//! toolchain that takes one WIT path reads (`zeroclaw plugins wit`).
//!
//! A bundle is one kind's package (`tools.wit`: the `tool-plugin` world) with the packages
//! it uses under `deps/` (`deps/host/host.wit`), the layout wit-parser, componentize-py,
//! componentize-js and jco resolve from a single directory.

use std::path::{Path, PathBuf};

use crate::plugins::manifest::PluginKind;

/// `zeroclaw:host`, the newest 1.x: the shared types and the host imports.
pub const HOST_WIT: &str = include_str!("../../wit/zeroclaw/host/v1/host.wit");
/// `zeroclaw:hooks`, the newest 1.x.
pub const HOOKS_WIT: &str = include_str!("../../wit/zeroclaw/hooks/v1/hooks.wit");
/// `zeroclaw:tools`, the newest 1.x.
pub const TOOLS_WIT: &str = include_str!("../../wit/zeroclaw/tools/v1/tools.wit");
/// `zeroclaw:providers`, the newest 1.x.
pub const PROVIDERS_WIT: &str = include_str!("../../wit/zeroclaw/providers/v1/providers.wit");

/// The package a plugin of `kind` is built against: its file name, its text and its world.
pub fn package(kind: PluginKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        PluginKind::Hooks => ("hooks.wit", HOOKS_WIT, "hook-plugin"),
        PluginKind::Tools => ("tools.wit", TOOLS_WIT, "tool-plugin"),
        PluginKind::Providers => ("providers.wit", PROVIDERS_WIT, "provider-plugin"),
    }
}

/// The world to name to a guest toolchain, `zeroclaw:tools/tool-plugin`.
pub fn world(kind: PluginKind) -> String {
    format!("{}/{}", kind.package(), package(kind).2)
}

/// Writes the bundle for `kind` into `dir` (created if needed); returns the files written.
/// Only the bundle's own files are written: anything else in `dir` is left as it is.
pub fn write_bundle(kind: PluginKind, dir: &Path) -> Result<Vec<PathBuf>, std::io::Error> {
    let (file, text, _) = package(kind);
    let files = [(dir.join(file), text), (dir.join("deps/host/host.wit"), HOST_WIT)];
    for (path, text) in &files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        crate::plugins::plugin_file::write_atomically(path, text.as_bytes())?;
    }
    Ok(files.into_iter().map(|(path, _)| path).collect())
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::Path;

    use wit_parser::{PackageId, Resolve, Type, TypeDefKind, WorldKey};

    use super::*;
    use crate::plugins::manifest::{CONTRACT, PUBLISHED};

    const PACKAGES: [&str; 4] = ["host", "hooks", "tools", "providers"];

    /// The packages of published contract `version` (`host` first: the others use it):
    /// a frozen copy for an older one, `wit/zeroclaw/` for the newest.
    pub(crate) fn published(version: &semver::Version) -> (Resolve, Vec<PackageId>) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("wit");
        let mut resolve = Resolve::new();
        let ids = PACKAGES
            .iter()
            .map(|name| {
                let path = if *version == CONTRACT {
                    root.join("zeroclaw").join(name).join("v1")
                } else {
                    root.join("published").join(version.to_string()).join(format!("{name}.wit"))
                };
                resolve.push_path(&path).unwrap_or_else(|e| panic!("{}: {e:#}", path.display())).0
            })
            .collect();
        (resolve, ids)
    }

    /// The one type a minor may grow: a new hook point is a new case at its end. The host
    /// keeps each older version's own `hook-event` (`src/plugins/wasm/v1_0.rs`), so types
    /// that hold it compare it by name.
    const GROWS: &str = "hook-event";

    /// A type's structure, names of cases and fields included, whatever it is called.
    fn shape(resolve: &Resolve, ty: &Type) -> String {
        let Type::Id(id) = ty else { return format!("{ty:?}") };
        if resolve.types[*id].name.as_deref() == Some(GROWS) {
            return GROWS.to_string();
        }
        shape_of(resolve, *id)
    }

    /// [`shape`] of a type definition itself.
    fn shape_of(resolve: &Resolve, id: wit_parser::TypeId) -> String {
        let of = |ty: &Type| shape(resolve, ty);
        let maybe = |ty: &Option<Type>| ty.as_ref().map_or("_".to_string(), of);
        match &resolve.types[id].kind {
            TypeDefKind::Record(r) => {
                let fields: Vec<String> = r.fields.iter().map(|f| format!("{}: {}", f.name, of(&f.ty))).collect();
                format!("record {{{}}}", fields.join(", "))
            }
            TypeDefKind::Variant(v) => {
                let cases: Vec<String> = v.cases.iter().map(|c| format!("{}({})", c.name, maybe(&c.ty))).collect();
                format!("variant {{{}}}", cases.join(", "))
            }
            TypeDefKind::Enum(e) => {
                format!("enum {{{}}}", e.cases.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "))
            }
            TypeDefKind::Flags(f) => {
                format!("flags {{{}}}", f.flags.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "))
            }
            TypeDefKind::Tuple(t) => format!("tuple<{}>", t.types.iter().map(of).collect::<Vec<_>>().join(", ")),
            TypeDefKind::Option(t) => format!("option<{}>", of(t)),
            TypeDefKind::Result(r) => format!("result<{}, {}>", maybe(&r.ok), maybe(&r.err)),
            TypeDefKind::List(t) => format!("list<{}>", of(t)),
            TypeDefKind::Type(t) => of(t),
            other => format!("{other:?}"),
        }
    }

    /// `zeroclaw:host/log@1.0.0` as `zeroclaw:host/log`: the same item in every minor.
    fn unversioned(key: String) -> String {
        key.split('@').next().unwrap_or_default().to_string()
    }

    #[test]
    fn every_published_version_is_kept_and_each_later_one_only_adds() {
        let (new, new_ids) = published(&CONTRACT);
        for version in PUBLISHED.iter().filter(|v| **v != CONTRACT) {
            let (old, old_ids) = published(version);
            for (old_id, new_id) in old_ids.iter().zip(&new_ids) {
                let (before, after) = (&old.packages[*old_id], &new.packages[*new_id]);
                let package = format!("{}:{}", before.name.namespace, before.name.name);
                assert_eq!(before.name.version.as_ref(), Some(version), "{package}");
                for (name, old_iface) in &before.interfaces {
                    let Some(new_iface) = after.interfaces.get(name) else {
                        panic!("{package}/{name} of {version} is gone from {CONTRACT}")
                    };
                    let (old_iface, new_iface) = (&old.interfaces[*old_iface], &new.interfaces[*new_iface]);
                    for (ty, id) in &old_iface.types {
                        let now = new_iface.types.get(ty).unwrap_or_else(|| panic!("{package}/{name}.{ty} is gone"));
                        let (before, after) = (shape_of(&old, *id), shape_of(&new, *now));
                        if ty == GROWS {
                            // Its old cases, unchanged and in order, then the new ones.
                            let kept = before.trim_end_matches('}');
                            assert!(
                                after.starts_with(kept),
                                "{package}/{name}.{ty}: {version}'s cases must stay first and unchanged in {CONTRACT}"
                            );
                            continue;
                        }
                        assert_eq!(before, after, "{package}/{name}.{ty} changed between {version} and {CONTRACT}");
                    }
                    for (func, f) in &old_iface.functions {
                        let now =
                            new_iface.functions.get(func).unwrap_or_else(|| panic!("{package}/{name}.{func} is gone"));
                        let signature = |r: &Resolve, f: &wit_parser::Function| {
                            let params: Vec<String> =
                                f.params.iter().map(|p| format!("{}: {}", p.name, shape(r, &p.ty))).collect();
                            format!(
                                "({}) -> {}",
                                params.join(", "),
                                f.result.as_ref().map_or("_".into(), |t| shape(r, t))
                            )
                        };
                        assert_eq!(
                            signature(&old, f),
                            signature(&new, now),
                            "{package}/{name}.{func} changed between {version} and {CONTRACT}"
                        );
                    }
                }
                for (name, old_world) in &before.worlds {
                    let new_world = after.worlds.get(name).unwrap_or_else(|| panic!("world {package}/{name} is gone"));
                    let keys = |r: &Resolve, items: &mut dyn Iterator<Item = &WorldKey>| -> Vec<String> {
                        items.map(|k| unversioned(r.name_world_key(k))).collect()
                    };
                    let (old_world, new_world) = (&old.worlds[*old_world], &new.worlds[*new_world]);
                    let now_imports = keys(&new, &mut new_world.imports.keys());
                    for import in keys(&old, &mut old_world.imports.keys()) {
                        assert!(now_imports.contains(&import), "world {package}/{name} no longer imports {import}");
                    }
                    assert_eq!(
                        keys(&old, &mut old_world.exports.keys()),
                        keys(&new, &mut new_world.exports.keys()),
                        "world {package}/{name} exports the same interfaces"
                    );
                }
            }
        }
    }

    #[test]
    fn each_bundle_resolves_from_its_directory_alone_with_its_world() {
        for kind in PluginKind::ALL {
            let dir = tempfile::tempdir().unwrap();
            write_bundle(kind, dir.path()).unwrap();
            let mut resolve = Resolve::new();
            let (id, _) = resolve.push_dir(dir.path()).unwrap_or_else(|e| panic!("{kind:?}: {e:#}"));
            assert_eq!(
                resolve.packages[id].name.to_string(),
                format!("{}@{}", kind.package(), crate::plugins::manifest::CONTRACT),
                "{kind:?}"
            );
            let (_, _, world) = package(kind);
            let found = resolve.select_world(&[id], Some(world)).unwrap();
            assert_eq!(resolve.worlds[found].name, world);
        }
    }
}
