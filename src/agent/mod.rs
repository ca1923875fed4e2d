//! The agent: sessions and the turn loop that gives every hook its call site.
//!
//! A turn is `before_agent_start` → (`before_llm_call` → provider → `llm_output` → tool
//! calls through the tool pipeline)* → `agent_end`, with compaction (`before_compaction`,
//! a summary by the provider, `after_compaction`) when the history grows past its bound.
//! Channels (`crate::channels`) wrap turns in `message_received` / `message_sending` /
//! `message_sent`, and open and close sessions (`session_start` / `session_end`).

mod compaction;
mod host;
#[cfg(feature = "wasm")]
mod plugin_tools;
mod session;
mod sessions;
mod turn;

pub use host::{Agent, AgentOptions};
pub use session::{Replayed, Session};
pub use turn::TurnOutcome;
