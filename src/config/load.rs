//! Finding, reading and checking the config file.
//!
//! Lookup order: `--config FILE`, else `./zeroclaw.toml`, else `~/.zeroclaw/config.toml`,
//! else built-in defaults. Every error is one line that names the file, the line and the
//! key, and says what is allowed.

use std::ops::Range;
use std::path::{Path, PathBuf};

use thiserror::Error;
use zeroclaw_plugin_api::{HookRegistration, ProviderRegistration, ToolRegistration};

use super::location::locate;
use super::schema::{Config, PluginEntry};

/// Where the config came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigSource {
    /// A file on disk.
    File(PathBuf),
    /// No file was found; built-in defaults.
    Defaults,
}

/// A config that failed to load.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read config: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the schema.
    #[error("{location}: {message}")]
    Invalid {
        /// `file:line:column`, plus the table when known.
        location: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

/// A parsed, checked config and where it came from.
#[derive(Clone, Debug)]
pub struct LoadedConfig {
    /// The settings.
    pub config: Config,
    /// The file it came from.
    pub source: ConfigSource,
    /// Relative paths in the config resolve against this directory.
    pub base_dir: PathBuf,
    text: String,
}

/// Whether `path` belongs to the user running this process (on Linux, `/proc/self` is
/// owned by the process's effective user; elsewhere every file counts as the user's).
fn owned_by_this_user(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(file), Ok(me)) = (std::fs::metadata(path), std::fs::metadata("/proc/self")) {
            return file.uid() == me.uid();
        }
    }
    let _ = path;
    true
}

impl LoadedConfig {
    /// Finds and loads the config: `explicit`, else `zeroclaw.toml` in the working
    /// directory or the nearest directory above it, else `~/.zeroclaw/config.toml`, else
    /// defaults.
    pub fn discover(explicit: Option<&Path>) -> Result<Self, ConfigError> {
        if let Some(path) = explicit {
            return Self::from_file(path);
        }
        let local = PathBuf::from("zeroclaw.toml");
        if local.is_file() {
            return Self::from_file(&local);
        }
        // As cargo finds Cargo.toml: then each directory above, so a command run inside a
        // plugin crate uses the project's config. A file above that another user owns is
        // not used: a config grants plugins capabilities, so only yours may.
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        for found in cwd.ancestors().skip(1).map(|dir| dir.join("zeroclaw.toml")).filter(|f| f.is_file()) {
            if owned_by_this_user(&found) {
                return Self::from_file(&found);
            }
            tracing::warn!("{} belongs to another user; not using it as the config", found.display());
        }
        if let Some(home) = std::env::var_os("HOME") {
            let user = PathBuf::from(home).join(".zeroclaw").join("config.toml");
            if user.is_file() {
                return Self::from_file(&user);
            }
        }
        Ok(Self::defaults(cwd))
    }

    /// Built-in defaults, with relative paths resolved against `base_dir`.
    pub fn defaults(base_dir: PathBuf) -> Self {
        LoadedConfig { config: Config::default(), source: ConfigSource::Defaults, base_dir, text: String::new() }
    }

    /// Loads one file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Self::parse(&text, path)
    }

    /// Parses `text` as if read from `path` (used in messages and to resolve paths).
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            invalid(path, text, span, e.message())
        })?;
        let base_dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let base_dir = std::path::absolute(&base_dir).unwrap_or(base_dir);
        let loaded =
            LoadedConfig { config, source: ConfigSource::File(path.to_path_buf()), base_dir, text: text.to_string() };
        loaded.check_native_names()?;
        Ok(loaded)
    }

    /// Builds a loaded config from a value (tests, `demo`), as if it came from defaults.
    pub fn from_config(config: Config, base_dir: PathBuf) -> Self {
        LoadedConfig { config, source: ConfigSource::Defaults, base_dir, text: String::new() }
    }

    /// Checks `hooks.builtin.*` and `[native.*]` against the native plugins linked in.
    fn check_native_names(&self) -> Result<(), ConfigError> {
        let mut hook_plugins: Vec<&str> = HookRegistration::all().map(|r| r.plugin).collect();
        hook_plugins.sort_unstable();
        hook_plugins.dedup();
        for (name, value) in &self.config.hooks.builtin {
            if !hook_plugins.contains(&name.as_str()) {
                return Err(self.error_at(
                    value.span(),
                    format!("hooks.builtin.{name}: no such built-in hook; known: {}", hook_plugins.join(", ")),
                ));
            }
        }
        let mut natives: Vec<&str> = HookRegistration::all()
            .map(|r| r.plugin)
            .chain(ToolRegistration::all().map(|r| r.plugin))
            .chain(ProviderRegistration::all().map(|r| r.plugin))
            .collect();
        natives.sort_unstable();
        natives.dedup();
        for (name, section) in &self.config.native {
            if !natives.contains(&name.as_str()) {
                return Err(self.error_at(
                    section.span(),
                    format!("[native.{name}]: no native plugin has this name; known: {}", natives.join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// An error located at `span` of this config's text.
    pub fn error_at(&self, span: Range<usize>, message: String) -> ConfigError {
        let path = match &self.source {
            ConfigSource::File(path) => path.clone(),
            ConfigSource::Defaults => PathBuf::from("<defaults>"),
        };
        invalid(&path, &self.text, span, &message)
    }

    /// The file name for messages (`<defaults>` when there is none).
    pub fn display_path(&self) -> String {
        match &self.source {
            ConfigSource::File(path) => path.display().to_string(),
            ConfigSource::Defaults => "<defaults>".to_string(),
        }
    }

    /// Resolves a configured path against the config's directory.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        let joined = if path.is_absolute() { path.to_path_buf() } else { self.base_dir.join(path) };
        // Drops `.` components (`/a/./b` → `/a/b`); `..` stays, as the filesystem means it.
        std::path::absolute(&joined).unwrap_or(joined)
    }

    /// The agent's workspace directory.
    pub fn workspace_dir(&self) -> PathBuf {
        self.config.workspace.as_deref().map_or_else(|| self.base_dir.clone(), |p| self.resolve(p))
    }

    /// The host's state directory: `state_dir` when set, else a directory of this
    /// workspace's own under the user's data directory (see [`super::state`]).
    pub fn state_dir(&self) -> PathBuf {
        match &self.config.state_dir {
            Some(dir) => self.resolve(dir),
            None => super::state::default_state_dir(&self.workspace_dir()),
        }
    }

    /// Makes the state directory ready before anything uses it: moves an older zeroclaw's
    /// `<workspace>/.zeroclaw` to the default place, creates it, checks it can be written.
    pub fn prepare_state_dir(&self) -> Result<PathBuf, super::state::StateError> {
        let workspace = self.workspace_dir();
        // The workspace first: the default state dir is named after its real path.
        std::fs::create_dir_all(&workspace).map_err(|source| super::state::StateError::Create {
            what: "workspace",
            path: workspace.clone(),
            fix: "fix workspace",
            source,
        })?;
        let dir = self.state_dir();
        super::state::prepare(&dir, &workspace, self.config.state_dir.is_none())?;
        Ok(dir)
    }

    /// The plugin directories, resolved.
    pub fn plugin_dirs(&self) -> Vec<PathBuf> {
        self.config.plugins.dirs.iter().map(|d| self.resolve(d)).collect()
    }

    /// The memory database, resolved.
    pub fn memory_path(&self) -> PathBuf {
        match &self.config.memory.path {
            Some(path) => self.resolve(path),
            None => self.state_dir().join("memory.sqlite3"),
        }
    }

    /// The host's own files and directories, which no tool may reach: the state directory,
    /// the memory database (and its `-wal`, `-shm`, `-journal` companions), the compile
    /// cache and its key, the signing key, the config file and the plugin directories.
    pub fn host_files(&self) -> Vec<PathBuf> {
        let memory = self.memory_path();
        // An older zeroclaw's state dir is protected too, wherever the state lives now.
        let legacy = self.workspace_dir().join(super::state::LEGACY_STATE_DIR);
        let mut files = vec![self.state_dir(), self.cache_dir(), self.cache_key_file(), legacy];
        // Whoever reads the signing key signs as its owner.
        files.extend(self.config.plugins.trust.signing_key.iter().map(|key| self.resolve(key)));
        // A plugin's secret must not be read back through a file tool (by the model, or by
        // a plugin calling `file_read`): the plugin it is for never sees it either.
        let secrets = self.config.plugins.entries.values().flat_map(|entry| entry.secrets.values());
        files.extend(secrets.filter_map(|secret| secret.file.as_deref()).map(|file| self.resolve(file)));
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = memory.clone().into_os_string();
            name.push(suffix);
            files.push(PathBuf::from(name));
        }
        if let ConfigSource::File(path) = &self.source {
            files.push(path.clone());
        }
        files.extend(self.plugin_dirs());
        files
    }

    /// The compile cache directory, resolved.
    pub fn cache_dir(&self) -> PathBuf {
        match &self.config.plugins.cache_dir {
            Some(dir) => self.resolve(dir),
            None => self.state_dir().join("cache"),
        }
    }

    /// The compile cache's key file, resolved (`plugins.cache_key_file`, else beside the
    /// cache directory: `<cache_dir>.key`, so `<state_dir>/cache.key` by default, and hosts
    /// sharing a cache directory share its key).
    pub fn cache_key_file(&self) -> PathBuf {
        match &self.config.plugins.cache_key_file {
            Some(file) => self.resolve(file),
            None => {
                let mut file = self.cache_dir().into_os_string();
                file.push(".key");
                PathBuf::from(file)
            }
        }
    }

    /// The trust policy of `[plugins.trust]`.
    pub fn trust_policy(&self) -> crate::trust::TrustPolicy<'_> {
        let trust = &self.config.plugins.trust;
        crate::trust::TrustPolicy { require_signature: trust.require_signature, keys: &trust.keys }
    }

    /// A native plugin's config section as JSON (an empty object when absent).
    pub fn native_section(&self, plugin: &str) -> serde_json::Value {
        self.config
            .native
            .get(plugin)
            .and_then(|table| serde_json::to_value(table.get_ref()).ok())
            .unwrap_or_else(|| serde_json::Value::Object(Default::default()))
    }

    /// A native plugin's section span, to locate errors its factory reports.
    pub fn native_section_span(&self, plugin: &str) -> Option<Range<usize>> {
        self.config.native.get(plugin).map(|s| s.span())
    }

    /// The operator entry of a wasm plugin (defaults when absent).
    pub fn entry(&self, id: &str) -> PluginEntry {
        self.config.plugins.entries.get(id).cloned().unwrap_or_default()
    }

    /// Whether the built-in hook plugin `name` runs (its switch, else its own default).
    pub fn builtin_enabled(&self, name: &str, enabled_by_default: bool) -> bool {
        self.config.hooks.enabled && self.config.hooks.builtin.get(name).map_or(enabled_by_default, |v| *v.get_ref())
    }
}

fn invalid(path: &Path, text: &str, span: Range<usize>, message: &str) -> ConfigError {
    ConfigError::Invalid { location: locate(path, text, span), message: one_line(message) }
}

/// Folds a multi-line message (TOML errors have several) into one line.
pub fn one_line(message: &str) -> String {
    message.trim_end().replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<LoadedConfig, ConfigError> {
        LoadedConfig::parse(text, Path::new("/etc/zc/zeroclaw.toml"))
    }

    #[test]
    fn a_trusted_key_under_another_id_or_a_bad_pin_is_a_config_error_at_its_line() {
        let key = crate::trust::SigningKey::generate().unwrap().public();
        let text = format!("[plugins.trust.keys]\n\"0011223344556677\" = \"{}\"\n", key.to_base64());
        let error = parse(&text).unwrap_err().to_string();
        assert!(error.starts_with("/etc/zc/zeroclaw.toml:1"), "{error}");
        assert!(error.contains(&format!("has id `{}`", key.id())), "{error}");
        let good = format!("[plugins.trust.keys]\n\"{}\" = \"{}\"\n", key.id(), key.to_base64());
        assert!(parse(&good).unwrap().config.plugins.trust.keys.get(&key.id()).is_some());
        let error = parse("[plugins.entries.x]\nsha256 = \"abc\"\n").unwrap_err().to_string();
        assert!(error.contains("/etc/zc/zeroclaw.toml:2") && error.contains("is not a sha256 digest"), "{error}");
    }

    #[test]
    fn unknown_key_fails_with_file_line_and_table() {
        let err = parse("[plugins]\nenabled = true\nhot_relaod = true\n").unwrap_err().to_string();
        assert!(err.starts_with("/etc/zc/zeroclaw.toml:3:1 in [plugins]: "), "{err}");
        assert!(err.contains("unknown field `hot_relaod`"), "{err}");
        assert!(err.contains("hot_reload"), "the message lists what is allowed: {err}");
        assert!(!err.contains('\n'), "one line: {err}");
    }

    #[test]
    fn mistyped_value_fails_with_file_and_line() {
        let err = parse("[plugins.limits]\n\ntimeout_ms = \"fast\"\n").unwrap_err().to_string();
        assert!(err.starts_with("/etc/zc/zeroclaw.toml:3:14 in [plugins.limits]: "), "{err}");
        assert!(err.contains("invalid type"), "{err}");
    }

    #[test]
    fn unknown_capability_lists_the_known_ones() {
        let err = parse("[plugins.entries.x]\ngrant = [\"kv\", \"root\"]\n").unwrap_err().to_string();
        assert!(err.contains(":2:"), "{err}");
        assert!(err.contains("unknown variant `root`") && err.contains("http:outbound"), "{err}");
    }

    #[test]
    fn unknown_builtin_is_refused_with_its_line() {
        let err = parse("[hooks.builtin]\ncommand_loger = true\n").unwrap_err().to_string();
        assert!(err.contains("zeroclaw.toml:2:"), "{err}");
        assert!(err.contains("hooks.builtin.command_loger") && err.contains("command_logger"), "{err}");
    }

    #[test]
    fn relative_paths_resolve_against_the_config_directory() {
        let loaded = parse("workspace = \"ws\"\n[plugins]\ndirs = [\"p\", \"/abs\"]\n").unwrap();
        assert_eq!(loaded.workspace_dir(), PathBuf::from("/etc/zc/ws"));
        assert!(!loaded.state_dir().starts_with("/etc/zc/ws"), "the default state is outside the workspace");
        assert_eq!(loaded.plugin_dirs(), vec![PathBuf::from("/etc/zc/p"), PathBuf::from("/abs")]);
        assert_eq!(loaded.cache_dir(), loaded.state_dir().join("cache"));
        assert_eq!(loaded.cache_key_file(), loaded.state_dir().join("cache.key"));
        let explicit = parse("workspace = \"ws\"\nstate_dir = \"st\"\n").unwrap();
        assert_eq!(explicit.state_dir(), PathBuf::from("/etc/zc/st"));
    }

    #[test]
    fn a_secret_file_is_a_host_file_no_tool_reaches() {
        let loaded = parse("[plugins.entries.p.secrets.t]\nfile = \"ws/token\"\nhosts = [\"a.com\"]\n").unwrap();
        assert!(loaded.host_files().contains(&PathBuf::from("/etc/zc/ws/token")), "{:?}", loaded.host_files());
    }

    #[test]
    fn builtin_switch_overrides_the_plugin_default_and_hooks_enabled_overrides_both() {
        let loaded = parse("[hooks.builtin]\ncommand_logger = true\n").unwrap();
        assert!(loaded.builtin_enabled("command_logger", false));
        let loaded = parse("[hooks]\nenabled = false\n[hooks.builtin]\ncommand_logger = true\n").unwrap();
        assert!(!loaded.builtin_enabled("command_logger", true));
    }
}
