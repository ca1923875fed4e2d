//! The contract version a guest speaks.
//!
//! A guest names the version of each interface it exports (`zeroclaw:hooks/handler@1.0.0`);
//! the host reads it off the component when it loads and looks the export up under that
//! very name. What a call lowers into the guest must have the type of that version: the
//! host's own values are always the newest, and an older version's types are converted
//! from them on the way in and up to them on the way out. A hook call chooses in one
//! `match` on [`Speaks`] (`HandleHook` in `calls.rs`); the frozen 1.0 types are in
//! `v1_0.rs`. Imports need no dispatch: wasmtime's linker serves an import of
//! `zeroclaw:host/kv@1.0.0` with the newest 1.x definition, which only ever adds.
//!
//! 1.1 added host interfaces (`invoke`, `secrets`) and one hook point (`llm_error`). A
//! hook point is a new case of `hook-event`, which changes the type of `handle`: so a 1.0
//! guest is sent 1.0's own variant, and never an event of a point 1.0 lacks (the manifest
//! and load checks refuse such a subscription before it loads). Tools and providers have
//! the same types in both versions: one signature serves them.

use std::fmt;

use semver::Version;

use crate::plugins::manifest::{PUBLISHED, PackageRef, PluginKind};

/// A published contract version a guest can speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Speaks {
    /// 1.0: hooks, tools, providers; log, config, kv.
    V1_0,
    /// 1.1: adds the `invoke` and `secrets` host interfaces.
    V1_1,
}

impl Speaks {
    /// The version a guest's `version` of a package speaks: the published minor it names
    /// (a patch changes no type). `None` for a version this host does not know.
    pub fn of(version: &Version) -> Option<Speaks> {
        match (version.major, version.minor) {
            (1, 0) => Some(Speaks::V1_0),
            (1, 1) => Some(Speaks::V1_1),
            _ => None,
        }
    }

    /// Its version, as published.
    pub fn version(self) -> &'static Version {
        match self {
            Speaks::V1_0 => &PUBLISHED[0],
            Speaks::V1_1 => &PUBLISHED[1],
        }
    }
}

impl fmt::Display for Speaks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.version())
    }
}

/// What a component exports for one kind: the export's full name and the version it speaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spoken {
    /// The kind.
    pub kind: PluginKind,
    /// The export's name, `zeroclaw:hooks/handler@1.0.0`: the name it is looked up by.
    pub export: String,
    /// The version.
    pub speaks: Speaks,
}

impl Spoken {
    /// The package reference, `zeroclaw:hooks@1.0.0`.
    pub fn package(&self) -> PackageRef {
        PackageRef { name: self.kind.package().to_string(), version: self.speaks.version().clone() }
    }
}

/// Finds `kind`'s export among `exports` (the component's export names) and the version it
/// speaks; `None` when it exports no such interface at a version this host knows.
pub fn spoken(kind: PluginKind, exports: &[String]) -> Option<Spoken> {
    exports.iter().find_map(|name| {
        let (path, version) = name.split_once('@')?;
        if path != kind.interface() {
            return None;
        }
        let speaks = Speaks::of(&Version::parse(version).ok()?)?;
        Some(Spoken { kind, export: name.clone(), speaks })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_published_version_is_spoken_and_nothing_else() {
        for version in &PUBLISHED {
            let speaks = Speaks::of(version).unwrap_or_else(|| panic!("{version} is published but not spoken"));
            assert_eq!(speaks.version(), version);
        }
        assert_eq!(Speaks::of(&Version::new(1, 0, 3)), Some(Speaks::V1_0), "a patch speaks its minor");
        assert_eq!(Speaks::of(&Version::new(1, 2, 0)), None);
        assert_eq!(Speaks::of(&Version::new(2, 0, 0)), None);
    }

    #[test]
    fn the_export_is_found_under_the_name_the_guest_gave_it() {
        let exports = vec!["wasi:cli/run@0.2.0".to_string(), "zeroclaw:hooks/handler@1.0.0".to_string()];
        let found = spoken(PluginKind::Hooks, &exports).unwrap();
        assert_eq!((found.export.as_str(), found.speaks), ("zeroclaw:hooks/handler@1.0.0", Speaks::V1_0));
        assert_eq!(found.package().to_string(), "zeroclaw:hooks@1.0.0");
        assert_eq!(spoken(PluginKind::Tools, &exports), None);
    }
}
