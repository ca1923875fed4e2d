//! Where the host keeps its state (databases, kv, logs, caches), and getting it ready.
//!
//! By default the state lives outside the workspace, under the user's data directory
//! (`$XDG_DATA_HOME/zeroclaw/workspaces/<name>-<hash>`, else
//! `~/.local/share/zeroclaw/workspaces/<name>-<hash>`), one directory per workspace: the
//! file tools work in the workspace, and the host's state is not in it. A `.zeroclaw/` left
//! in the workspace by an older zeroclaw is moved there on the first start. With no home
//! directory at all the state stays in `<workspace>/.zeroclaw`, where the file tools still
//! refuse to reach it (see `tools::native::workspace`).

use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::xxh3_64;

/// The state directory an older zeroclaw used, inside the workspace.
pub const LEGACY_STATE_DIR: &str = ".zeroclaw";

fn non_empty(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// The user's data directory, if the environment names one.
fn data_home() -> Option<PathBuf> {
    non_empty("XDG_DATA_HOME").filter(|p| p.is_absolute()).or_else(|| non_empty("HOME").map(|h| h.join(".local/share")))
}

/// zeroclaw's directory in the user's cache (`$XDG_CACHE_HOME/zeroclaw`, else
/// `~/.cache/zeroclaw`): what can be rebuilt and is shared by every workspace (the plugin
/// build directory). `None` without a home directory.
pub fn user_cache_dir() -> Option<PathBuf> {
    let cache =
        non_empty("XDG_CACHE_HOME").filter(|p| p.is_absolute()).or_else(|| non_empty("HOME").map(|h| h.join(".cache")));
    cache.map(|c| c.join("zeroclaw"))
}

/// The default state directory of `workspace`.
pub fn default_state_dir(workspace: &Path) -> PathBuf {
    let Some(data) = data_home() else { return workspace.join(LEGACY_STATE_DIR) };
    let real = resolved(workspace);
    let name: String = real
        .file_name()
        .map(|n| n.to_string_lossy().chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).collect())
        .filter(|n: &String| !n.is_empty())
        .unwrap_or_else(|| "root".to_string());
    let hash = xxh3_64(real.as_os_str().as_encoded_bytes());
    data.join("zeroclaw").join("workspaces").join(format!("{name}-{hash:016x}"))
}

/// `path` with links resolved as far as it exists, the rest appended as written: a path
/// that does not exist yet resolves as it will once created (a workspace's hash, a host
/// file the file tools must recognise).
pub fn resolved(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) if !parent.as_os_str().is_empty() => resolved(parent).join(name),
        _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    }
}

/// Why the state directory (or the workspace it is named after) cannot be used: which
/// directory, what failed, and the OS error as the cause.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// A directory cannot be created.
    #[error("cannot create the {what} {}: {source}; {fix}", path.display())]
    Create {
        /// `state directory` or `workspace`.
        what: &'static str,
        /// The directory.
        path: PathBuf,
        /// What to set instead.
        fix: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// The state directory exists but cannot be written.
    #[error("the state directory {} is not writable: {source}; set state_dir to a writable directory", path.display())]
    NotWritable {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An older zeroclaw's state directory cannot be moved to the new place.
    #[error("cannot move the state directory {} to {}: {source}; move it by hand, or set state_dir", from.display(), to.display())]
    Migrate {
        /// The old place.
        from: PathBuf,
        /// The new place.
        to: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Makes `state_dir` ready: moves a legacy `<workspace>/.zeroclaw` into it when the state
/// dir is the default one and does not exist yet, creates it, and checks that it can be
/// written. The error says which directory and what to do.
pub fn prepare(state_dir: &Path, workspace: &Path, is_default: bool) -> Result<(), StateError> {
    let legacy = workspace.join(LEGACY_STATE_DIR);
    if is_default && legacy != state_dir && legacy.is_dir() {
        if state_dir.exists() {
            tracing::warn!(
                "both {} (an older zeroclaw's state) and {} exist; using the latter. Remove the former once nothing in it is needed",
                legacy.display(),
                state_dir.display()
            );
        } else {
            migrate(&legacy, state_dir)?;
        }
    }
    std::fs::create_dir_all(state_dir).map_err(|source| StateError::Create {
        what: "state directory",
        path: state_dir.to_path_buf(),
        fix: "set state_dir to a writable directory",
        source,
    })?;
    let probe = tempfile::Builder::new().prefix(".write-check").tempfile_in(state_dir);
    probe.map(drop).map_err(|source| StateError::NotWritable { path: state_dir.to_path_buf(), source })
}

/// Moves `from` to `to` (a rename; across file systems a copy, then the original removed).
fn migrate(from: &Path, to: &Path) -> Result<(), StateError> {
    let fail = |source: std::io::Error| StateError::Migrate { from: from.to_path_buf(), to: to.to_path_buf(), source };
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    if std::fs::rename(from, to).is_err() {
        // Across file systems: copied beside the target, then renamed into place, so an
        // interrupted copy is never taken for a finished one.
        let partial = to.with_extension("partial");
        let _ = std::fs::remove_dir_all(&partial);
        copy_tree(from, &partial).map_err(fail)?;
        std::fs::rename(&partial, to).map_err(fail)?;
        std::fs::remove_dir_all(from).map_err(fail)?;
    }
    tracing::info!("moved the state directory from {} to {} (out of the workspace)", from.display(), to.display());
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target)?;
        } else if kind.is_symlink() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_legacy_state_dir_moves_out_of_the_workspace_once() {
        let root = tempfile::tempdir().unwrap();
        let workspace = root.path().join("ws");
        std::fs::create_dir_all(workspace.join(".zeroclaw/cache")).unwrap();
        std::fs::write(workspace.join(".zeroclaw/memory.sqlite3"), b"db").unwrap();
        std::fs::write(workspace.join(".zeroclaw/cache/entry"), b"c").unwrap();
        let state = root.path().join("data/zeroclaw/workspaces/ws-1");
        prepare(&state, &workspace, true).unwrap();
        assert!(!workspace.join(".zeroclaw").exists(), "moved, not copied");
        assert_eq!(std::fs::read(state.join("memory.sqlite3")).unwrap(), b"db");
        assert_eq!(std::fs::read(state.join("cache/entry")).unwrap(), b"c");
        // A later start finds it in place; an explicit state_dir never moves anything.
        prepare(&state, &workspace, true).unwrap();
        std::fs::create_dir_all(workspace.join(".zeroclaw")).unwrap();
        prepare(&root.path().join("explicit"), &workspace, false).unwrap();
        assert!(workspace.join(".zeroclaw").exists());
    }

    #[test]
    fn an_unwritable_state_dir_is_a_clear_error() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("not-a-dir");
        std::fs::write(&file, b"x").unwrap();
        let e = prepare(&file.join("state"), root.path(), false).unwrap_err().to_string();
        assert!(e.contains("cannot create the state directory") && e.contains("set state_dir"), "{e}");
    }

    #[test]
    fn the_default_is_per_workspace_and_outside_it() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        if data_home().is_some() {
            assert_ne!(default_state_dir(&a), default_state_dir(&b));
            assert!(!default_state_dir(&a).starts_with(&a));
            assert_eq!(default_state_dir(&a), default_state_dir(&a), "stable");
        }
    }
}
