//! zeroclaw: an agent host built around a plugin runtime.
//!
//! One `Plugin` trait family (`zeroclaw-plugin-api`) with two backends: native crates
//! registered with `inventory`, and WebAssembly components loaded by wasmtime. The host
//! resolves every hook, tool and provider through an immutable snapshot of both.
//!
//! Module map: `capability` (the capability vocabulary), `config` (the TOML schema and
//! loading), `plugins` (the capability decision, registry, snapshots, backends), `hooks` (the HookRunner), `agent` (the turn loop),
//! `tools`, `providers`, `security`, `memory`, `channels` (CLI), `gateway` (HTTP),
//! `observability`, `cli` (the command line), `timeout` (a timeout armed only once its
//! future waits).

pub mod agent;
pub mod capability;
pub mod channels;
pub mod cli;
pub mod config;
pub mod gateway;
pub mod hooks;
pub mod memory;
pub mod observability;
pub mod plugins;
pub mod providers;
pub mod security;
pub mod timeout;
pub mod tools;
pub mod trust;

// Built-in native plugins register themselves through `inventory`; naming each crate here
// guarantees the linker keeps it (and so its registrations) in every binary that links us.
extern crate zeroclaw_boot_script;
extern crate zeroclaw_command_logger;
extern crate zeroclaw_session_memory;
