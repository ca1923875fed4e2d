//! One integration binary, one module per topic: it links once.

mod cli;
mod guests;
mod hooks;
mod registry;
mod support;
mod wasm;
