//! Configuration: the TOML schema and how a config file is found and checked.

mod load;
pub mod location;
pub mod schema;
mod template;

pub use load::{ConfigError, ConfigSource, LoadedConfig, one_line};
pub use schema::{
    CapabilityPolicy, Config, HooksConfig, InstancePolicy, Limits, LimitsOverride, OnError, PluginEntry, PluginsConfig,
};
pub use template::DEFAULT_CONFIG;
