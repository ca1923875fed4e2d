//! The `Provider` kind: chat-model backends.

use async_trait::async_trait;

use crate::error::ProviderError;
use crate::types::{ChatRequest, ChatResponse};

/// A chat-model backend.
///
/// Native providers, the wasm adapter and the host's wrappers (reliable, router) all
/// implement this trait, so a wrapper can wrap any of them.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider's name in the provider table, e.g. `offline` or `openai`.
    fn name(&self) -> &str;

    /// Sends one request and returns the model's answer.
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError>;
}
