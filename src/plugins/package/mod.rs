//! Plugin packages: one file an author ships and an operator installs.
//!
//! A package (`.zcpkg`) is a gzip-compressed tar archive of exactly the files a plugin
//! runs from: `plugin.toml`, its component and, when signed, `plugin.sig`, preceded by
//! an index, `zeroclaw-package.toml`, naming each file with its size and sha256. It is
//! reproducible: entries in a fixed order, with fixed owners, modes and times, so the
//! same files always give the same bytes (and the package's own digest can be pinned).
//!
//! `archive` packs and unpacks (unpacking trusts nothing: every entry must be a listed,
//! plain, regular file of the size and digest listed); `sign` writes `plugin.sig`;
//! `install` verifies a package under the operator's trust policy and swaps it into a
//! plugins directory in one step, so a watching gateway never sees half a plugin.

mod archive;
mod error;
mod install;
mod sign;

pub use archive::{INDEX_FILE, PACKAGE_EXTENSION, Packed, Unpacked, pack_dir, unpack};
pub use error::PackageError;
pub use install::{Installed, install, remove};
pub use sign::sign_dir;
