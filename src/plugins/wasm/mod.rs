//! The wasm backend: the only module that names wasmtime.
//!
//! `engine` builds the engine, linker and epoch ticker; `cache` keeps compiled components
//! on disk, authenticated with the key `cache_key` keeps; `host` is a store's state and
//! the host imports; `convert` maps api types to WIT bindings; `calls` are the kinds of
//! call into a plugin, one type each; `instance` runs them under limits; `adapters`
//! implement the api traits; `backend` holds the engine, kv store and grants; `load`
//! loads one plugin and `probe` checks its contract; `refresh` brings `plugins.dirs` up to
//! date; `offers` makes a loaded plugin an offer and registers [`WasmPlugins`] as a
//! backend; `reaper` frees old versions off the calling thread.

mod adapters;
mod backend;
pub mod bindings;
mod cache;
mod cache_key;
mod calls;
mod convert;
mod engine;
mod guest_error;
mod hook_event;
mod host;
mod http;
mod inspect;
mod instance;
mod load;
mod load_error;
mod offers;
mod payloads;
mod probe;
mod reaper;
mod refresh;
mod secrets;
mod signature;
mod size;
mod slots;
mod speaks;
mod v1_0;
mod view;

pub use adapters::{WasmHookHandler, WasmProvider, WasmTool};
pub use backend::{WasmBackend, engine_settings};
pub use cache::{CacheOutcome, CompileCache, content_key};
pub use calls::{Call, ExportIndices, HandleHook, InvokeTool, ListSpecs, MAX_TOOL_SPECS, Probe, ProviderChat};
pub use engine::{Allocator, EngineSettings, TICK, WasmEngine};
pub use host::{Grants, InvokeGrant};
pub use http::is_public;
pub use inspect::Inspection;
pub use instance::{PluginInstances, RuntimeEvent};
pub use load::{LoadReport, LoadedPlugin};
pub use load_error::{ContractMismatch, GrantError, LoadCause, LoadError};
pub use offers::WasmPlugins;
pub use probe::{ImportedUse, imported_uses};
pub use reaper::wait_for_reaper;
pub use refresh::{LoadedVersion, Refresh};
pub use speaks::{Speaks, Spoken};
