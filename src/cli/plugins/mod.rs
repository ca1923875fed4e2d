//! `zeroclaw plugins …`: list, author (new, build, validate, inspect), ship and trust
//! (pack, keygen, sign, verify, install, remove) and exercise (call, fire) plugins.

mod author;
mod exercise;
mod list;
mod package;
mod scaffold;
mod testing;

use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};

use super::CliError;
use crate::config::LoadedConfig;
use crate::plugins::manifest::{MANIFEST_FILE, Manifest, discover};

/// `zeroclaw plugins …`
#[derive(Debug, Subcommand)]
pub enum PluginsCommand {
    /// Print every entry of the current snapshot: kind, name, owner, priority, status.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Create a plugin (Rust crate, Python or JavaScript module) that builds and passes
    /// `plugins test` as is.
    New {
        /// The plugin id (lowercase letters, digits, `-`, `_`).
        name: String,
        /// What the plugin serves.
        #[arg(long, value_enum)]
        kind: Kind,
        /// The language it is written in.
        #[arg(long, value_enum, default_value = "rust")]
        lang: Lang,
        /// Where to create it (default: ./<name>).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Rust only: the zeroclaw-pdk crate to depend on (default: the one in this
        /// zeroclaw's source tree).
        #[arg(long)]
        pdk: Option<PathBuf>,
    },
    /// Build a plugin for wasm32-wasip2, install it into the plugins directory, validate it.
    ///
    /// The language is read off DIR: a Cargo.toml builds with cargo, an app.py with
    /// componentize-py, an app.js with componentize-qjs; the Python and JavaScript tools
    /// are installed into the user cache on first use. The installed plugin.toml gets the
    /// component's sha256; with a signing key (--key, or plugins.trust.signing_key) the
    /// plugin is signed too.
    Build {
        /// The plugin's sources (a Rust crate or workspace of crates, a Python or JavaScript plugin).
        dir: PathBuf,
        /// Install into this directory instead of the first of `plugins.dirs`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Sign the installed plugin with this key (a file `plugins keygen` wrote).
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Pack a built plugin directory (plugin.toml, component, plugin.sig) into one
    /// reproducible package file, with an index of their sha256.
    Pack {
        /// The plugin directory (as `plugins build` installs it).
        dir: PathBuf,
        /// The package file (default: ./<id>-<version>.zcpkg).
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
    /// Make an Ed25519 signing key: FILE (secret) and FILE.pub (the line operators add
    /// under [plugins.trust.keys]).
    Keygen {
        /// The secret key file (never overwritten).
        #[arg(short, long, default_value = "zeroclaw-signing.key")]
        out: PathBuf,
    },
    /// Sign a package or plugin directory: plugin.sig covers its plugin.toml and component.
    Sign {
        /// A package file or a plugin directory.
        target: PathBuf,
        /// The signing key (default: plugins.trust.signing_key).
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Check a package or plugin directory: its digests, its signature, and whether the
    /// trust policy (of the config, or of --key) accepts it.
    Verify {
        /// A package file or a plugin directory.
        target: PathBuf,
        /// Require a signature by this public key (a .pub file; repeatable) instead of
        /// the config's [plugins.trust].
        #[arg(long)]
        key: Vec<PathBuf>,
    },
    /// Verify a package (or plugin directory) under the trust policy, then install it as
    /// <plugins dir>/<id> in one step.
    Install {
        /// A package file or a plugin directory.
        source: PathBuf,
        /// The plugins directory (default: the first of `plugins.dirs`).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Replace an installed plugin even if it has another id or a higher version.
        #[arg(long)]
        force: bool,
    },
    /// Remove an installed plugin (in one step: a watching gateway unloads it once).
    Remove {
        /// The plugin id.
        id: String,
        /// The plugins directory (default: the first of `plugins.dirs`).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Validate a plugin: manifest, component, exports, versions, grants, self-check.
    Validate {
        /// A plugin directory or its plugin.toml.
        path: PathBuf,
    },
    /// Show a plugin's manifest, WIT imports and exports, capabilities, size and load costs.
    Inspect {
        /// A plugin id (searched in `plugins.dirs`), a plugin directory or a plugin.toml.
        plugin: String,
    },
    /// Ask a running gateway to reload its plugins (and its config's [plugins]).
    Reload {
        /// The gateway (default: http://<gateway.bind>).
        #[arg(long)]
        url: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Call one plugin tool from the shell.
    Call {
        /// The plugin id.
        id: String,
        /// The tool name.
        tool: String,
        /// The arguments, a JSON object.
        #[arg(default_value = "{}")]
        args: String,
    },
    /// Fire one hook at one plugin from the shell and print its outcome.
    Fire {
        /// The plugin id.
        id: String,
        /// The hook point, e.g. tool_result_persist.
        hook: String,
        /// The payload, a JSON object with the hook's payload fields.
        payload: String,
    },
    /// Write the self-contained WIT bundle of a kind into DIR: its package and deps/, the
    /// layout componentize-py (`-d DIR`), componentize-js and jco (`--wit DIR`) read.
    Wit {
        /// What the plugin serves.
        #[arg(long, value_enum)]
        kind: Kind,
        /// Where to write it (created if needed).
        dir: PathBuf,
    },
    /// Run a plugin's test cases (tests/*.toml), each in a fresh sandbox.
    ///
    /// DIR is a plugin's sources (a Rust crate, a Python or JavaScript plugin: built
    /// first) or a built plugin directory (plugin.toml and its component). Cases: [[hook]] point + payload -> expect = continue | modify |
    /// cancel | refused | error (expect_payload, expect_reason); [[tool]] tool + args ->
    /// expect_output or expect_error; [[provider]] provider + messages -> expect_reply or
    /// expect_error. Any case may set grant = [...] and config = {...}.
    Test {
        /// The plugin crate or directory.
        dir: PathBuf,
    },
    /// Print every hook point: kind, payload fields and types, what a rewrite may change
    /// and needs, what is redacted without conversation:read.
    Hooks {
        /// Print JSON instead of text.
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Print the Markdown page docs/hooks-reference.md.
        #[arg(long)]
        markdown: bool,
    },
}

impl Kind {
    /// The manifest's kind of the same name.
    pub fn plugin_kind(self) -> crate::plugins::manifest::PluginKind {
        use crate::plugins::manifest::PluginKind;
        match self {
            Kind::Hook => PluginKind::Hooks,
            Kind::Tool => PluginKind::Tools,
            Kind::Provider => PluginKind::Providers,
        }
    }

    /// `hook`, `tool` or `provider`.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Hook => "hook",
            Kind::Tool => "tool",
            Kind::Provider => "provider",
        }
    }
}

impl PluginsCommand {
    /// Whether the command runs a plugin for its author to watch (`call`, `fire`, `test`).
    pub fn watches_plugins(&self) -> bool {
        matches!(self, PluginsCommand::Call { .. } | PluginsCommand::Fire { .. } | PluginsCommand::Test { .. })
    }
}

/// The kind of plugin `plugins new` creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// A hook handler.
    Hook,
    /// A tool.
    Tool,
    /// A provider.
    Provider,
}

/// The language `plugins new` writes a plugin in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    /// A Rust crate using the PDK, built by cargo.
    Rust,
    /// A Python module, built by componentize-py.
    Python,
    /// A JavaScript module, built by componentize-qjs (QuickJS).
    Js,
}

impl Lang {
    /// The language's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Rust => "Rust",
            Lang::Python => "Python",
            Lang::Js => "JavaScript",
        }
    }
}

/// Runs a `plugins` subcommand.
pub async fn run(cmd: PluginsCommand, config: Option<&Path>) -> Result<(), CliError> {
    match cmd {
        PluginsCommand::List { json } => list::run(config, json).await,
        PluginsCommand::New { name, kind, lang, dir, pdk } => scaffold::run(config, &name, kind, lang, dir, pdk).await,
        PluginsCommand::Build { dir, out, key } => author::build(config, &dir, out, key).await,
        PluginsCommand::Pack { dir, out } => package::pack(config, &dir, out),
        PluginsCommand::Keygen { out } => package::keygen(&out),
        PluginsCommand::Sign { target, key } => package::sign(config, &target, key),
        PluginsCommand::Verify { target, key } => package::verify(config, &target, &key),
        PluginsCommand::Install { source, dir, force } => package::install(config, &source, dir, force),
        PluginsCommand::Remove { id, dir } => package::remove(config, &id, dir),
        PluginsCommand::Validate { path } => author::validate(config, &path).await,
        PluginsCommand::Inspect { plugin } => author::inspect(config, &plugin).await,
        PluginsCommand::Reload { url, json } => author::reload(config, url, json).await,
        PluginsCommand::Call { id, tool, args } => exercise::call(config, &id, &tool, &args).await,
        PluginsCommand::Fire { id, hook, payload } => exercise::fire(config, &id, &hook, &payload).await,
        PluginsCommand::Test { dir } => testing::run(&dir).await,
        PluginsCommand::Wit { kind, dir } => {
            let kind = kind.plugin_kind();
            let written = crate::plugins::contract::write_bundle(kind, &dir)
                .map_err(|e| CliError(format!("cannot write the WIT bundle into {}: {e}", dir.display())))?;
            for path in &written {
                println!("wrote {}", path.display());
            }
            println!(
                "world {} (componentize-py -d {dir} -w {world}; jco/componentize-js --wit {dir})",
                crate::plugins::contract::world(kind),
                dir = dir.display(),
                world = crate::plugins::contract::world(kind)
            );
            Ok(())
        }
        PluginsCommand::Hooks { json, markdown } => {
            let reference = crate::plugins::reference::reference();
            if json {
                println!("{}", serde_json::to_string_pretty(&reference)?);
            } else if markdown {
                print!("{}", crate::plugins::reference::markdown(&reference));
            } else {
                print!("{}", crate::plugins::reference::text(&reference));
            }
            Ok(())
        }
    }
}

/// A config with wasm plugins enabled: commands that exercise plugins load them even when
/// the operator's config keeps runtime loading off.
fn with_plugins_enabled(config: Option<&Path>) -> Result<LoadedConfig, CliError> {
    let mut loaded = LoadedConfig::discover(config)?;
    loaded.config.plugins.enabled = true;
    Ok(loaded)
}

/// The manifest of `plugin`: an installed plugin id first, else a `plugin.toml` or a
/// directory holding one (a crate's source directory often has the same name as its id).
fn find_manifest(config: &LoadedConfig, plugin: &str) -> Result<Manifest, CliError> {
    for candidate in discover(&config.plugin_dirs()) {
        if let Ok(manifest) = Manifest::load(&candidate)
            && manifest.id == plugin
        {
            return Ok(manifest);
        }
    }
    let path = Path::new(plugin);
    let manifest_path = if path.is_file() { path.to_path_buf() } else { path.join(MANIFEST_FILE) };
    if manifest_path.is_file() {
        return Ok(Manifest::load(&manifest_path)?);
    }
    let dirs: Vec<String> = config.plugin_dirs().iter().map(|d| d.display().to_string()).collect();
    Err(CliError(format!(
        "no plugin `{plugin}`: no installed plugin has that id (in {}) and it is not a path to a plugin.toml",
        if dirs.is_empty() { "plugins.dirs, which is empty".to_string() } else { dirs.join(", ") }
    )))
}
