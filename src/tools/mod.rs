//! Tools: the native tools, and the pipeline every tool call goes through.

mod executor;
pub mod native;

pub use executor::{Allowlist, Executed, Stopped, ToolExecutor};
