//! zeroclaw-plugin-test: test a zeroclaw wasm plugin from its own `cargo test`.
//!
//! A plugin's code calls host imports (`log`, `config`, `kv`) that do not exist when the
//! crate is compiled for the machine running `cargo test`. This crate tests the real thing
//! instead: it builds the crate into a WebAssembly component (`wasm32-wasip2`, release,
//! in the build directory every plugin crate shares), loads it the way the host loads it,
//! alone, in a sandbox of its own (a fresh state directory and kv store, the capabilities
//! you grant, the config you set), and lets the test fire hooks, call tools and chat with
//! providers, and read what the plugin logged and stored.
//!
//! ```no_run
//! use zeroclaw_plugin_test::{Fired, HookPayload, OutboundMessage, TestPlugin};
//!
//! let plugin = TestPlugin::build(env!("CARGO_MANIFEST_DIR")).unwrap();
//! let sent = HookPayload::MessageSending(OutboundMessage {
//!     channel: "cli".into(),
//!     recipient: "me".into(),
//!     content: "hi".into(),
//! });
//! let Fired::Modify(HookPayload::MessageSending(reply)) = plugin.fire(sent).unwrap() else { panic!() };
//! assert_eq!(reply.content, "HI");
//! ```
//!
//! Calls are synchronous (each runs on a runtime of its own): call them from plain
//! `#[test]` functions, or from `tokio::task::spawn_blocking` inside an async test (a
//! runtime cannot be started inside another). Everything is checked as in a real turn:
//! the right to rewrite a hook's payload, the redaction of conversation content without
//! `conversation:read`, the tool's schema.
#![deny(missing_docs)]

mod capture;

use std::path::{Path, PathBuf};

/// Re-exported for tests that build JSON arguments and configs.
pub use serde_json;
pub use zeroclaw::plugins::trial::{Fired, Trial};
pub use zeroclaw_plugin_api::*;

use zeroclaw::capability::Capability;
use zeroclaw::plugins::build::{BuildOptions, build, plugin_target_dir};
use zeroclaw::plugins::trial::{TrialOptions, TrialPlugin};

pub use capture::LogLine;

/// A built plugin, and how the next calls' sandbox is set up.
pub struct TestPlugin {
    plugin: TrialPlugin,
    options: TrialOptions,
    logs: capture::Logs,
}

impl TestPlugin {
    /// Builds the plugin at `crate_dir` (pass `env!("CARGO_MANIFEST_DIR")` from a Rust
    /// crate; a Python or JavaScript plugin's directory works too) for `wasm32-wasip2` and
    /// installs it into a directory of its own. What the build needs (the wasm target, a
    /// componentize tool) is installed first if missing. Fails with the build tool's
    /// output when the plugin does not build.
    pub fn build(crate_dir: impl AsRef<Path>) -> Result<TestPlugin, String> {
        let crate_dir = crate_dir.as_ref();
        // Not the target directory of the `cargo test` that runs this: a build there
        // would wait on the lock of the cargo that runs the tests.
        let target = plugin_target_dir().unwrap_or_else(|| crate_dir.join("target").join("zeroclaw-plugin"));
        Self::build_in(crate_dir, &target)
    }

    /// Like [`build`](Self::build), in the cargo build directory `target_dir` (one a CI
    /// cache keeps, or one shared with other guest builds).
    pub fn build_in(crate_dir: impl AsRef<Path>, target_dir: &Path) -> Result<TestPlugin, String> {
        let crate_dir = crate_dir.as_ref();
        let options = BuildOptions { target_dir: Some(target_dir.to_path_buf()), quiet: true };
        let built = build(crate_dir, &options, &mut |message| eprintln!("{message}")).map_err(|e| e.to_string())?;
        let resolved = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let crate_dir = resolved(crate_dir);
        let plugin = built
            .into_iter()
            .find(|b| b.manifest.parent().map(resolved).as_deref() == Some(crate_dir.as_path()))
            .ok_or_else(|| {
                format!(
                    "{} is not a plugin crate (a cdylib with a plugin.toml beside its Cargo.toml)",
                    crate_dir.display()
                )
            })?;
        Self::install(&plugin.component, &plugin.manifest)
    }

    /// Loads a plugin that is already built: `plugin.toml` and its component beside it
    /// (a Python or JavaScript plugin, or a component built by hand).
    pub fn load(plugin_dir: impl AsRef<Path>) -> Result<TestPlugin, String> {
        let manifest = plugin_dir.as_ref().join("plugin.toml");
        let parsed = zeroclaw::plugins::manifest::Manifest::load(&manifest).map_err(|e| e.to_string())?;
        let component = parsed.component.clone(); // resolved against the manifest's directory
        Self::install(&component, &manifest)
    }

    fn install(component: &Path, manifest: &Path) -> Result<TestPlugin, String> {
        let plugin = TrialPlugin { manifest: manifest.to_path_buf(), component: component.to_path_buf() };
        let options = TrialOptions {
            compile_cache: zeroclaw::config::state::user_cache_dir().map(|c| c.join("test-compile-cache")),
            ..TrialOptions::default()
        };
        Ok(TestPlugin { plugin, options, logs: capture::Logs::default() })
    }

    /// Opens `http:outbound` to `hosts` (`host[:port]`, as `plugins.entries.<id>.http_allow`).
    pub fn http_allow<'a>(mut self, hosts: impl IntoIterator<Item = &'a str>) -> TestPlugin {
        self.options.http_allow = hosts.into_iter().map(str::to_string).collect();
        self
    }

    /// The directories `fs:read` opens (`fs_read`).
    pub fn fs_read(mut self, dirs: impl IntoIterator<Item = impl Into<PathBuf>>) -> TestPlugin {
        self.options.fs_read = dirs.into_iter().map(Into::into).collect();
        self
    }

    /// The directories `fs:write` opens (`fs_write`).
    pub fn fs_write(mut self, dirs: impl IntoIterator<Item = impl Into<PathBuf>>) -> TestPlugin {
        self.options.fs_write = dirs.into_iter().map(Into::into).collect();
        self
    }

    /// The host variables `env` passes (`env`).
    pub fn env<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> TestPlugin {
        self.options.env = names.into_iter().map(str::to_string).collect();
        self
    }

    /// Grants exactly `capabilities` from now on (default: every one the manifest
    /// requests). A name that is no capability is an error naming it.
    pub fn grant<'a>(mut self, capabilities: impl IntoIterator<Item = &'a str>) -> Result<TestPlugin, String> {
        let granted = capabilities
            .into_iter()
            .map(|name| Capability::from_name(name).ok_or_else(|| format!("`{name}` is not a capability")))
            .collect::<Result<Vec<_>, _>>()?;
        self.options.grant = Some(granted);
        Ok(self)
    }

    /// Sets `plugins.entries.<id>.config` from now on.
    pub fn config(mut self, config: serde_json::Value) -> TestPlugin {
        self.options.config = Some(config);
        self
    }

    /// Fires `payload`'s hook at the plugin's handler, in a fresh sandbox.
    pub fn fire(&self, payload: HookPayload) -> Result<Fired, String> {
        self.session(async move |trial: &Trial| trial.fire(&payload).await)
    }

    /// Calls the plugin's tool `tool` with `args`, in a fresh sandbox.
    pub fn call(&self, tool: &str, args: serde_json::Value) -> Result<String, String> {
        self.session(async move |trial: &Trial| trial.call(tool, &args).await)
    }

    /// Sends `request` to the plugin's provider `provider`, in a fresh sandbox.
    pub fn chat(&self, provider: &str, request: ChatRequest) -> Result<ChatResponse, String> {
        self.session(async move |trial: &Trial| trial.chat(provider, &request).await)
    }

    /// Runs several calls in one fresh sandbox, so what one stores in kv the next reads
    /// (and [`Trial::kv`] shows it), and returns what `calls` returned.
    pub fn session<T, F>(&self, calls: F) -> Result<T, String>
    where
        F: AsyncFnOnce(&Trial) -> Result<T, String>,
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a runtime: {e}"))?;
        // One thread runs the plugin (a current-thread runtime), so a subscriber scoped to
        // it sees every line the plugin logs, and nothing from other tests.
        tracing::subscriber::with_default(self.logs.subscriber(), || {
            runtime.block_on(async {
                let trial = Trial::start(&self.plugin, &self.options).await?;
                calls(&trial).await
            })
        })
    }

    /// Every line the plugin logged through `zeroclaw_pdk::log` so far, oldest first.
    pub fn logs(&self) -> Vec<LogLine> {
        self.logs.lines()
    }
}
