//! One integration binary, one module per topic: it links once.

mod cli;
mod guests;
mod hooks;
mod loading;
mod registry;
mod scaffold;
mod support;
mod wasm;
