//! Why a package cannot be made, read, signed, installed or removed.

use std::path::PathBuf;

use crate::plugins::manifest::ManifestError;
use crate::trust::{KeyError, TrustError};

/// A package operation that failed; every message names the file and the fix.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// A file or directory cannot be read or written.
    #[error("{}: cannot {action}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// `read`, `write`, `rename into place`, ….
        action: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not a package this zeroclaw reads.
    #[error("{}: not a zeroclaw plugin package: {reason}; make one with `zeroclaw plugins pack`", path.display())]
    NotAPackage {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An entry of the package that does not match its index (or is not allowed at all).
    #[error("{}: entry `{entry}`: {reason}; the package is damaged or was altered, get it again from its author", path.display())]
    Entry {
        /// The package.
        path: PathBuf,
        /// The entry's name.
        entry: String,
        /// What is wrong.
        reason: String,
    },
    /// The plugin's manifest or component is invalid.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The trust policy refuses the plugin.
    #[error(transparent)]
    Trust(#[from] TrustError),
    /// A key cannot be read.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// `install` would replace a plugin it should not.
    #[error("{}: {reason}; pass --force to replace it anyway", dest.display())]
    Replace {
        /// The installed plugin's directory.
        dest: PathBuf,
        /// Different id, higher version, or not a plugin.
        reason: String,
    },
    /// `remove`: nothing of that id is installed.
    #[error("no plugin `{id}` in {}{hint}", dir.display())]
    NotInstalled {
        /// The id asked for.
        id: String,
        /// The plugins directory searched.
        dir: PathBuf,
        /// What is there instead.
        hint: String,
    },
}
