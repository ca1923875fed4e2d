//! The zeroclaw Plugin trait family.
//!
//! This crate is the contract between the zeroclaw host and every plugin, native or
//! WebAssembly. It declares:
//!
//! - the **hook catalog** ([`HookPoint`], [`HookPayload`], the markers in [`hooks`]): every
//!   hook point, once, with its kind (void or modifying), its payload type and the right
//!   needed to rewrite it;
//! - one small dyn-compatible trait per plugin kind: [`HookHandler`], [`Tool`], [`Provider`];
//! - the types those traits exchange ([`ChatMessage`], [`ToolSpec`], [`ChatRequest`], …);
//! - [`Owner`], which every table entry and every error carries;
//! - native registration: [`register_hook!`], [`register_tool!`], [`register_provider!`]
//!   submit `const` factories to `inventory`; the host turns them into snapshot entries.
//!
//! It must never depend on the host, on wasmtime or on WIT-generated types: the wasm
//! backend converts between these types and its bindings on its own side.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod catalog;
mod context;
mod error;
mod hook;
mod host;
mod owner;
mod payloads;
mod provider;
mod registration;
mod tool;
mod types;

pub use catalog::{Hook, HookKind, HookPayload, HookPoint, ModifyingHook, MutationRight, VoidHook, hooks};
pub use context::{PluginContext, PluginLogger};
pub use error::{FactoryError, FailureKind, HookError, ProviderError, RuntimeFailure, ToolError};
pub use hook::{HookContext, HookHandler, HookOutcome, Subscription};
pub use host::{HostLink, HostServices};
pub use owner::Owner;
pub use payloads::{
    AfterToolCall, AgentEnd, AgentStart, Compaction, CompactionSummary, GatewayStart, GatewayStop, InboundMessage,
    LlmCall, LlmError, LlmOutput, ObserverEvent, OutboundMessage, SessionEnd, SessionEndReason, SessionStart,
    ToolResultPersist,
};
pub use provider::Provider;
pub use registration::{
    HookFactory, HookRegistration, ProviderFactory, ProviderRegistration, ToolFactory, ToolRegistration,
};
pub use tool::{Tool, ToolEffect, ToolSpec};
pub use types::{ChatMessage, ChatRequest, ChatResponse, Role, TokenUsage, ToolCall, ToolResult};

/// Re-exported so that the registration macros work in crates that do not depend on
/// `inventory` or `async-trait` themselves.
#[doc(hidden)]
pub mod __private {
    pub use inventory;
}

pub use async_trait::async_trait;
