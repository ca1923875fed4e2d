//! A third backend, test-only: one module and one registration, and the snapshot builder
//! applies the same rules to its offers as to native and wasm ones.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use parking_lot::Mutex;
use zeroclaw::config::{LoadedConfig, OnError};
use zeroclaw::hooks::{HookFlow, HookRunner};
use zeroclaw::observability::Observers;
use zeroclaw::plugins::capability::RightSet;
use zeroclaw::plugins::{
    Backend, HookOffer, Offers, PluginOffer, PluginRuntime, PluginStatus, RegistryError, Round, ToolOffer,
};
use zeroclaw::security::SecurityPolicy;
use zeroclaw::tools::ToolExecutor;
use zeroclaw_plugin_api::{
    AgentStart, HookContext, HookError, HookHandler, HookOutcome, HookPayload, HookPoint, HostLink, Owner,
    Subscription, Tool, ToolCall, ToolEffect, ToolError, ToolSpec, hooks,
};

/// Plugins described in code: what a script engine or a remote backend would offer.
#[derive(Default)]
struct ScriptBackend {
    /// Fail the next round as a whole.
    fail_next: AtomicBool,
    /// The ids earlier backends had claimed when this one was asked.
    saw_claimed: Mutex<Vec<String>>,
    /// `commit` calls: (published, count).
    published: AtomicUsize,
    abandoned: AtomicUsize,
}

fn owner(id: &str, generation: u64) -> Owner {
    Owner::Other { backend_name: "script".into(), id: id.into(), version: "0.1.0".into(), generation }
}

#[async_trait]
impl Backend for ScriptBackend {
    fn name(&self) -> &'static str {
        "script"
    }

    async fn offer(&self, round: &Round<'_>) -> Result<Offers, RegistryError> {
        *self.saw_claimed.lock() = round.claimed.keys().cloned().collect();
        if self.fail_next.swap(false, Ordering::SeqCst) {
            return Err(RegistryError::State("the script backend's source is unreadable".into()));
        }
        let generation = round.generation;
        let mut echo = PluginOffer::active(owner("echo", generation), "0.1.0", "echoes its input");
        echo.tools.push(ToolOffer::new(Arc::new(Echo(spec("echo")))));
        echo.tools.push(ToolOffer::new(Arc::new(Echo(spec("clock")))));
        echo.hooks.push(HookOffer {
            point: HookPoint::BeforeAgentStart,
            handler_name: "add_context".into(),
            priority: 0,
            handler: Arc::new(AddContext),
            on_error: OnError::FailOpen,
            timeout: Duration::from_secs(5),
            rights: RightSet::ALL,
        });
        let mut clockwork = PluginOffer::active(owner("clockwork", generation), "0.1.0", "a clock of its own");
        clockwork.override_native = true;
        clockwork.tools.push(ToolOffer::new(Arc::new(Echo(spec("clock")))));
        // Its id is a native plugin's: the builder leaves it out.
        let mut clash = PluginOffer::active(owner("clock", generation), "0.1.0", "takes a native id");
        clash.tools.push(ToolOffer::new(Arc::new(Echo(spec("clash_tool")))));
        let asleep = PluginOffer::unserved(owner("asleep", generation), "0.1.0", PluginStatus::Disabled("off".into()));
        Ok(Offers { plugins: vec![echo, clockwork, clash, asleep], ..Default::default() })
    }

    fn commit(&self, published: bool) {
        let counter = if published { &self.published } else { &self.abandoned };
        counter.fetch_add(1, Ordering::SeqCst);
    }
}

fn spec(name: &str) -> ToolSpec {
    ToolSpec {
        name: name.into(),
        description: "echoes".into(),
        parameters: serde_json::json!({"type": "object"}),
        effect: ToolEffect::Read,
    }
}

struct Echo(ToolSpec);

#[async_trait]
impl Tool for Echo {
    fn spec(&self) -> &ToolSpec {
        &self.0
    }
    async fn invoke(&self, args: &serde_json::Value) -> Result<String, ToolError> {
        Ok(format!("{} says {args}", self.0.name))
    }
}

struct AddContext;

#[async_trait]
impl HookHandler for AddContext {
    fn name(&self) -> &str {
        "add_context"
    }
    fn subscriptions(&self) -> Vec<Subscription> {
        vec![Subscription::new(HookPoint::BeforeAgentStart, 0)]
    }
    async fn handle(&self, _ctx: &HookContext, payload: &HookPayload) -> Result<HookOutcome, HookError> {
        let HookPayload::BeforeAgentStart(start) = payload else { return Ok(HookOutcome::Continue) };
        let mut start = start.clone();
        start.context.push("from the script backend".into());
        Ok(HookOutcome::Modify(HookPayload::BeforeAgentStart(start)))
    }
}

async fn start(dir: &std::path::Path) -> (PluginRuntime, Arc<ScriptBackend>) {
    let path = dir.join("zeroclaw.toml");
    std::fs::write(&path, format!("state_dir = {:?}\n", dir.join("state"))).unwrap();
    let config = LoadedConfig::from_file(&path).unwrap();
    let script = Arc::new(ScriptBackend::default());
    let runtime = PluginRuntime::start_with_backends(config, HostLink::new(), vec![script.clone()]).await.unwrap();
    (runtime, script)
}

#[tokio::test]
async fn a_third_backend_serves_tools_and_hooks_under_its_own_owner() {
    let dir = tempfile::tempdir().unwrap();
    let (runtime, script) = start(dir.path()).await;
    let snapshot = runtime.snapshot();
    assert!(script.saw_claimed.lock().contains(&"clock".to_string()), "natives offered first");

    let echo = snapshot.tool("echo").expect("the script tool is served");
    assert_eq!(echo.owner.to_string(), "script:echo@0.1.0");
    let record = snapshot.plugins().iter().find(|p| p.id == "echo").unwrap();
    assert_eq!((record.backend.as_str(), &record.status), ("script", &PluginStatus::Active));
    let asleep = snapshot.plugins().iter().find(|p| p.id == "asleep").unwrap();
    assert_eq!(asleep.status.label(), "disabled");
    let last_native = snapshot.plugins().iter().rposition(|p| p.backend == "native").unwrap();
    let first_script = snapshot.plugins().iter().position(|p| p.backend == "script").unwrap();
    assert!(last_native < first_script, "records: natives first, then by backend");

    let runner = HookRunner::new(runtime.registry().clone());
    let start = AgentStart { system_prompt: "s".into(), context: Vec::new(), user_message: "hi".into() };
    let HookFlow::Continue(start) = runner.run::<hooks::BeforeAgentStart>(&HookContext::agent("t"), start).await else {
        panic!("cancelled")
    };
    assert_eq!(start.context, ["from the script backend"]);

    let policy = SecurityPolicy::new(Default::default());
    let executor = ToolExecutor { runner: &runner, policy: &policy, observer: &Observers::new() };
    let call = ToolCall { id: "c".into(), name: "echo".into(), arguments: serde_json::json!({"x": 1}) };
    let done = executor.execute(&snapshot, &HookContext::agent("t"), call).await;
    assert_eq!((done.result.content.as_str(), done.owner.as_str()), ("echo says {\"x\":1}", "script:echo@0.1.0"));
    assert_eq!(echo.stats.view().calls, 1);
    assert_eq!(script.published.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_third_backend_meets_the_same_id_and_clash_rules() {
    let dir = tempfile::tempdir().unwrap();
    let (runtime, _script) = start(dir.path()).await;
    let snapshot = runtime.snapshot();
    let said = |needle: &str| snapshot.diagnostics().iter().any(|d| d.message.contains(needle));

    // A native id stays the native plugin's.
    assert!(said("script:clock@0.1.0 is skipped: id `clock` is the name of a native plugin"));
    assert!(snapshot.tool("clash_tool").is_none());
    assert_eq!(snapshot.plugins().iter().filter(|p| p.id == "clock").count(), 1);
    // override_native: the script tool serves `clock`, the native one is its fallback.
    let clock = snapshot.tool("clock").unwrap();
    assert_eq!(clock.owner.to_string(), "script:clockwork@0.1.0");
    assert_eq!(clock.fallback.as_ref().unwrap().owner.to_string(), "native:clock");
    // Without it, a plugin's tool of a taken name is skipped.
    assert!(said("tool `clock` of script:echo@0.1.0 is skipped"), "{:?}", snapshot.diagnostics());
}

#[tokio::test]
async fn counters_survive_a_reload_and_a_failed_round_publishes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (runtime, script) = start(dir.path()).await;
    let before = runtime.snapshot();
    before.tool("echo").unwrap().invoke(&serde_json::json!({})).await.unwrap();

    let report = runtime.reload(None).await;
    assert!(report.is_clean(), "{}", report.summary());
    let after = runtime.snapshot();
    assert_eq!(after.generation(), before.generation() + 1);
    assert_eq!(after.tool("echo").unwrap().stats.view().calls, 1, "same plugin, same tool: same counters");
    assert_eq!(after.tool("echo").unwrap().owner.to_string(), "script:echo@0.1.0");

    script.fail_next.store(true, Ordering::SeqCst);
    let report = runtime.reload(None).await;
    let error = report.error.expect("the round fails as a whole");
    assert!(error.contains("the script backend's source is unreadable"), "{error}");
    assert_eq!(runtime.snapshot().generation(), after.generation(), "nothing is published");
    assert_eq!((script.published.load(Ordering::SeqCst), script.abandoned.load(Ordering::SeqCst)), (2, 1));
}
