//! The wasm backend: the only module that names wasmtime.
//!
//! `engine` builds the engine, linker and epoch ticker; `cache` keeps compiled components
//! on disk; `host` is a store's state and the host imports; `convert` maps api types to
//! WIT bindings; `instance` runs calls under limits; `adapters` implement the api traits;
//! `loader` turns plugin directories into snapshot entries; `reaper` frees old versions
//! off the calling thread.

mod adapters;
pub mod bindings;
mod cache;
mod convert;
mod engine;
mod host;
mod http;
mod inspect;
mod instance;
mod loader;
mod reaper;
mod size;

pub use adapters::{WasmHookHandler, WasmProvider, WasmTool};
pub use cache::{CacheOutcome, CompileCache, content_key};
pub use engine::{Allocator, EngineSettings, TICK, WasmEngine};
pub use host::Grants;
pub use http::is_public;
pub use inspect::Inspection;
pub use instance::{ExportIndices, PluginInstances, Reply, Request, RuntimeEvent};
pub use loader::{
    LoadError, LoadReport, LoadedPlugin, LoadedVersion, Refresh, WasmBackend, add_entries, engine_settings,
};
pub use reaper::wait_for_reaper;
