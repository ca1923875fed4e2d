//! `counted`: a provider that records every call in its snapshot entry's counters (calls,
//! failures, timeouts, latency), so providers show in `/metrics` like hooks and tools.

use std::sync::Arc;

use async_trait::async_trait;
use zeroclaw_plugin_api::{ChatRequest, ChatResponse, FailureKind, Provider, ProviderError};

use crate::plugins::stats::CallStats;

/// `inner`, counted in `stats`.
pub struct CountedProvider {
    inner: Arc<dyn Provider>,
    stats: Arc<CallStats>,
}

impl CountedProvider {
    /// Counts `inner`'s calls in `stats`.
    pub fn new(inner: Arc<dyn Provider>, stats: Arc<CallStats>) -> Self {
        CountedProvider { inner, stats }
    }
}

#[async_trait]
impl Provider for CountedProvider {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let started = std::time::Instant::now();
        let result = self.inner.chat(request).await;
        let failed =
            result.as_ref().err().map(|e| matches!(e, ProviderError::Runtime(f) if f.kind == FailureKind::Timeout));
        self.stats.record_since(started, failed);
        result
    }
}
