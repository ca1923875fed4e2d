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
mod tests {
    use wit_parser::Resolve;

    use super::*;

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
