//! zeroclaw: an agent host built around a plugin runtime.
//!
//! One `Plugin` trait family (`zeroclaw-plugin-api`) with two backends: native crates
//! registered with `inventory`, and WebAssembly components loaded by wasmtime. The host
//! resolves every hook, tool and provider through an immutable snapshot of both.
//!
//! Module map: `config` (the TOML schema and loading), `plugins` (capabilities, registry,
//! snapshots, backends), `hooks` (the HookRunner), `cli` (the command line).

pub mod cli;
pub mod config;
pub mod hooks;
pub mod plugins;

// Built-in native plugins register themselves through `inventory`; naming each crate here
// guarantees the linker keeps it (and so its registrations) in every binary that links us.
extern crate zeroclaw_command_logger;
