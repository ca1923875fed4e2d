//! `zeroclaw config check|init`.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::CliError;
use crate::config::{ConfigSource, DEFAULT_CONFIG, LoadedConfig};
use crate::plugins::PluginRuntime;
use crate::providers::unresolved_names;

/// `zeroclaw config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate a config file (default: the one zeroclaw would load); exits non-zero on error.
    Check {
        /// The file to check.
        file: Option<PathBuf>,
    },
    /// Write a commented default config.
    Init {
        /// Where to write it.
        #[arg(default_value = "zeroclaw.toml")]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

/// Runs a `config` subcommand.
pub async fn run(cmd: ConfigCommand, global: Option<&Path>) -> Result<(), CliError> {
    match cmd {
        ConfigCommand::Check { file } => {
            let loaded = LoadedConfig::discover(file.as_deref().or(global))?;
            // Building the snapshot runs every native factory on its config section and
            // loads every enabled plugin, so their errors are caught here too.
            let runtime = PluginRuntime::start(loaded.clone()).await?;
            let snapshot = runtime.snapshot();
            for d in snapshot.diagnostics() {
                println!("note: {}: {}", d.plugin, d.message);
            }
            let config = &loaded.config;
            let unresolved = unresolved_names(&snapshot, &config.agent, &config.providers);
            if !unresolved.is_empty() {
                return Err(CliError(format!("{}: {}", loaded.display_path(), unresolved.join("; "))));
            }
            match &loaded.source {
                ConfigSource::File(path) => println!("{}: ok", path.display()),
                ConfigSource::Defaults => println!("no config file found; the defaults are valid"),
            }
            Ok(())
        }
        ConfigCommand::Init { path, force } => {
            if path.exists() && !force {
                return Err(CliError(format!("{} already exists; pass --force to overwrite it", path.display())));
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| CliError(format!("cannot create {}: {e}", dir.display())))?;
            }
            std::fs::write(&path, DEFAULT_CONFIG)
                .map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))?;
            println!("wrote {}", path.display());
            Ok(())
        }
    }
}
