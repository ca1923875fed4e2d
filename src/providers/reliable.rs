//! `reliable`: retries and a fallback chain around any providers, native or plugin.
//!
//! For each provider of the chain in turn: a transient or rate-limited error is retried up
//! to `retries` times with exponential backoff (a server's `retry-after` is honoured); a
//! permanent error or a runtime failure (a plugin that trapped, timed out, …) is never
//! retried on the same provider and moves down the chain at once. The last error is
//! returned when every provider failed.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use zeroclaw_plugin_api::{ChatRequest, ChatResponse, Provider, ProviderError};

/// Retry timing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Retries per provider.
    pub retries: u32,
    /// First delay; doubles each retry.
    pub initial: Duration,
    /// Longest delay.
    pub max: Duration,
}

/// A chain of providers with retries.
pub struct ReliableProvider {
    name: String,
    chain: Vec<Arc<dyn Provider>>,
    backoff: Backoff,
}

impl ReliableProvider {
    /// Tries `chain` in order. The name is the first provider's.
    pub fn new(chain: Vec<Arc<dyn Provider>>, backoff: Backoff) -> Self {
        let name = chain.first().map_or_else(|| "reliable".to_string(), |p| p.name().to_string());
        ReliableProvider { name, chain, backoff }
    }
}

#[async_trait]
impl Provider for ReliableProvider {
    fn name(&self) -> &str {
        &self.name
    }

    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let mut last = ProviderError::Permanent("no provider in the chain".into());
        for (position, provider) in self.chain.iter().enumerate() {
            let mut delay = self.backoff.initial;
            for attempt in 0..=self.backoff.retries {
                match provider.chat(request).await {
                    Ok(response) => return Ok(response),
                    Err(e) => {
                        let retry = e.is_retryable() && attempt < self.backoff.retries;
                        tracing::warn!(
                            provider = provider.name(),
                            attempt = attempt + 1,
                            "provider call failed: {e}; {}",
                            if retry {
                                "retrying"
                            } else if position + 1 < self.chain.len() {
                                "falling back to the next provider"
                            } else {
                                "no provider left"
                            }
                        );
                        let wait = match &e {
                            ProviderError::RateLimited { retry_after_ms: Some(ms), .. } => Duration::from_millis(*ms),
                            _ => delay,
                        };
                        last = e;
                        if !retry {
                            break;
                        }
                        tokio::time::sleep(wait.min(self.backoff.max)).await;
                        delay = (delay * 2).min(self.backoff.max);
                    }
                }
            }
        }
        Err(last)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use zeroclaw_plugin_api::{FailureKind, Owner, RuntimeFailure};

    use super::*;

    struct Scripted {
        name: &'static str,
        errors: Vec<ProviderError>,
        calls: AtomicU32,
    }

    #[async_trait]
    impl Provider for Scripted {
        fn name(&self) -> &str {
            self.name
        }
        async fn chat(&self, _request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) as usize;
            match self.errors.get(n) {
                Some(e) => Err(e.clone()),
                None => Ok(ChatResponse { text: self.name.into(), ..Default::default() }),
            }
        }
    }

    fn scripted(name: &'static str, errors: Vec<ProviderError>) -> Arc<Scripted> {
        Arc::new(Scripted { name, errors, calls: AtomicU32::new(0) })
    }

    const BACKOFF: Backoff = Backoff { retries: 2, initial: Duration::from_millis(10), max: Duration::from_millis(40) };

    #[tokio::test(start_paused = true)]
    async fn transient_errors_are_retried_with_backoff() {
        let flaky =
            scripted("flaky", vec![ProviderError::Transient("502".into()), ProviderError::Transient("503".into())]);
        let reliable = ReliableProvider::new(vec![flaky.clone()], BACKOFF);
        let started = tokio::time::Instant::now();
        assert_eq!(reliable.chat(&ChatRequest::default()).await.unwrap().text, "flaky");
        assert_eq!(flaky.calls.load(Ordering::SeqCst), 3);
        assert_eq!(started.elapsed(), Duration::from_millis(30), "10 ms then 20 ms");
    }

    #[tokio::test(start_paused = true)]
    async fn permanent_errors_and_traps_move_down_the_chain_without_retry() {
        let trap = RuntimeFailure::new(Owner::wasm("p", "1.0.0", 1), FailureKind::Trap, "unreachable");
        for error in [ProviderError::Permanent("401".into()), ProviderError::Runtime(trap)] {
            let first = scripted("first", vec![error.clone(), error]);
            let second = scripted("second", vec![]);
            let reliable = ReliableProvider::new(vec![first.clone(), second.clone()], BACKOFF);
            assert_eq!(reliable.chat(&ChatRequest::default()).await.unwrap().text, "second");
            assert_eq!(first.calls.load(Ordering::SeqCst), 1, "not retried");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_last_error_is_returned_when_every_provider_fails() {
        let a = scripted("a", vec![ProviderError::Permanent("a".into())]);
        let b = scripted("b", vec![ProviderError::Transient("b".into()); 3]);
        let reliable = ReliableProvider::new(vec![a, b.clone()], BACKOFF);
        assert_eq!(reliable.chat(&ChatRequest::default()).await.unwrap_err(), ProviderError::Transient("b".into()));
        assert_eq!(b.calls.load(Ordering::SeqCst), 3);
    }
}
