//! One integration binary, one module per topic: it links once.
#![allow(unsafe_code, reason = "tests set environment variables (unsafe since edition 2024) and read rlimits")]

#[cfg(feature = "wasm")]
mod agent;
#[cfg(feature = "wasm")]
mod author;
mod backends;
#[cfg(feature = "wasm")]
mod boundary;
#[cfg(feature = "wasm")]
mod builtins;
mod cli;
#[cfg(feature = "wasm")]
mod contract;
mod docs;
#[cfg(feature = "wasm")]
mod e2e;
#[cfg(feature = "wasm")]
mod edges;
#[cfg(feature = "wasm")]
mod gateway;
#[cfg(feature = "wasm")]
mod guests;
mod hooks;
#[cfg(feature = "wasm")]
mod invoke;
#[cfg(feature = "wasm")]
mod languages;
#[cfg(feature = "wasm")]
mod loading;
#[cfg(feature = "wasm")]
mod native_only;
#[cfg(feature = "wasm")]
mod openai;
mod recorder;
mod registry;
#[cfg(feature = "wasm")]
mod reload;
#[cfg(feature = "wasm")]
mod sandbox;
#[cfg(feature = "wasm")]
mod scaffold;
#[cfg(feature = "wasm")]
mod secrets;
mod support;
#[cfg(feature = "wasm")]
mod trust;
#[cfg(feature = "wasm")]
mod tutorial;
#[cfg(feature = "wasm")]
mod wasm;
