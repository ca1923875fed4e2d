//! Configuration: the TOML schema and how a config file is found and checked.

mod load;
pub mod location;
pub mod schema;
pub mod state;
mod template;

pub use load::{ConfigError, ConfigSource, LoadedConfig, one_line};
pub use schema::{
    AgentConfig, Autonomy, CapabilityPolicy, Config, GatewayConfig, HooksConfig, InstancePolicy, Limits,
    LimitsOverride, MemoryConfig, OnError, PluginEntry, PluginToolSettings, PluginsConfig, ProvidersConfig,
    SecretBinding, SecurityConfig, TrustConfig,
};
pub use state::StateError;
pub use template::DEFAULT_CONFIG;
