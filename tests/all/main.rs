//! One integration binary, one module per topic: it links once.

mod cli;
mod hooks;
mod registry;
mod support;
