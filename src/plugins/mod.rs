//! The plugin runtime: capabilities, the registry of snapshots, and the backends that fill it.
//!
//! Only `wasm/` may name wasmtime; everything here deals in the api's trait objects.

pub mod backend;
pub mod build;
pub mod capability;
pub mod contract;
pub mod conversation;
pub mod hot_reload;
pub mod invoke;
pub mod kv;
pub mod manifest;
pub mod native;
pub mod offer;
pub mod package;
pub mod plugin_file;
pub mod reference;
pub mod registry;
pub mod reload;
mod runtime;
pub mod stats;
pub mod trial;
pub mod verify;
#[cfg(feature = "wasm")]
pub mod wasm;

pub use backend::{Backend, Offers, Round};
pub use offer::{HookOffer, PluginOffer, ProviderOffer, ToolOffer};
pub use registry::{
    Diagnostic, EntryRow, HookEntry, PluginHealth, PluginRecord, PluginStatus, Precedence, ProviderEntry, Registry,
    RegistryError, Snapshot, SnapshotBuilder, ToolEntry,
};
pub use reload::{ReloadFailure, ReloadReport};
pub use runtime::PluginRuntime;
