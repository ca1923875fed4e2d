//! The native tools: registered with `register_tool!` like any native plugin, so the
//! registry, the policy and the hooks treat them exactly as they treat plugin tools.
//!
//! `clock` and `calculator` and `file_read` read; `file_write` acts (the security policy
//! has something to decide).

mod calculator;
mod clock;
mod files;
mod workspace;

pub use calculator::evaluate;
