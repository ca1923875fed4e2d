//! The command line: `zeroclaw <command>`.
//!
//! Each subcommand lives in its own module; this one parses arguments, sets up logging and
//! turns every error into one line on stderr and a non-zero exit code.

mod agent_cmd;
mod config_cmd;
mod demo;
mod memory_cmd;
mod plugins;
mod trace;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// zeroclaw: an agent host built around a plugin runtime.
#[derive(Debug, Parser)]
#[command(name = "zeroclaw", version, about)]
pub struct Cli {
    /// Config file (default: zeroclaw.toml here or in the nearest directory above, then
    /// ~/.zeroclaw/config.toml, then defaults).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect and manage plugins.
    #[command(subcommand)]
    Plugins(plugins::PluginsCommand),
    /// Check or create a config file.
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// Talk to the agent: one message with -m, or a session over stdin.
    Agent {
        /// Send this one message and print the reply.
        #[arg(short, long)]
        message: Option<String>,
        /// The session id.
        #[arg(long, default_value = "cli")]
        session: String,
        /// Print each hook handler call (hook, owner, outcome, time) on stderr as it happens.
        #[arg(long)]
        trace: bool,
    },
    /// Run a scripted conversation in which native and wasm hooks, tools and a provider act.
    Demo {
        /// Keep the demo workspace here (default: a temporary directory).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Inspect and manage what session_memory stored.
    #[command(subcommand)]
    Memory(memory_cmd::MemoryCommand),
    /// Serve the HTTP gateway until SIGINT or SIGTERM.
    Gateway {
        /// Listen here instead of gateway.bind.
        #[arg(long)]
        bind: Option<String>,
    },
}

impl Command {
    /// The log filter when `ZEROCLAW_LOG` is unset: where an author watches a plugin act,
    /// what plugins log at info is shown too.
    fn default_log(&self) -> &'static str {
        use crate::observability::log::{QUIET, WATCHING};
        match self {
            Command::Agent { .. } => WATCHING,
            Command::Plugins(command) if command.watches_plugins() => WATCHING,
            _ => QUIET,
        }
    }
}

/// A command's failure: printed as `error: <message>`, exit code 1.
#[derive(Debug)]
pub struct CliError(pub String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

/// Parses the command line, runs the command, and maps the result to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::observability::log::init(cli.command.default_log());
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError(message)) => {
            eprintln!("error: {}", crate::observability::for_terminal(&message));
            ExitCode::FAILURE
        }
    }
}

/// Runs one parsed command.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Plugins(cmd) => plugins::run(cmd, cli.config.as_deref()).await,
        Command::Config(cmd) => config_cmd::run(cmd, cli.config.as_deref()).await,
        Command::Agent { message, session, trace } => {
            agent_cmd::agent(cli.config.as_deref(), message, session, trace).await
        }
        Command::Demo { dir } => demo::run(dir).await,
        Command::Memory(cmd) => memory_cmd::run(cmd, cli.config.as_deref()),
        Command::Gateway { bind } => agent_cmd::gateway(cli.config.as_deref(), bind).await,
    }
}
