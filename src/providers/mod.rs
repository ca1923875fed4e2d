//! Providers: the native ones (`offline`, `openai`), the wrappers that wrap any provider
//! (`reliable`: retries and a fallback chain; `router`: model hints), and the factory that
//! assembles them from the snapshot and the config.

mod counted;
mod factory;
mod offline;
mod openai;
mod reliable;
mod router;

pub use factory::{ProviderFactory, ResolvedModel, unresolved_names};
pub use reliable::{Backoff, ReliableProvider};
pub use router::RouterProvider;

/// The system prompt that marks a compaction request (the offline provider recognises it).
pub const SUMMARIZE_PROMPT: &str =
    "Summarize the following conversation in a few sentences. Keep facts, decisions and open questions.";
