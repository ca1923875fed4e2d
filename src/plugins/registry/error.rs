//! Why a snapshot cannot be built.

use thiserror::Error;
use zeroclaw_plugin_api::Owner;

use crate::config::ConfigError;

/// A snapshot that cannot be built.
#[derive(Debug, Error)]
pub enum RegistryError {
    /// Two native plugins register a tool of the same name.
    #[error("tool `{name}` is registered by both {first} and {second}; native tool names must be unique")]
    DuplicateTool {
        /// The tool name.
        name: String,
        /// One owner.
        first: Box<Owner>,
        /// The other owner.
        second: Box<Owner>,
    },
    /// Two native plugins register a provider of the same name.
    #[error("provider `{name}` is registered by both {first} and {second}; native provider names must be unique")]
    DuplicateProvider {
        /// The provider name.
        name: String,
        /// One owner.
        first: Box<Owner>,
        /// The other owner.
        second: Box<Owner>,
    },
    /// Two native registrations use the same plugin name.
    #[error("native plugin name `{plugin}` is registered twice ({first} and {second}); plugin names must be unique")]
    DuplicatePlugin {
        /// The plugin name.
        plugin: String,
        /// One registration's description.
        first: String,
        /// The other's.
        second: String,
    },
    /// A plugin subscribes the same handler name twice to one point.
    #[error(
        "{owner} subscribes handler `{handler}` to {point} twice; handler names must be unique per plugin and point"
    )]
    DuplicateHandler {
        /// The plugin.
        owner: Box<Owner>,
        /// The handler name.
        handler: String,
        /// The hook point name.
        point: &'static str,
    },
    /// A native plugin's config section is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The wasm engine could not start.
    #[error("cannot start the wasm engine: {0}")]
    Engine(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The host's state directory cannot be used.
    #[error(transparent)]
    StateDir(#[from] crate::config::StateError),
    /// The host's state (its transcripts) cannot be used, or another backend says why it
    /// cannot offer anything.
    #[error("{0}")]
    State(String),
}
