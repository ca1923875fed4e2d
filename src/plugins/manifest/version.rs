//! The WIT package version policy: a plugin built against any published 1.x up to the
//! host's own minor loads; a newer minor or another major is refused before it is
//! instantiated, with a message naming both versions.

use std::fmt;

use semver::Version;
use thiserror::Error;
use zeroclaw_plugin_api::HookPoint;

/// The WIT packages this host implements, at the newest 1.x it supports. A plugin built
/// against any 1.x up to these loads; a newer minor or another major is refused.
pub static HOST_PACKAGES: [(&str, Version); 4] = [
    ("zeroclaw:host", CONTRACT),
    ("zeroclaw:hooks", CONTRACT),
    ("zeroclaw:tools", CONTRACT),
    ("zeroclaw:providers", CONTRACT),
];

/// The contract version this host speaks natively: all four packages move together, so a
/// plugin's packages name one contract version.
pub const CONTRACT: Version = Version::new(1, 1, 0);

/// Every published contract version, oldest first. All but the newest are frozen copies
/// in `wit/published/<version>/`, never edited again (a test holds their digests); the
/// newest is `wit/zeroclaw/`. A minor only adds (interfaces, functions, hook points);
/// it never changes a published type, so a guest of any of them loads on this host.
pub static PUBLISHED: [Version; 2] = [Version::new(1, 0, 0), CONTRACT];

/// The contract version that added hook point `point`: a plugin built against an older
/// one cannot subscribe to it (its `hook-event` has no such case).
pub fn hook_point_since(point: HookPoint) -> Version {
    match point {
        HookPoint::LlmError => Version::new(1, 1, 0),
        HookPoint::GatewayStart
        | HookPoint::GatewayStop
        | HookPoint::SessionStart
        | HookPoint::SessionEnd
        | HookPoint::BeforeAgentStart
        | HookPoint::MessageReceived
        | HookPoint::MessageSending
        | HookPoint::MessageSent
        | HookPoint::BeforeLlmCall
        | HookPoint::LlmOutput
        | HookPoint::BeforeToolCall
        | HookPoint::AfterToolCall
        | HookPoint::ToolResultPersist
        | HookPoint::BeforeCompaction
        | HookPoint::AfterCompaction
        | HookPoint::AgentEnd
        | HookPoint::ObserverEvent => Version::new(1, 0, 0),
    }
}

/// Whether a guest speaking `speaks` has hook point `point`: the minor is what counts.
pub fn has_hook_point(speaks: &Version, point: HookPoint) -> bool {
    let since = hook_point_since(point);
    (speaks.major, speaks.minor) >= (since.major, since.minor)
}

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
