//! What a native factory receives: its config section, its directories, its logger.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::error::FactoryError;
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
    logger: PluginLogger,
}

impl PluginContext {
    /// Builds a context. `config` is the plugin's own section (an empty object when the
    /// operator wrote none).
    pub fn new(owner: Owner, config: serde_json::Value, workspace_dir: PathBuf, state_dir: PathBuf) -> Self {
        let logger = PluginLogger::new(&owner);
        PluginContext { owner, config, workspace_dir, state_dir, logger }
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
