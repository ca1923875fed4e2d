//! Opening a plugin's own files (its manifest, its component) as what they claim to be.
//!
//! A plugin directory is operator-installed but third-party-made: its files may be
//! symlinks to anywhere, FIFOs that block whoever opens them, devices, directories, or
//! empty. A file is read only when its real path lies inside the real plugin directory,
//! the handle (opened without blocking, so a FIFO cannot hang a reload) is a regular
//! file, and its size is within a cap. The checks are on the opened handle, so swapping
//! the file after the path check cannot slip a FIFO past them.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Longest `plugin.toml` read.
pub const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

/// Why a plugin's file or directory was not opened: what it is, which path, and the
/// OS error as the cause where there is one.
#[derive(Debug, thiserror::Error)]
pub enum PluginFileError {
    /// The path (or the directory it should be in) cannot be resolved.
    #[error("{what} `{}`: {where_}{source}", path.display())]
    Unresolved {
        /// `component`, `manifest`, ….
        what: String,
        /// The path as given.
        path: PathBuf,
        /// `the plugin directory: ` when it is the directory that failed.
        where_: &'static str,
        /// Why.
        source: Unresolved,
    },
    /// The file's real path is outside its plugin directory.
    #[error(
        "{what} `{}` resolves to {}, outside the plugin directory {}; copy the file into the plugin directory instead of linking to it",
        path.display(), real.display(), dir.display()
    )]
    Outside {
        /// `component`, `manifest`, ….
        what: String,
        /// The path as given.
        path: PathBuf,
        /// Where it really is.
        real: PathBuf,
        /// The real plugin directory.
        dir: PathBuf,
    },
    /// Opening, inspecting or reading the file failed.
    #[error("{what} `{}`: cannot {action}: {source}", path.display())]
    Io {
        /// `component`, `manifest`, ….
        what: String,
        /// The path as given.
        path: PathBuf,
        /// `open`, `stat` or `read`.
        action: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not a regular file (a FIFO, a device, a directory, …).
    #[error("{what} `{}` is {kind}, not a regular file", path.display())]
    NotRegular {
        /// `component`, `manifest`, ….
        what: String,
        /// The path as given.
        path: PathBuf,
        /// What it is instead.
        kind: &'static str,
    },
    /// An empty file.
    #[error("{what} `{}` is empty; rebuild the plugin", path.display())]
    Empty {
        /// `component`, `manifest`, ….
        what: String,
        /// The path as given.
        path: PathBuf,
    },
    /// Over the size cap.
    #[error("{what} `{}` is {size} bytes, over the {cap} byte cap ({key})", path.display())]
    TooLarge {
        /// `component`, `manifest`, ….
        what: String,
        /// The path as given.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The cap.
        cap: u64,
        /// The config key that sets the cap.
        key: String,
    },
    /// A plugins directory or plugin directory that cannot be resolved.
    #[error("{what} {}: {source}", path.display())]
    DirUnresolved {
        /// `plugins directory` or `plugin directory`.
        what: &'static str,
        /// The directory.
        path: PathBuf,
        /// Why.
        source: Unresolved,
    },
    /// A plugin directory that is a link to outside its plugins directory.
    #[error(
        "plugin directory {} resolves to {}, outside the plugins directory {}; install the plugin there instead of linking to it",
        dir.display(), real.display(), root.display()
    )]
    DirOutside {
        /// The plugin directory.
        dir: PathBuf,
        /// Where it really is.
        real: PathBuf,
        /// The real plugins directory.
        root: PathBuf,
    },
}

/// Why a path has no real path.
#[derive(Debug, thiserror::Error)]
pub enum Unresolved {
    /// Nothing is there.
    #[error("does not exist")]
    Missing,
    /// It cannot be resolved (permissions, a loop, …).
    #[error("cannot resolve: {0}")]
    Io(#[source] std::io::Error),
}

/// `path` opened for reading, checked to be a non-empty regular file of at most
/// `max_bytes` whose real path lies inside the real path of `dir`. Returns the file and
/// its size. `what` names it in errors (`component`, `manifest`), `cap_key` the config
/// key that sets `max_bytes`.
pub fn open_beneath(
    dir: &Path,
    path: &Path,
    max_bytes: u64,
    what: &str,
    cap_key: &str,
) -> Result<(File, u64), PluginFileError> {
    let (what, shown) = (what.to_string(), path.to_path_buf());
    let unresolved =
        |where_, source| PluginFileError::Unresolved { what: what.clone(), path: shown.clone(), where_, source };
    let real_dir = real_path(dir).map_err(|e| unresolved("the plugin directory: ", e))?;
    let real = real_path(path).map_err(|e| unresolved("", e))?;
    if !real.starts_with(&real_dir) {
        return Err(PluginFileError::Outside { what, path: shown, real, dir: real_dir });
    }
    let io = |action, source| PluginFileError::Io { what: what.clone(), path: shown.clone(), action, source };
    let file = open_nonblocking(&real).map_err(|e| io("open", e))?;
    let meta = file.metadata().map_err(|e| io("stat", e))?;
    if !meta.is_file() {
        return Err(PluginFileError::NotRegular { what, path: shown, kind: file_kind(&meta) });
    }
    let size = meta.len();
    if size == 0 {
        return Err(PluginFileError::Empty { what, path: shown });
    }
    if size > max_bytes {
        return Err(PluginFileError::TooLarge { what, path: shown, size, cap: max_bytes, key: cap_key.to_string() });
    }
    Ok((file, size))
}

/// The whole of a file checked by [`open_beneath`]; never reads past the cap even if the
/// file grows meanwhile.
pub fn read_beneath(
    dir: &Path,
    path: &Path,
    max_bytes: u64,
    what: &str,
    cap_key: &str,
) -> Result<Vec<u8>, PluginFileError> {
    let (file, size) = open_beneath(dir, path, max_bytes, what, cap_key)?;
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(max_bytes).read_to_end(&mut bytes).map_err(|source| PluginFileError::Io {
        what: what.to_string(),
        path: path.to_path_buf(),
        action: "read",
        source,
    })?;
    Ok(bytes)
}

/// The real path of a plugin directory, checked to lie inside the real path of `root`
/// (the `plugins.dirs` entry it was found in): a plugin directory that is a symlink to
/// elsewhere is refused.
pub fn check_plugin_dir(root: &Path, dir: &Path) -> Result<PathBuf, PluginFileError> {
    let unresolved = |what, path: &Path| {
        let path = path.to_path_buf();
        move |source| PluginFileError::DirUnresolved { what, path, source }
    };
    let real_root = real_path(root).map_err(unresolved("plugins directory", root))?;
    let real = real_path(dir).map_err(unresolved("plugin directory", dir))?;
    if real.parent() != Some(real_root.as_path()) {
        return Err(PluginFileError::DirOutside { dir: dir.to_path_buf(), real, root: real_root });
    }
    Ok(real)
}

fn real_path(path: &Path) -> Result<PathBuf, Unresolved> {
    std::fs::canonicalize(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Unresolved::Missing,
        _ => Unresolved::Io(e),
    })
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for
    // one. O_NOFOLLOW: the last component was resolved above; a symlink put in its place
    // since is refused.
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW).open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = meta.file_type();
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() { "a directory" } else { "not a regular file" }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn plugin_dir() -> (tempfile::TempDir, PathBuf) {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("p");
        std::fs::create_dir(&dir).unwrap();
        (root, dir)
    }

    fn open(dir: &Path, name: &str) -> Result<u64, String> {
        open_beneath(dir, &dir.join(name), 1024, "component", "plugins.max_component_mb")
            .map(|(_, size)| size)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_regular_file_inside_the_directory_opens() {
        let (_root, dir) = plugin_dir();
        std::fs::write(dir.join("c.wasm"), b"abc").unwrap();
        std::fs::create_dir(dir.join("sub")).unwrap();
        std::os::unix::fs::symlink("c.wasm", dir.join("link.wasm")).unwrap();
        assert_eq!(open(&dir, "c.wasm"), Ok(3));
        assert_eq!(open(&dir, "link.wasm"), Ok(3), "a link that stays inside is fine");
        assert_eq!(read_beneath(&dir, &dir.join("c.wasm"), 10, "component", "k").unwrap(), b"abc");
    }

    #[test]
    fn links_outside_fifos_directories_empty_and_oversized_files_are_refused() {
        let (root, dir) = plugin_dir();
        std::fs::write(root.path().join("outside.wasm"), b"abc").unwrap();
        std::os::unix::fs::symlink(root.path().join("outside.wasm"), dir.join("out.wasm")).unwrap();
        let e = open(&dir, "out.wasm").unwrap_err();
        assert!(e.contains("outside the plugin directory") && e.contains("outside.wasm"), "{e}");
        let fifo = dir.join("fifo.wasm");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        assert!(open(&dir, "fifo.wasm").unwrap_err().contains("is a FIFO, not a regular file"));
        std::fs::create_dir(dir.join("d.wasm")).unwrap();
        assert!(open(&dir, "d.wasm").unwrap_err().contains("is a directory"));
        std::fs::write(dir.join("empty.wasm"), b"").unwrap();
        assert!(open(&dir, "empty.wasm").unwrap_err().contains("is empty"));
        std::fs::write(dir.join("big.wasm"), vec![1u8; 2048]).unwrap();
        let e = open(&dir, "big.wasm").unwrap_err();
        assert!(e.contains("2048 bytes, over the 1024 byte cap (plugins.max_component_mb)"), "{e}");
        assert!(open(&dir, "missing.wasm").unwrap_err().contains("does not exist"));
    }

    #[test]
    fn a_plugin_directory_linked_from_elsewhere_is_refused() {
        let (root, dir) = plugin_dir();
        let elsewhere = tempfile::tempdir().unwrap();
        let linked = root.path().join("linked");
        std::os::unix::fs::symlink(elsewhere.path(), &linked).unwrap();
        assert!(check_plugin_dir(root.path(), &dir).is_ok());
        let e = check_plugin_dir(root.path(), &linked).unwrap_err().to_string();
        assert!(e.contains("outside the plugins directory"), "{e}");
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: a
/// reader (a watching gateway) sees the old file or the new one, never part of one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".zeroclaw-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    // A temporary file is its owner's alone; what is written here (plugin files, packages,
    // WIT) is not secret.
    #[cfg(unix)]
    tmp.as_file().set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))?;
    tmp.as_file().sync_data()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
