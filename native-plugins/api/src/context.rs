//! What a native factory receives: its config section, its directories, its logger.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::error::FactoryError;
use crate::host::HostLink;
use crate::owner::Owner;

/// A logger that prefixes every line with the plugin's owner.
///
/// Lines go to `tracing` with a `plugin` field, so they can be filtered per plugin.
#[derive(Clone, Debug)]
pub struct PluginLogger {
    owner: String,
}

impl PluginLogger {
    /// A logger for `owner`.
    pub fn new(owner: &Owner) -> Self {
        PluginLogger { owner: owner.to_string() }
    }

    /// Logs at debug level.
    pub fn debug(&self, message: &str) {
        tracing::debug!(plugin = %self.owner, "{message}");
    }

    /// Logs at info level.
    pub fn info(&self, message: &str) {
        tracing::info!(plugin = %self.owner, "{message}");
    }

    /// Logs at warn level.
    pub fn warn(&self, message: &str) {
        tracing::warn!(plugin = %self.owner, "{message}");
    }

    /// Logs at error level.
    pub fn error(&self, message: &str) {
        tracing::error!(plugin = %self.owner, "{message}");
    }
}

/// Everything a native plugin factory gets from the host.
#[derive(Clone, Debug)]
pub struct PluginContext {
    owner: Owner,
    config: serde_json::Value,
    workspace_dir: PathBuf,
    state_dir: PathBuf,
    memory_path: PathBuf,
    host_files: Vec<PathBuf>,
    host: HostLink,
    logger: PluginLogger,
}

impl PluginContext {
    /// Builds a context. `config` is the plugin's own section (an empty object when the
    /// operator wrote none).
    pub fn new(owner: Owner, config: serde_json::Value, workspace_dir: PathBuf, state_dir: PathBuf) -> Self {
        let logger = PluginLogger::new(&owner);
        let memory_path = state_dir.join("memory.sqlite3");
        let host_files = vec![state_dir.clone()];
        PluginContext {
            owner,
            config,
            workspace_dir,
            state_dir,
            memory_path,
            host_files,
            host: HostLink::new(),
            logger,
        }
    }

    /// This context with the host's memory database at `path` (default:
    /// `<state_dir>/memory.sqlite3`).
    pub fn with_memory_path(mut self, path: PathBuf) -> Self {
        self.memory_path = path;
        self
    }

    /// This context with `paths` as the host's own files (see [`PluginContext::host_files`]).
    pub fn with_host_files(mut self, paths: Vec<PathBuf>) -> Self {
        self.host_files = paths;
        self
    }

    /// The host's own files and directories (state directory, memory database, compile
    /// cache, config file, plugin directories), wherever they lie: a tool must never read
    /// or write them, even when they sit inside the workspace.
    pub fn host_files(&self) -> &[PathBuf] {
        &self.host_files
    }

    /// This context linked to the host's services.
    pub fn with_host(mut self, host: HostLink) -> Self {
        self.host = host;
        self
    }

    /// The host's memory database (SQLite), where built-ins keep their tables.
    pub fn memory_path(&self) -> &Path {
        &self.memory_path
    }

    /// The host's services (live once the agent is up).
    pub fn host(&self) -> &HostLink {
        &self.host
    }

    /// Who this plugin is.
    pub fn owner(&self) -> &Owner {
        &self.owner
    }

    /// The raw config section.
    pub fn raw_config(&self) -> &serde_json::Value {
        &self.config
    }

    /// The config section deserialised into the plugin's own type. Use
    /// `#[serde(deny_unknown_fields, default)]` on it so typos are reported, not ignored.
    pub fn config<T: DeserializeOwned>(&self) -> Result<T, FactoryError> {
        serde_json::from_value(self.config.clone()).map_err(|e| FactoryError::Config(e.to_string()))
    }

    /// The agent's workspace: where tools read and write and where BOOT.md lives.
    pub fn workspace_dir(&self) -> &Path {
        &self.workspace_dir
    }

    /// The host's state directory (databases, logs, caches), inside or beside the workspace.
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// The plugin's logger.
    pub fn logger(&self) -> &PluginLogger {
        &self.logger
    }
}
