//! The file watcher behind `plugins.hot_reload`: a change in a plugin directory or in the
//! config file triggers a reload, once the files have been quiet for the debounce time.
//!
//! Events arriving during the quiet wait restart it; events arriving during a reload
//! coalesce into one more reload (a file may have changed after the reload read it).
//! A plugin whose files are still being written (changed within the debounce time) is not
//! read: the reload reports it as settling, and the watcher reloads again after another
//! debounce, until every plugin has settled. So a half-copied component is never loaded.
//!
//! The quiet wait is not idle: once the files have been quiet for 100 ms (or a quarter of
//! it, if shorter), the changed plugins' components are compiled into the cache, so the
//! reload at its end loads them in a fraction of a millisecond instead of compiling them.

use std::collections::BTreeSet;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;

use super::reload::ReloadReport;

/// Runs one reload (with the settle time it is given) and reports.
pub type ReloadFn = Arc<dyn Fn(Duration) -> Pin<Box<dyn Future<Output = ReloadReport> + Send>> + Send + Sync>;

/// The longest quiet time before the changed components are compiled (a quarter of the
/// debounce when that is shorter): a copy in progress writes more often than this.
const PREPARE_AFTER: Duration = Duration::from_millis(100);

/// Prepares a reload of the plugins whose files are among the changed paths (compiles
/// their components into the cache).
pub type PrepareFn = Arc<dyn Fn(Vec<PathBuf>) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// The running watcher; stops when dropped.
pub struct WatchHandle {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Why the watcher cannot start.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The OS watcher cannot be created.
    #[error("cannot start the file watcher: {0}")]
    Start(#[source] notify::Error),
    /// A plugin directory to watch does not exist and cannot be created.
    #[error("cannot create plugin directory {}: {source}", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A directory cannot be watched.
    #[error("cannot watch {}: {source}", dir.display())]
    Watch {
        /// The directory.
        dir: PathBuf,
        /// Why.
        source: notify::Error,
    },
}

/// Watches `dirs` (recursively; created if missing) and `config_file` (if any). After a
/// burst of changes, runs `prepare` once the files have been quiet for [`PREPARE_AFTER`]
/// (or a quarter of `debounce`, if shorter), and `reload` once they have been quiet for
/// all of `debounce`. Changes during a reload make one more.
pub fn watch(
    dirs: &[PathBuf],
    config_file: Option<&Path>,
    debounce: Duration,
    prepare: PrepareFn,
    reload: ReloadFn,
) -> Result<WatchHandle, WatchError> {
    let (events, mut changes) = mpsc::unbounded_channel::<Vec<PathBuf>>();
    let config_file = config_file.map(Path::to_path_buf);
    let config_name = config_file.as_ref().and_then(|f| f.file_name().map(|n| n.to_os_string()));
    let dir_roots: Vec<PathBuf> = dirs.to_vec();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        let in_dirs: Vec<PathBuf> =
            event.paths.iter().filter(|p| dir_roots.iter().any(|d| p.starts_with(d))).cloned().collect();
        let config_changed = event
            .paths
            .iter()
            .any(|p| config_name.as_ref().is_some_and(|name| p.file_name() == Some(name.as_os_str())));
        if !in_dirs.is_empty() || config_changed {
            let _ = events.send(in_dirs);
        }
    })
    .map_err(WatchError::Start)?;
    for dir in dirs {
        if !dir.exists() {
            std::fs::create_dir_all(dir).map_err(|e| WatchError::CreateDir { dir: dir.clone(), source: e })?;
            tracing::info!("created plugin directory {} to watch it", dir.display());
        }
        watcher.watch(dir, RecursiveMode::Recursive).map_err(|e| WatchError::Watch { dir: dir.clone(), source: e })?;
    }
    if let Some(parent) = config_file.as_ref().and_then(|f| f.parent()) {
        watcher
            .watch(parent, RecursiveMode::NonRecursive)
            .map_err(|e| WatchError::Watch { dir: parent.to_path_buf(), source: e })?;
    }
    let prepare_after = (debounce / 4).min(PREPARE_AFTER);
    let task = tokio::spawn(async move {
        let _watcher = watcher;
        // Changes seen while a reload ran: they make one more reload.
        let mut pending: Option<BTreeSet<PathBuf>> = None;
        loop {
            let mut changed = match pending.take() {
                Some(changed) => changed,
                None => match changes.recv().await {
                    Some(paths) => paths.into_iter().collect(),
                    None => return,
                },
            };
            // Wait for the files to be quiet: `prepare_after`, then compile what changed
            // (in the background), then the rest of the debounce. A change restarts it.
            'quiet: loop {
                for (wait, then_prepare) in [(prepare_after, true), (debounce - prepare_after, false)] {
                    match tokio::time::timeout(wait, changes.recv()).await {
                        Ok(Some(paths)) => {
                            changed.extend(paths);
                            continue 'quiet;
                        }
                        Ok(None) => return,
                        Err(_) if then_prepare && !changed.is_empty() => {
                            tokio::spawn(prepare(std::mem::take(&mut changed).into_iter().collect()));
                        }
                        Err(_) => {}
                    }
                }
                break;
            }
            loop {
                let report = reload(debounce).await;
                let mut during = None::<BTreeSet<PathBuf>>;
                while let Ok(paths) = changes.try_recv() {
                    during.get_or_insert_default().extend(paths);
                }
                if during.is_some() {
                    // A file may have changed after the reload read it: wait and reload again.
                    pending = during;
                    break;
                }
                if report.settling.is_empty() {
                    break;
                }
                tokio::time::sleep(debounce).await;
            }
        }
    });
    Ok(WatchHandle { task })
}
