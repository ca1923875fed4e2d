//! `test_recorder`: a native hook plugin that exists only in this test binary. Subscribed
//! to every hook point, it records each payload under the agent id of its context (tests
//! run in parallel, each with its own agent id), and cancels the points its config names.
//! Asked to (`fail_llm_on`), it empties the model request of a turn whose user message is
//! that text, so the provider fails and `llm_error` has a call to fire at.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use parking_lot::Mutex;
use serde::Deserialize;
use zeroclaw_plugin_api::{
    FactoryError, HookContext, HookError, HookHandler, HookOutcome, HookPayload, HookPoint, PluginContext,
    Subscription, async_trait, register_hook,
};

register_hook! {
    plugin: "test_recorder",
    description: "test only: records every hook payload",
    enabled_by_default: false,
    factory: build,
}

static RECORDS: LazyLock<Mutex<HashMap<String, Vec<HookPayload>>>> = LazyLock::new(Default::default);

/// Every payload recorded for agent `agent_id`, in order.
#[cfg_attr(not(feature = "wasm"), allow(dead_code, reason = "the agent tests need the wasm build"))]
pub fn recorded(agent_id: &str) -> Vec<HookPayload> {
    RECORDS.lock().get(agent_id).cloned().unwrap_or_default()
}

/// The hook names recorded for `agent_id`, in order.
#[cfg_attr(not(feature = "wasm"), allow(dead_code, reason = "the agent tests need the wasm build"))]
pub fn hooks(agent_id: &str) -> Vec<&'static str> {
    recorded(agent_id).iter().map(|p| p.point().name()).collect()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct Config {
    cancel: Vec<String>,
    /// Milliseconds to sleep on a hook point before recording it.
    delay: HashMap<String, u64>,
    /// A user message whose model request `before_llm_call` empties (the provider fails).
    fail_llm_on: Option<String>,
}

fn build(ctx: &PluginContext) -> Result<Vec<Arc<dyn HookHandler>>, FactoryError> {
    let config: Config = ctx.config()?;
    Ok(vec![Arc::new(Recorder { cancel: config.cancel, delay: config.delay, fail_llm_on: config.fail_llm_on })])
}

struct Recorder {
    cancel: Vec<String>,
    delay: HashMap<String, u64>,
    fail_llm_on: Option<String>,
}

#[async_trait]
impl HookHandler for Recorder {
    fn name(&self) -> &str {
        "record"
    }

    fn subscriptions(&self) -> Vec<Subscription> {
        HookPoint::ALL.iter().map(|p| Subscription::new(*p, 0)).collect()
    }

    async fn handle(&self, ctx: &HookContext, payload: &HookPayload) -> Result<HookOutcome, HookError> {
        if let Some(ms) = self.delay.get(payload.point().name()) {
            tokio::time::sleep(std::time::Duration::from_millis(*ms)).await;
        }
        RECORDS.lock().entry(ctx.agent_id.clone()).or_default().push(payload.clone());
        if self.cancel.iter().any(|c| c == payload.point().name()) {
            return Ok(HookOutcome::Cancel(format!("test_recorder cancels {}", payload.point().name())));
        }
        if let (Some(fail), HookPayload::BeforeLlmCall(call)) = (&self.fail_llm_on, payload)
            && call.request.messages.last().is_some_and(|m| m.content == *fail)
        {
            let mut emptied = call.clone();
            emptied.request.messages.clear();
            return Ok(HookOutcome::Modify(HookPayload::BeforeLlmCall(emptied)));
        }
        Ok(HookOutcome::Continue)
    }
}
