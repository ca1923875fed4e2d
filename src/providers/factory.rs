//! The provider factory: resolves provider names against the snapshot (native providers
//! first, then plugin providers: the snapshot's precedence), and assembles the agent's
//! provider: a `router` over `reliable` chains.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use zeroclaw_plugin_api::{Provider, ProviderError};

use super::reliable::{Backoff, ReliableProvider};
use super::router::{Route, RouterProvider};
use crate::config::{AgentConfig, ProvidersConfig};
use crate::plugins::Snapshot;

/// What a model string resolves to.
#[derive(Clone)]
pub struct ResolvedModel {
    /// The provider to call (a router over reliable chains).
    pub provider: Arc<dyn Provider>,
    /// The name of the provider that will serve (for hooks and logs).
    pub provider_name: String,
    /// The model the request will carry (a hint stays a hint: the router resolves it).
    pub model: String,
}

/// Every provider name the config refers to that `snapshot` does not serve: `agent.provider`,
/// each `providers.fallbacks` entry, each `providers.routes` target, and `agent.model` (or
/// `compaction_model`) naming a route that does not exist. One line each, naming the key,
/// the missing name and the known ones.
pub fn unresolved_names(snapshot: &Snapshot, agent: &AgentConfig, providers: &ProvidersConfig) -> Vec<String> {
    let known: Vec<&str> = snapshot.providers().map(|p| p.name.as_str()).collect();
    let known_list = if known.is_empty() { "none".to_string() } else { known.join(", ") };
    let mut problems = Vec::new();
    let mut need = |key: String, name: &str| {
        if snapshot.provider(name).is_none() {
            problems.push(format!(
                "{key} names provider `{name}`, which no native or enabled plugin serves (providers: {known_list})"
            ));
        }
    };
    need("agent.provider".into(), &agent.provider);
    for (i, fallback) in providers.fallbacks.iter().enumerate() {
        need(format!("providers.fallbacks[{i}]"), fallback);
    }
    for (hint, target) in &providers.routes {
        let name = target.split_once('/').map_or(target.as_str(), |(name, _)| name);
        need(format!("providers.routes.{hint}"), name);
    }
    let routes: Vec<&str> = providers.routes.keys().map(String::as_str).collect();
    for (key, model) in
        [("agent.model", Some(&agent.model)), ("agent.compaction_model", agent.compaction_model.as_ref())]
    {
        if let Some(hint) = model.and_then(|m| m.strip_prefix("hint:"))
            && !providers.routes.contains_key(hint)
        {
            problems.push(format!(
                "{key} = \"hint:{hint}\" but providers.routes has no `{hint}` (routes: {})",
                if routes.is_empty() { "none".to_string() } else { routes.join(", ") }
            ));
        }
    }
    problems
}

fn counted(provider: Arc<dyn Provider>, stats: Arc<crate::plugins::stats::CallStats>) -> Arc<dyn Provider> {
    Arc::new(super::counted::CountedProvider::new(provider, stats))
}

/// Builds providers from one snapshot.
pub struct ProviderFactory<'a> {
    snapshot: &'a Snapshot,
    config: &'a ProvidersConfig,
}

impl<'a> ProviderFactory<'a> {
    /// A factory over `snapshot` with the wrapper settings of `config`.
    pub fn new(snapshot: &'a Snapshot, config: &'a ProvidersConfig) -> Self {
        ProviderFactory { snapshot, config }
    }

    /// The provider named `name`, native or plugin.
    pub fn provider(&self, name: &str) -> Result<Arc<dyn Provider>, ProviderError> {
        self.snapshot.provider(name).map(|e| counted(e.provider.clone(), e.stats.clone())).ok_or_else(|| {
            let known: Vec<&str> = self.snapshot.providers().map(|p| p.name.as_str()).collect();
            ProviderError::Permanent(format!("no provider named `{name}` (providers: {})", known.join(", ")))
        })
    }

    /// `name` followed by `providers.fallbacks`, under retries. A fallback that does not
    /// exist is skipped with a warning.
    pub fn reliable(&self, name: &str) -> Result<Arc<dyn Provider>, ProviderError> {
        let mut chain = vec![self.provider(name)?];
        for fallback in self.config.fallbacks.iter().filter(|f| f.as_str() != name) {
            match self.provider(fallback) {
                Ok(provider) => chain.push(provider),
                Err(e) => tracing::warn!("providers.fallbacks: {e}; skipped"),
            }
        }
        let backoff = Backoff {
            retries: u32::try_from(self.config.retries).unwrap_or(u32::MAX),
            initial: Duration::from_millis(self.config.backoff_ms),
            max: Duration::from_millis(self.config.max_backoff_ms),
        };
        Ok(Arc::new(ReliableProvider::new(chain, backoff)))
    }

    /// The agent's provider for `model`: a router whose default is `provider`'s reliable
    /// chain and whose routes (`providers.routes`) are reliable chains too.
    pub fn for_agent(&self, provider: &str, model: &str) -> Result<ResolvedModel, ProviderError> {
        let mut routes = BTreeMap::new();
        for (hint, target) in &self.config.routes {
            let (name, routed_model) = target.split_once('/').unwrap_or((target.as_str(), target.as_str()));
            match self.reliable(name) {
                Ok(chain) => {
                    routes.insert(hint.clone(), Route { provider: chain, model: routed_model.to_string() });
                }
                Err(e) => tracing::warn!("providers.routes.{hint}: {e}; route skipped"),
            }
        }
        let router = RouterProvider::new(self.reliable(provider)?, routes);
        let provider_name = router.route(model)?.0.name().to_string();
        Ok(ResolvedModel { provider: Arc::new(router), provider_name, model: model.to_string() })
    }
}
