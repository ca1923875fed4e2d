//! Packing a plugin directory into a package, and unpacking one into a directory.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Component, Path};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};

use super::PackageError;
use crate::plugins::manifest::{MANIFEST_FILE, Manifest};
use crate::plugins::plugin_file::MAX_MANIFEST_BYTES;
use crate::plugins::verify::{MAX_SIGNATURE_BYTES, read_signature_bytes};
use crate::trust::{SIGNATURE_FILE, Sha256Digest};

/// The index's name, the package's first entry.
pub const INDEX_FILE: &str = "zeroclaw-package.toml";

/// The extension `plugins pack` gives a package.
pub const PACKAGE_EXTENSION: &str = "zcpkg";

const FORMAT: u32 = 1;
const MAX_INDEX_BYTES: u64 = 64 * 1024;

/// `zeroclaw-package.toml`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Index {
    format: u32,
    id: String,
    version: String,
    files: Vec<IndexedFile>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndexedFile {
    path: String,
    bytes: u64,
    sha256: Sha256Digest,
}

/// A package, in memory.
pub struct Packed {
    /// The package's bytes.
    pub bytes: Vec<u8>,
    /// The plugin id.
    pub id: String,
    /// The plugin version.
    pub version: semver::Version,
}

/// Packs the plugin directory `dir` (its `plugin.toml`, component and `plugin.sig`, and
/// nothing else). `max_component_bytes` caps the component (`plugins.max_component_mb`).
pub fn pack_dir(dir: &Path, max_component_bytes: u64) -> Result<Packed, PackageError> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let text = Manifest::read_text(&manifest_path)?;
    let manifest = Manifest::parse(&text, &manifest_path)?;
    let component = manifest.read_component(max_component_bytes)?;
    let component_name = relative_name(&manifest)?;
    let signature = read_signature_bytes(dir).map_err(|e| PackageError::Io {
        path: dir.join(SIGNATURE_FILE),
        action: "read",
        source: std::io::Error::other(e.to_string()),
    })?;
    let mut files: Vec<(String, Vec<u8>)> =
        vec![(MANIFEST_FILE.to_string(), text.into_bytes()), (component_name, component)];
    files.extend(signature.map(|sig| (SIGNATURE_FILE.to_string(), sig)));
    let index = Index {
        format: FORMAT,
        id: manifest.id.clone(),
        version: manifest.version.to_string(),
        files: files
            .iter()
            .map(|(path, bytes)| IndexedFile {
                path: path.clone(),
                bytes: bytes.len() as u64,
                sha256: Sha256Digest::of(bytes),
            })
            .collect(),
    };
    let index_text = format!(
        "# A zeroclaw plugin package: the files it holds and their sha256.\n{}",
        toml::to_string(&index).expect("an index serializes")
    );
    let failed = |source| PackageError::Io { path: dir.to_path_buf(), action: "pack", source };
    let mut tar = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for (name, bytes) in std::iter::once((INDEX_FILE.to_string(), index_text.into_bytes())).chain(files) {
        // Fixed owner, mode and time: the same files give the same package.
        let mut header = tar::Header::new_ustar();
        header.set_path(&name).map_err(failed)?;
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_cksum();
        tar.append(&header, bytes.as_slice()).map_err(failed)?;
    }
    let bytes = tar.into_inner().and_then(GzEncoder::finish).map_err(failed)?;
    Ok(Packed { bytes, id: manifest.id, version: manifest.version })
}

/// The component's path inside the plugin directory, `/`-separated.
fn relative_name(manifest: &Manifest) -> Result<String, PackageError> {
    let relative = manifest.component_in_dir();
    let parts: Option<Vec<&str>> = relative
        .components()
        .map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect();
    match parts {
        Some(parts) if !parts.is_empty() => Ok(parts.join("/")),
        _ => Err(PackageError::Entry {
            path: manifest.path.clone(),
            entry: relative.display().to_string(),
            reason: "the component path is not a plain path inside the plugin directory".into(),
        }),
    }
}

/// Whether `name` is a plain relative path: `/`-separated, no `.`, `..`, empty or
/// absolute parts, no backslashes.
fn plain(name: &str) -> bool {
    !name.is_empty()
        && !name.contains('\\')
        && name.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
}

/// What an unpacked package says it is.
#[derive(Debug)]
pub struct Unpacked {
    /// The plugin id of its index.
    pub id: String,
    /// The plugin version of its index.
    pub version: String,
}

/// Unpacks the package `bytes` (read from `package`, named in errors) into the empty
/// directory `into`. Every entry must be listed in the index, once, as a regular file of
/// the listed size and digest, within its cap; every listed file must be there.
pub fn unpack(package: &Path, bytes: &[u8], into: &Path, max_component_bytes: u64) -> Result<Unpacked, PackageError> {
    let not_a_package = |reason: String| PackageError::NotAPackage { path: package.to_path_buf(), reason };
    let bad_entry = |entry: &str, reason: String| PackageError::Entry {
        path: package.to_path_buf(),
        entry: entry.to_string(),
        reason,
    };
    let mut archive = tar::Archive::new(GzDecoder::new(bytes));
    let mut entries = archive.entries().map_err(|e| not_a_package(e.to_string()))?;

    let mut first =
        entries.next().ok_or_else(|| not_a_package("it is empty".into()))?.map_err(|e| not_a_package(e.to_string()))?;
    if first.path_bytes().as_ref() != INDEX_FILE.as_bytes() {
        return Err(not_a_package(format!("its first entry is not {INDEX_FILE}")));
    }
    let index_text = read_entry(&mut first, MAX_INDEX_BYTES).map_err(|reason| bad_entry(INDEX_FILE, reason))?;
    let index_text = String::from_utf8(index_text).map_err(|_| bad_entry(INDEX_FILE, "not UTF-8 text".into()))?;
    let index: Index = toml::from_str(&index_text).map_err(|e| bad_entry(INDEX_FILE, e.message().to_string()))?;
    if index.format != FORMAT {
        return Err(not_a_package(format!(
            "format {} is not known to this zeroclaw (it reads {FORMAT})",
            index.format
        )));
    }
    let mut listed = BTreeSet::new();
    for file in &index.files {
        if !plain(&file.path) || !listed.insert(file.path.as_str()) {
            return Err(bad_entry(&file.path, "listed twice, or not a plain relative path".into()));
        }
    }
    if !listed.contains(MANIFEST_FILE) {
        return Err(bad_entry(MANIFEST_FILE, "not listed in the index".into()));
    }

    let mut seen = BTreeSet::new();
    for entry in entries {
        let mut entry = entry.map_err(|e| not_a_package(e.to_string()))?;
        let name = String::from_utf8(entry.path_bytes().into_owned())
            .map_err(|_| not_a_package("an entry name is not UTF-8".into()))?;
        let Some(file) = index.files.iter().find(|f| f.path == name) else {
            return Err(bad_entry(&name, "not listed in the index".into()));
        };
        if !seen.insert(name.clone()) {
            return Err(bad_entry(&name, "appears twice".into()));
        }
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err(bad_entry(&name, "not a regular file (links and directories are refused)".into()));
        }
        let cap = match name.as_str() {
            MANIFEST_FILE => MAX_MANIFEST_BYTES,
            SIGNATURE_FILE => MAX_SIGNATURE_BYTES,
            _ => max_component_bytes,
        };
        if file.bytes > cap {
            return Err(bad_entry(
                &name,
                format!("{} bytes, over its {cap} byte cap (plugins.max_component_mb for a component)", file.bytes),
            ));
        }
        let bytes = read_entry(&mut entry, file.bytes).map_err(|reason| bad_entry(&name, reason))?;
        if bytes.len() as u64 != file.bytes {
            return Err(bad_entry(&name, format!("{} bytes, but the index lists {}", bytes.len(), file.bytes)));
        }
        let actual = Sha256Digest::of(&bytes);
        if actual != file.sha256 {
            return Err(bad_entry(&name, format!("its sha256 is {actual}, but the index lists {}", file.sha256)));
        }
        let dest = into.join(&name);
        let write_failed = |source| PackageError::Io { path: dest.clone(), action: "write", source };
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(write_failed)?;
        }
        std::fs::write(&dest, &bytes).map_err(write_failed)?;
    }
    if let Some(missing) = index.files.iter().find(|f| !seen.contains(&f.path)) {
        return Err(bad_entry(&missing.path, "listed in the index but missing".into()));
    }
    Ok(Unpacked { id: index.id, version: index.version })
}

/// Reads an entry of at most `cap` bytes.
fn read_entry(entry: &mut impl Read, cap: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    entry.take(cap + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > cap {
        return Err(format!("longer than {cap} bytes"));
    }
    Ok(bytes)
}
