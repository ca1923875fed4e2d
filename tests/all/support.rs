//! Test handlers and snapshot helpers shared by the topic modules.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use parking_lot::Mutex;
use zeroclaw::config::OnError;
use zeroclaw::hooks::HookRunner;
use zeroclaw::plugins::capability::RightSet;
use zeroclaw::plugins::stats::CallStats;
use zeroclaw::plugins::{HookEntry, Registry, SnapshotBuilder};
use zeroclaw_plugin_api::{
    AgentStart, HookContext, HookError, HookHandler, HookOutcome, HookPayload, HookPoint, Owner, Subscription,
};

/// What a scripted handler does when called.
#[derive(Clone)]
pub enum Script {
    /// Appends its name to `AgentStart::context` (a modify).
    Append,
    /// Passes the payload on.
    Continue,
    /// Cancels with this reason.
    Cancel(&'static str),
    /// Returns a handler error.
    Fail,
    /// Panics.
    Panic,
    /// Sleeps, then continues.
    Sleep(Duration),
    /// Returns this payload as a modify.
    Replace(HookPayload),
}

/// A handler that follows a script and records that it ran.
pub struct Scripted {
    pub name: String,
    pub point: HookPoint,
    pub script: Script,
    pub calls: Arc<Mutex<Vec<String>>>,
}

#[async_trait]
impl HookHandler for Scripted {
    fn name(&self) -> &str {
        &self.name
    }

    fn subscriptions(&self) -> Vec<Subscription> {
        vec![Subscription::new(self.point, 0)]
    }

    async fn handle(&self, _ctx: &HookContext, payload: &HookPayload) -> Result<HookOutcome, HookError> {
        self.calls.lock().push(self.name.clone());
        match &self.script {
            Script::Append => {
                let HookPayload::BeforeAgentStart(start) = payload else { return Ok(HookOutcome::Continue) };
                let mut next = start.clone();
                next.context.push(self.name.clone());
                Ok(HookOutcome::Modify(HookPayload::BeforeAgentStart(next)))
            }
            Script::Continue => Ok(HookOutcome::Continue),
            Script::Cancel(reason) => Ok(HookOutcome::Cancel(reason.to_string())),
            Script::Fail => Err(HookError::Handler(format!("{} broke", self.name))),
            Script::Panic => panic!("{} panicked on purpose", self.name),
            Script::Sleep(d) => {
                tokio::time::sleep(*d).await;
                Ok(HookOutcome::Continue)
            }
            Script::Replace(p) => Ok(HookOutcome::Modify(p.clone())),
        }
    }
}

/// One entry to put in a test snapshot.
#[derive(Clone)]
pub struct Spec {
    pub plugin: &'static str,
    pub handler: &'static str,
    pub priority: i32,
    pub script: Script,
    pub on_error: OnError,
    pub rights: RightSet,
    pub timeout: Duration,
}

impl Spec {
    pub fn new(plugin: &'static str, handler: &'static str, priority: i32, script: Script) -> Self {
        Spec {
            plugin,
            handler,
            priority,
            script,
            on_error: OnError::FailOpen,
            rights: RightSet::ALL,
            timeout: Duration::from_secs(1),
        }
    }

    pub fn fail_closed(mut self) -> Self {
        self.on_error = OnError::FailClosed;
        self
    }

    pub fn rights(mut self, rights: RightSet) -> Self {
        self.rights = rights;
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// A runner over a snapshot holding `specs` on `point`, registered in the given order, and
/// the shared call log. Each entry's label in the log is `plugin/handler`.
/// The shared log of which handlers ran, in call order.
pub type CallLog = Arc<Mutex<Vec<String>>>;

pub fn runner(point: HookPoint, specs: &[Spec]) -> (HookRunner, CallLog, Vec<Arc<CallStats>>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let mut builder = SnapshotBuilder::new(1);
    let mut stats = Vec::new();
    for spec in specs {
        let handler = Arc::new(Scripted {
            name: format!("{}/{}", spec.plugin, spec.handler),
            point,
            script: spec.script.clone(),
            calls: calls.clone(),
        });
        let entry_stats = Arc::new(CallStats::default());
        stats.push(entry_stats.clone());
        builder.add_hook(
            point,
            HookEntry {
                owner: Owner::native(spec.plugin),
                handler_name: spec.handler.into(),
                priority: spec.priority,
                handler,
                on_error: spec.on_error,
                timeout: spec.timeout,
                rights: spec.rights,
                stats: entry_stats,
            },
        );
    }
    let registry = Arc::new(Registry::new(builder.build().expect("valid snapshot")));
    (HookRunner::new(registry), calls, stats)
}

/// A `before_agent_start` payload with empty context.
pub fn agent_start() -> HookPayload {
    HookPayload::BeforeAgentStart(AgentStart {
        system_prompt: "You are helpful.".into(),
        context: Vec::new(),
        user_message: "hi".into(),
    })
}

/// The context list of a `before_agent_start` payload.
pub fn context_of(payload: &HookPayload) -> Vec<String> {
    match payload {
        HookPayload::BeforeAgentStart(start) => start.context.clone(),
        other => panic!("expected before_agent_start, got {:?}", other.point()),
    }
}

pub fn ctx() -> HookContext {
    HookContext::session("zeroclaw", "s1", "test")
}

/// Every file under `dir`, recursively, sorted.
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}
