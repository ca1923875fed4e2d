//! Who serves an entry: a native crate or a loaded WebAssembly plugin.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// The owner of a hook, tool or provider entry.
///
/// Every entry of a snapshot carries its owner; logs, metrics and errors name it, so an
/// operator can always tell which plugin did what. Cloning is cheap (shared strings).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "backend", rename_all = "snake_case")]
pub enum Owner {
    /// A native plugin linked into the binary, by its registered plugin name.
    Native {
        /// The registered plugin name, e.g. `command_logger`.
        name: Arc<str>,
    },
    /// A WebAssembly plugin loaded at run time.
    Wasm {
        /// The manifest id, e.g. `redact`.
        id: Arc<str>,
        /// The manifest version, e.g. `1.2.0`.
        version: Arc<str>,
        /// The snapshot generation that loaded this version.
        generation: u64,
    },
    /// A plugin of another backend, named by that backend (the host registers its
    /// backends; a test backend is one).
    Other {
        /// The backend's name, e.g. `script`.
        backend_name: Arc<str>,
        /// The plugin id.
        id: Arc<str>,
        /// The plugin version.
        version: Arc<str>,
        /// The snapshot generation that loaded this version.
        generation: u64,
    },
}

impl Owner {
    /// A native owner.
    pub fn native(name: impl Into<Arc<str>>) -> Self {
        Owner::Native { name: name.into() }
    }

    /// A wasm owner.
    pub fn wasm(id: impl Into<Arc<str>>, version: impl Into<Arc<str>>, generation: u64) -> Self {
        Owner::Wasm { id: id.into(), version: version.into(), generation }
    }

    /// The plugin id (native name or manifest id): the key used for ordering and config.
    pub fn plugin_id(&self) -> &str {
        match self {
            Owner::Native { name } => name,
            Owner::Wasm { id, .. } | Owner::Other { id, .. } => id,
        }
    }

    /// `"native"`, `"wasm"`, or another backend's name.
    pub fn backend(&self) -> &str {
        match self {
            Owner::Native { .. } => "native",
            Owner::Wasm { .. } => "wasm",
            Owner::Other { backend_name, .. } => backend_name,
        }
    }

    /// True for native owners.
    pub fn is_native(&self) -> bool {
        matches!(self, Owner::Native { .. })
    }
}

impl fmt::Display for Owner {
    /// `native:command_logger` or `wasm:redact@1.2.0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Owner::Native { name } => write!(f, "native:{name}"),
            Owner::Wasm { id, version, .. } => write!(f, "wasm:{id}@{version}"),
            Owner::Other { backend_name, id, version, .. } => write!(f, "{backend_name}:{id}@{version}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_backend_id_and_version() {
        assert_eq!(Owner::native("command_logger").to_string(), "native:command_logger");
        assert_eq!(Owner::wasm("redact", "1.2.0", 7).to_string(), "wasm:redact@1.2.0");
        let other =
            Owner::Other { backend_name: "script".into(), id: "x".into(), version: "0.1.0".into(), generation: 2 };
        assert_eq!((other.to_string().as_str(), other.backend()), ("script:x@0.1.0", "script"));
    }

    #[test]
    fn plugin_id_is_the_ordering_key_for_both_backends() {
        assert_eq!(Owner::native("a").plugin_id(), "a");
        assert_eq!(Owner::wasm("b", "1.0.0", 1).plugin_id(), "b");
    }
}
