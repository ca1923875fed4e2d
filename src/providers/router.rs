//! `router`: picks a provider by model hint. A request whose model is `hint:<route>` goes
//! to that route's provider with the route's model; any other request goes to the default.
//! It wraps any provider, native, plugin or `reliable`.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use zeroclaw_plugin_api::{ChatRequest, ChatResponse, Provider, ProviderError};

/// One route.
#[derive(Clone)]
pub struct Route {
    /// The provider.
    pub provider: Arc<dyn Provider>,
    /// The model it is asked for.
    pub model: String,
}

/// A provider that routes by model hint.
pub struct RouterProvider {
    default: Arc<dyn Provider>,
    routes: BTreeMap<String, Route>,
}

impl RouterProvider {
    /// Routes `hint:<name>` requests by `routes`, everything else to `default`.
    pub fn new(default: Arc<dyn Provider>, routes: BTreeMap<String, Route>) -> Self {
        RouterProvider { default, routes }
    }

    /// The provider and model a request for `model` goes to.
    pub fn route(&self, model: &str) -> Result<(&Arc<dyn Provider>, Option<&str>), ProviderError> {
        match model.strip_prefix("hint:") {
            Some(hint) => self.routes.get(hint).map(|r| (&r.provider, Some(r.model.as_str()))).ok_or_else(|| {
                let known: Vec<&str> = self.routes.keys().map(String::as_str).collect();
                ProviderError::Permanent(format!(
                    "no route `{hint}` in providers.routes (routes: {})",
                    known.join(", ")
                ))
            }),
            None => Ok((&self.default, None)),
        }
    }
}

#[async_trait]
impl Provider for RouterProvider {
    fn name(&self) -> &str {
        self.default.name()
    }

    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        match self.route(&request.model)? {
            (provider, Some(model)) => {
                let routed = ChatRequest { model: model.to_string(), ..request.clone() };
                provider.chat(&routed).await
            }
            (provider, None) => provider.chat(request).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Named(&'static str);

    #[async_trait]
    impl Provider for Named {
        fn name(&self) -> &str {
            self.0
        }
        async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
            Ok(ChatResponse { text: format!("{} answered {}", self.0, request.model), ..Default::default() })
        }
    }

    #[tokio::test]
    async fn hints_pick_their_route_and_the_rest_go_to_the_default() {
        let routes = BTreeMap::from([(
            "fast".to_string(),
            Route { provider: Arc::new(Named("small")), model: "tiny-1".into() },
        )]);
        let router = RouterProvider::new(Arc::new(Named("big")), routes);
        let ask = |model: &str| ChatRequest { model: model.into(), ..Default::default() };
        assert_eq!(router.chat(&ask("hint:fast")).await.unwrap().text, "small answered tiny-1");
        assert_eq!(router.chat(&ask("large-2")).await.unwrap().text, "big answered large-2");
        assert!(router.chat(&ask("hint:slow")).await.unwrap_err().to_string().contains("no route `slow`"));
    }
}
