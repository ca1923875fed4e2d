//! Native registration: `const` factories collected by `inventory`.
//!
//! A native crate registers a *factory*, never a live object: the host calls it with a
//! [`PluginContext`] when it builds a snapshot, so each snapshot gets fresh objects built
//! from the current config. Nothing may depend on the order inventory yields entries in:
//! the registry sorts them and rejects duplicates.

use std::sync::Arc;

use crate::context::PluginContext;
use crate::error::FactoryError;
use crate::hook::HookHandler;
use crate::provider::Provider;
use crate::tool::Tool;

/// Builds a native plugin's hook handlers.
pub type HookFactory = fn(&PluginContext) -> Result<Vec<Arc<dyn HookHandler>>, FactoryError>;
/// Builds a native plugin's tools.
pub type ToolFactory = fn(&PluginContext) -> Result<Vec<Arc<dyn Tool>>, FactoryError>;
/// Builds a native plugin's providers.
pub type ProviderFactory = fn(&PluginContext) -> Result<Vec<Arc<dyn Provider>>, FactoryError>;

/// A native hook plugin, submitted by [`register_hook!`](crate::register_hook).
#[derive(Debug)]
pub struct HookRegistration {
    /// Plugin name: the owner (`native:<plugin>`) and the `hooks.builtin.<plugin>` switch.
    pub plugin: &'static str,
    /// The crate version.
    pub version: &'static str,
    /// One line for `plugins list`.
    pub description: &'static str,
    /// Whether it runs when `hooks.builtin.<plugin>` is not set.
    pub enabled_by_default: bool,
    /// Builds the handlers.
    pub factory: HookFactory,
}

/// A native tool plugin, submitted by [`register_tool!`](crate::register_tool).
#[derive(Debug)]
pub struct ToolRegistration {
    /// Plugin name: the owner (`native:<plugin>`).
    pub plugin: &'static str,
    /// The crate version.
    pub version: &'static str,
    /// One line for `plugins list`.
    pub description: &'static str,
    /// Builds the tools.
    pub factory: ToolFactory,
}

/// A native provider plugin, submitted by [`register_provider!`](crate::register_provider).
#[derive(Debug)]
pub struct ProviderRegistration {
    /// Plugin name: the owner (`native:<plugin>`).
    pub plugin: &'static str,
    /// The crate version.
    pub version: &'static str,
    /// One line for `plugins list`.
    pub description: &'static str,
    /// Builds the providers.
    pub factory: ProviderFactory,
}

inventory::collect!(HookRegistration);
inventory::collect!(ToolRegistration);
inventory::collect!(ProviderRegistration);

impl HookRegistration {
    /// Every hook registration linked into this binary, in no particular order.
    pub fn all() -> impl Iterator<Item = &'static HookRegistration> {
        inventory::iter::<HookRegistration>.into_iter()
    }
}

impl ToolRegistration {
    /// Every tool registration linked into this binary, in no particular order.
    pub fn all() -> impl Iterator<Item = &'static ToolRegistration> {
        inventory::iter::<ToolRegistration>.into_iter()
    }
}

impl ProviderRegistration {
    /// Every provider registration linked into this binary, in no particular order.
    pub fn all() -> impl Iterator<Item = &'static ProviderRegistration> {
        inventory::iter::<ProviderRegistration>.into_iter()
    }
}

/// Registers a native hook plugin.
///
/// ```ignore
/// zeroclaw_plugin_api::register_hook! {
///     plugin: "command_logger",
///     description: "appends one JSON line per tool call to a log file",
///     enabled_by_default: false,
///     factory: build,
/// }
/// ```
/// The version is the calling crate's `CARGO_PKG_VERSION`.
#[macro_export]
macro_rules! register_hook {
    (plugin: $plugin:expr, description: $description:expr, enabled_by_default: $enabled:expr, factory: $factory:expr $(,)?) => {
        $crate::__private::inventory::submit! {
            $crate::HookRegistration {
                plugin: $plugin,
                version: env!("CARGO_PKG_VERSION"),
                description: $description,
                enabled_by_default: $enabled,
                factory: $factory,
            }
        }
    };
}

/// Registers a native tool plugin.
///
/// ```ignore
/// zeroclaw_plugin_api::register_tool! {
///     plugin: "clock",
///     description: "the current time",
///     factory: build,
/// }
/// ```
#[macro_export]
macro_rules! register_tool {
    (plugin: $plugin:expr, description: $description:expr, factory: $factory:expr $(,)?) => {
        $crate::__private::inventory::submit! {
            $crate::ToolRegistration {
                plugin: $plugin,
                version: env!("CARGO_PKG_VERSION"),
                description: $description,
                factory: $factory,
            }
        }
    };
}

/// Registers a native provider plugin.
///
/// ```ignore
/// zeroclaw_plugin_api::register_provider! {
///     plugin: "offline",
///     description: "deterministic rule-based responder",
///     factory: build,
/// }
/// ```
#[macro_export]
macro_rules! register_provider {
    (plugin: $plugin:expr, description: $description:expr, factory: $factory:expr $(,)?) => {
        $crate::__private::inventory::submit! {
            $crate::ProviderRegistration {
                plugin: $plugin,
                version: env!("CARGO_PKG_VERSION"),
                description: $description,
                factory: $factory,
            }
        }
    };
}
