//! The HookRunner: dispatches catalog hook points to the handlers of the current snapshot.

mod listener;
pub(crate) mod runner;

pub use listener::{HandlerEvent, HandlerFailure, HandlerOutcome, HookListener};
pub use runner::{HookFlow, HookRunner};
