//! Installing a package (or a built plugin directory) into a plugins directory, and
//! removing one.
//!
//! The plugin is unpacked into a hidden directory beside its destination (hidden names
//! are never loaded), verified there under the operator's trust policy, then swapped in
//! with one rename (on Linux an exchange, so the old version serves until the instant
//! the new one does). A watching gateway sees one change and reloads once.

use std::path::{Path, PathBuf};

use semver::Version;

use super::{PackageError, pack_dir, unpack};
use crate::config::LoadedConfig;
use crate::plugins::manifest::{MANIFEST_FILE, Manifest, valid_id};
use crate::plugins::verify::verify;
use crate::trust::Verdict;

/// A plugin installed.
#[derive(Debug)]
pub struct Installed {
    /// Its `plugin.toml`, in place.
    pub manifest: PathBuf,
    /// Its id.
    pub id: String,
    /// Its version.
    pub version: Version,
    /// What vouched for it.
    pub verdict: Verdict,
    /// The version it replaced.
    pub replaced: Option<Version>,
}

/// Installs `source` (a package file, or a plugin directory) into `plugins_dir` as
/// `<plugins_dir>/<id>`, after verifying it under `config`'s trust policy. Refuses to
/// replace a plugin of another id, a higher version, or a directory that is not a plugin,
/// unless `force`.
pub fn install(
    source: &Path,
    plugins_dir: &Path,
    config: &LoadedConfig,
    force: bool,
) -> Result<Installed, PackageError> {
    let max = config.config.plugins.max_component_bytes();
    let bytes = if source.is_dir() { pack_dir(source, max)?.bytes } else { read_package(source, max)? };
    std::fs::create_dir_all(plugins_dir).map_err(|e| io(plugins_dir, "create", e))?;
    let staging = tempfile::Builder::new()
        .prefix(".zeroclaw-install-")
        .tempdir_in(plugins_dir)
        .map_err(|e| io(plugins_dir, "create a directory in", e))?;
    let unpacked = unpack(source, &bytes, staging.path(), max)?;
    let manifest = Manifest::load(&staging.path().join(MANIFEST_FILE))?;
    if manifest.id != unpacked.id || manifest.version.to_string() != unpacked.version {
        return Err(PackageError::NotAPackage {
            path: source.to_path_buf(),
            reason: format!(
                "its index says {}@{} but its plugin.toml says {}@{}",
                unpacked.id, unpacked.version, manifest.id, manifest.version
            ),
        });
    }
    let component = manifest.read_component(max)?;
    let verdict = verify(&manifest, crate::trust::Sha256Digest::of(&component), config)?;

    let dest = plugins_dir.join(&manifest.id);
    let replaced = check_replace(&dest, &manifest, force)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(staging.path(), std::fs::Permissions::from_mode(0o755));
    }
    swap_in(staging.path(), &dest, dest.exists())?;
    // `staging` now holds the old version (or nothing); dropping it removes that.
    drop(staging);
    Ok(Installed { manifest: dest.join(MANIFEST_FILE), id: manifest.id, version: manifest.version, verdict, replaced })
}

/// The version installed at `dest` that `manifest` replaces, or why it may not.
fn check_replace(dest: &Path, manifest: &Manifest, force: bool) -> Result<Option<Version>, PackageError> {
    if !dest.exists() {
        return Ok(None);
    }
    let refuse = |reason: String| Err(PackageError::Replace { dest: dest.to_path_buf(), reason });
    match Manifest::load(&dest.join(MANIFEST_FILE)) {
        Ok(existing) if force => Ok(Some(existing.version)),
        Ok(existing) if existing.id != manifest.id => {
            refuse(format!("it holds plugin `{}`, not `{}`", existing.id, manifest.id))
        }
        Ok(existing) if existing.version > manifest.version => refuse(format!(
            "it holds {} {}, newer than the {} being installed",
            existing.id, existing.version, manifest.version
        )),
        Ok(existing) => Ok(Some(existing.version)),
        Err(_) if force => Ok(None),
        Err(e) => refuse(format!("it is not a plugin this zeroclaw can read ({e})")),
    }
}

/// Puts `staging` at `dest` in one step; with `replace`, what was at `dest` ends up at
/// `staging`.
fn swap_in(staging: &Path, dest: &Path, replace: bool) -> Result<(), PackageError> {
    if !replace {
        return std::fs::rename(staging, dest).map_err(|e| io(dest, "rename into place", e));
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, staging, CWD, dest, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            // Filesystems without RENAME_EXCHANGE: two renames below.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(io(dest, "swap into place", e.into())),
        }
    }
    let aside = staging.with_extension("old");
    std::fs::rename(dest, &aside).map_err(|e| io(dest, "move aside", e))?;
    if let Err(e) = std::fs::rename(staging, dest) {
        let _ = std::fs::rename(&aside, dest); // put the old version back
        return Err(io(dest, "rename into place", e));
    }
    std::fs::rename(&aside, staging).map_err(|e| io(&aside, "move", e))
}

/// Removes the plugin `id` from `plugins_dir`; returns the version removed.
pub fn remove(id: &str, plugins_dir: &Path) -> Result<Version, PackageError> {
    let dest = plugins_dir.join(id);
    let not_installed =
        |hint: String| PackageError::NotInstalled { id: id.to_string(), dir: plugins_dir.to_path_buf(), hint };
    if !valid_id(id) {
        return Err(not_installed(" (a plugin id is lowercase letters, digits, `-` and `_`)".into()));
    }
    let manifest = match Manifest::load(&dest.join(MANIFEST_FILE)) {
        Ok(manifest) if manifest.id == id => manifest,
        Ok(manifest) => return Err(not_installed(format!(": {} holds plugin `{}`", dest.display(), manifest.id))),
        Err(_) if !dest.exists() => return Err(not_installed(String::new())),
        Err(e) => {
            return Err(not_installed(format!(
                ": {} is not a plugin zeroclaw can read ({e}); delete it by hand",
                dest.display()
            )));
        }
    };
    // Renamed away first: a watching gateway sees the plugin go in one step.
    let aside = tempfile::Builder::new()
        .prefix(".zeroclaw-remove-")
        .tempdir_in(plugins_dir)
        .map_err(|e| io(plugins_dir, "create a directory in", e))?;
    let gone = aside.path().join(id);
    std::fs::rename(&dest, &gone).map_err(|e| io(&dest, "move away", e))?;
    drop(aside);
    Ok(manifest.version)
}

/// Reads a package file, refusing one larger than any valid package can be.
fn read_package(path: &Path, max_component_bytes: u64) -> Result<Vec<u8>, PackageError> {
    use std::io::Read;
    let cap = max_component_bytes + 4 * 1024 * 1024;
    let file = std::fs::File::open(path).map_err(|e| io(path, "read", e))?;
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes).map_err(|e| io(path, "read", e))?;
    if bytes.len() as u64 > cap {
        return Err(PackageError::NotAPackage {
            path: path.to_path_buf(),
            reason: format!("it is over {cap} bytes (plugins.max_component_mb)"),
        });
    }
    Ok(bytes)
}

fn io(path: &Path, action: &'static str, source: std::io::Error) -> PackageError {
    PackageError::Io { path: path.to_path_buf(), action, source }
}
