//! The workspace as the file tools see it: paths resolved beneath it by the OS, never
//! reaching the host's own files.
//!
//! Resolution goes through a `cap-std` directory handle: on Linux the kernel resolves each
//! path with `openat2(RESOLVE_BENEATH)` (cap-std resolves component by component where that
//! is missing), so `..`, absolute paths, symlinks leading out (dangling ones included) and
//! links swapped in mid-way cannot leave the workspace. The host's own files (state
//! directory, memory database, compile cache, config file, plugin directories) may sit
//! inside the workspace; what a path opened is checked by the real path of the opened
//! handle, so no spelling or link reaches them. A file is written only through a parent
//! directory checked the same way, and never through a symlink.

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use cap_fs_ext::{FollowSymlinks, OpenOptionsFollowExt};
use cap_std::fs::{Dir, OpenOptions};
use zeroclaw_plugin_api::ToolError;

use crate::config::state::resolved;

/// The workspace root and the host files inside it that no tool may reach.
pub struct Workspace {
    root: Dir,
    /// Real paths of the host's files and directories (see [`Workspace::open`]).
    host_files: Vec<PathBuf>,
}

impl Workspace {
    /// Opens `root`. `host_files` are the host's own paths (existing or not); each is
    /// resolved to its real path, so a link to one is recognised.
    pub fn open(root: &Path, host_files: &[PathBuf]) -> std::io::Result<Self> {
        std::fs::create_dir_all(root)?;
        let dir = Dir::open_ambient_dir(root, cap_std::ambient_authority())?;
        Ok(Workspace { root: dir, host_files: host_files.iter().map(|p| resolved(p)).collect() })
    }

    /// Reads at most `max` bytes of `relative`; returns them and the file's full size.
    pub fn read(&self, relative: &str, max: usize) -> Result<(Vec<u8>, u64), ToolError> {
        let path = checked_relative(relative)?;
        let file = self.root.open(path).map_err(|e| denied_or_failed(relative, e))?;
        self.refuse_host_file(relative, &file)?;
        let mut file = file.into_std();
        let size = file.metadata().map_err(|e| failed(relative, e))?.len();
        if !file.metadata().map_err(|e| failed(relative, e))?.is_file() {
            return Err(ToolError::Execution(format!("`{relative}` is not a regular file")));
        }
        let mut bytes = Vec::new();
        (&mut file).take(max as u64).read_to_end(&mut bytes).map_err(|e| failed(relative, e))?;
        Ok((bytes, size))
    }

    /// Creates or replaces `relative` with `content`, creating its parent directories.
    pub fn write(&self, relative: &str, content: &[u8]) -> Result<(), ToolError> {
        let path = checked_relative(relative)?;
        let name = path.file_name().ok_or_else(|| denied(format!("`{relative}` names no file")))?;
        let parent = self.parent_dir(relative, path.parent().unwrap_or(Path::new("")))?;
        // A host file that does not exist yet (a plugins dir not created) must not be
        // created here, even empty: check the name in the checked parent before opening.
        self.refuse(relative, handle_path(&parent).map(|dir| dir.join(name)))?;
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(false);
        // Never through a link: the parent was checked, the name must be a file in it.
        options.follow(FollowSymlinks::No);
        let file = parent.open_with(name, &options).map_err(|e| denied_or_failed(relative, e))?;
        self.refuse_host_file(relative, &file)?;
        let mut file = file.into_std();
        if !file.metadata().map_err(|e| failed(relative, e))?.is_file() {
            return Err(ToolError::Execution(format!("`{relative}` is not a regular file")));
        }
        file.set_len(0).map_err(|e| failed(relative, e))?;
        file.write_all(content).map_err(|e| failed(relative, e))
    }

    /// The directory `parent` (relative), created if missing, checked not to be nor lie in a
    /// host file. The deepest existing ancestor is checked before anything is created.
    fn parent_dir(&self, relative: &str, parent: &Path) -> Result<Dir, ToolError> {
        let mut existing = parent;
        let base = loop {
            if existing.as_os_str().is_empty() {
                break self.root.try_clone().map_err(|e| failed(relative, e))?;
            }
            match self.root.open_dir(existing) {
                Ok(dir) => break dir,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    existing = existing.parent().unwrap_or(Path::new(""));
                }
                Err(e) => return Err(denied_or_failed(relative, e)),
            }
        };
        self.refuse_host_dir(relative, &base)?;
        // `existing` is an ancestor of `parent` by construction.
        let rest = parent.strip_prefix(existing).unwrap_or(parent);
        if rest.as_os_str().is_empty() {
            return Ok(base);
        }
        base.create_dir_all(rest).map_err(|e| denied_or_failed(relative, e))?;
        let dir = base.open_dir(rest).map_err(|e| denied_or_failed(relative, e))?;
        self.refuse_host_dir(relative, &dir)?;
        Ok(dir)
    }

    fn refuse_host_file(&self, relative: &str, file: &cap_std::fs::File) -> Result<(), ToolError> {
        self.refuse(relative, handle_path(file))
    }

    fn refuse_host_dir(&self, relative: &str, dir: &Dir) -> Result<(), ToolError> {
        self.refuse(relative, handle_path(dir))
    }

    fn refuse(&self, relative: &str, opened: Option<PathBuf>) -> Result<(), ToolError> {
        let Some(opened) = opened else {
            return Err(denied(format!("`{relative}`: cannot tell where it leads, so it is refused")));
        };
        if self.host_files.iter().any(|host| opened.starts_with(host)) {
            return Err(denied(format!(
                "`{relative}` is part of the host's own files (state, memory, cache, config or plugins), which no tool may reach"
            )));
        }
        Ok(())
    }
}

/// `relative` as a path, refusing what can only mean outside: absolute paths, `..`, empty.
/// (The OS refuses the rest: links leading out.)
fn checked_relative(relative: &str) -> Result<&Path, ToolError> {
    let path = Path::new(relative);
    if relative.is_empty() || path.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
        return Err(denied(format!("`{relative}` is not a relative path inside the workspace")));
    }
    Ok(path)
}

/// The real path of an open handle (Linux: its `/proc/self/fd` link).
#[cfg(target_os = "linux")]
fn handle_path(handle: &impl std::os::fd::AsRawFd) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/self/fd/{}", handle.as_raw_fd())).ok()
}

#[cfg(not(target_os = "linux"))]
fn handle_path(_handle: &impl std::any::Any) -> Option<PathBuf> {
    // Without a way to name an open handle, nothing can be proven about it.
    None
}

fn denied(message: String) -> ToolError {
    ToolError::Denied(message)
}

fn failed(relative: &str, e: std::io::Error) -> ToolError {
    ToolError::Execution(format!("{relative}: {e}"))
}

/// An OS refusal to leave the workspace (or to follow a link) is a denial; the rest fail.
fn denied_or_failed(relative: &str, e: std::io::Error) -> ToolError {
    use std::io::ErrorKind;
    let leaves = matches!(e.kind(), ErrorKind::PermissionDenied)
        || e.raw_os_error().is_some_and(|code| code == libc::EXDEV || code == libc::ELOOP);
    if leaves {
        return denied(format!(
            "`{relative}` leads outside the workspace, or through a link this tool does not follow"
        ));
    }
    if e.kind() == ErrorKind::NotFound {
        return ToolError::Execution(format!("{relative}: no such file"));
    }
    failed(relative, e)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    fn workspace() -> (tempfile::TempDir, Workspace, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".zeroclaw");
        std::fs::create_dir_all(&state).unwrap();
        std::fs::write(state.join("memory.sqlite3"), b"SQLite format 3\0secret").unwrap();
        let ws = Workspace::open(dir.path(), &[state.clone(), dir.path().join("zeroclaw.toml")]).unwrap();
        (dir, ws, state)
    }

    fn is_denied<T: std::fmt::Debug>(result: Result<T, ToolError>) -> bool {
        matches!(result, Err(ToolError::Denied(_)))
    }

    #[test]
    fn files_inside_are_read_and_written() {
        let (dir, ws, _) = workspace();
        ws.write("notes/a.txt", b"hello").unwrap();
        assert_eq!(ws.read("notes/a.txt", 100).unwrap(), (b"hello".to_vec(), 5));
        ws.write("notes/a.txt", b"hi").unwrap();
        assert_eq!(std::fs::read(dir.path().join("notes/a.txt")).unwrap(), b"hi", "replaced, not appended");
        symlink("notes/a.txt", dir.path().join("alias.txt")).unwrap();
        assert_eq!(ws.read("alias.txt", 100).unwrap().0, b"hi", "a link that stays inside reads");
    }

    #[test]
    fn nothing_leaves_the_workspace() {
        let (dir, ws, _) = workspace();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), b"s").unwrap();
        symlink(outside.path(), dir.path().join("out")).unwrap();
        symlink(outside.path().join("not-yet"), dir.path().join("dangling")).unwrap();
        for bad in ["/etc/passwd", "../x", "a/../../x", "out/secret", ""] {
            assert!(is_denied(ws.read(bad, 10)), "read {bad}");
        }
        assert!(is_denied(ws.write("dangling", b"x")), "a dangling link is not followed");
        assert!(is_denied(ws.write("out/new", b"x")), "nor a directory link leading out");
        assert!(!outside.path().join("not-yet").exists() && !outside.path().join("new").exists());
    }

    #[test]
    fn the_hosts_files_are_never_reached() {
        let (dir, ws, state) = workspace();
        std::fs::write(dir.path().join("zeroclaw.toml"), b"[security]").unwrap();
        symlink(state.join("memory.sqlite3"), dir.path().join("innocent")).unwrap();
        for path in [".zeroclaw/memory.sqlite3", "./.zeroclaw/memory.sqlite3", "innocent", "zeroclaw.toml"] {
            assert!(is_denied(ws.read(path, 100)), "read {path}");
        }
        for path in [".zeroclaw/memory.sqlite3", ".zeroclaw/new/file", "innocent", "zeroclaw.toml"] {
            assert!(is_denied(ws.write(path, b"garbage")), "write {path}");
        }
        let missing = Workspace::open(dir.path(), &[dir.path().join("plugins")]).unwrap();
        assert!(is_denied(missing.write("plugins", b"x")), "a host path not created yet");
        assert!(!dir.path().join("plugins").exists(), "and not created by the refusal");
        assert_eq!(std::fs::read(state.join("memory.sqlite3")).unwrap(), b"SQLite format 3\0secret");
        assert!(!state.join("new").exists(), "nothing was created in the state dir");
    }
}
