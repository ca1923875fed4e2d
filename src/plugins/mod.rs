//! The plugin runtime: capabilities, the registry of snapshots, and the backends that fill it.
//!
//! Only `wasm/` may name wasmtime; everything here deals in the api's trait objects.

pub mod capability;
pub mod native;
pub mod registry;
pub mod stats;

use crate::config::LoadedConfig;
pub use registry::{
    Diagnostic, EntryRow, HookEntry, PluginRecord, PluginStatus, Precedence, ProviderEntry, Registry, RegistryError,
    Snapshot, SnapshotBuilder, ToolEntry,
};

/// Builds the snapshot of generation `generation` from config: every native entry and,
/// when `plugins.enabled`, every wasm plugin found in `plugins.dirs`.
pub fn build_snapshot(config: &LoadedConfig, registry: &Registry, generation: u64) -> Result<Snapshot, RegistryError> {
    let mut builder = SnapshotBuilder::new(generation);
    native::add_native_entries(&mut builder, config, registry.stats())?;
    builder.build()
}

/// Builds the first snapshot and returns a registry serving it.
pub fn load_registry(config: &LoadedConfig) -> Result<Registry, RegistryError> {
    let registry = Registry::default();
    let generation = registry.next_generation();
    let snapshot = build_snapshot(config, &registry, generation)?;
    registry.publish(snapshot);
    Ok(registry)
}
