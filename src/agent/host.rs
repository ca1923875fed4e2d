//! The agent's parts, assembled from the config: the plugin runtime, the hook runner with
//! its listeners, the observers (log, metrics, and the ObserverBridge to plugins), the
//! security policy and the transcript store; and the open sessions.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use zeroclaw_plugin_api::{HookContext, HostLink, HostServices, SessionEnd, SessionEndReason, SessionStart, hooks};

use super::session::Session;
use super::sessions::{Lookup, Sessions, SharedSession};
use crate::config::LoadedConfig;
use crate::hooks::{HookListener, HookRunner};
use crate::memory::{TranscriptError, Transcripts};
use crate::observability::{
    Event, HookFailures, MetricsObserver, Observer, ObserverBridge, Observers, TracingObserver,
};
use crate::plugins::hot_reload::{PrepareFn, ReloadFn, WatchHandle, watch};
use crate::plugins::{PluginRuntime, RegistryError, ReloadReport};
use crate::security::SecurityPolicy;

/// Extra parts a caller adds (the demo's trace, tests' recorders).
#[derive(Clone, Default)]
pub struct AgentOptions {
    /// Listeners told about every hook handler call.
    pub listeners: Vec<Arc<dyn HookListener>>,
    /// Observers of the event stream, beside the log and the metrics.
    pub observers: Vec<Arc<dyn Observer>>,
}

/// The agent.
pub struct Agent {
    pub(super) config: LoadedConfig,
    pub(super) runtime: Arc<PluginRuntime>,
    pub(super) runner: HookRunner,
    pub(super) observer: Arc<dyn Observer>,
    pub(super) policy: SecurityPolicy,
    pub(super) transcripts: Option<Transcripts>,
    metrics: Arc<MetricsObserver>,
    bridge: Arc<ObserverBridge>,
    sessions: Sessions,
    /// Why the last transcript write failed, until one succeeds again (`/health`).
    store_error: Mutex<Option<String>>,
    /// The agent's provider chain and the snapshot generation it was built for.
    pub(super) provider_chain: Mutex<Option<(u64, crate::providers::ResolvedModel)>>,
    isolated: AtomicU64,
    watcher: Mutex<Option<WatchHandle>>,
}

impl Agent {
    /// Starts the agent of `config`.
    pub async fn start(config: LoadedConfig) -> Result<Arc<Agent>, RegistryError> {
        Self::start_with(config, AgentOptions::default()).await
    }

    /// Starts the agent with extra listeners and observers.
    pub async fn start_with(config: LoadedConfig, options: AgentOptions) -> Result<Arc<Agent>, RegistryError> {
        let host = HostLink::new();
        let runtime = Arc::new(PluginRuntime::start_with_host(config.clone(), host.clone()).await?);
        // A provider that is not there would fail every turn: refuse to start. Fallbacks and
        // routes that are not there are skipped at run time (and `config check` refuses them).
        let snapshot = runtime.snapshot();
        for problem in crate::providers::unresolved_names(&snapshot, &config.config.agent, &config.config.providers) {
            if problem.starts_with("agent.provider ") {
                return Err(RegistryError::State(format!("{}: {problem}", config.display_path())));
            }
            tracing::warn!("{}: {problem}", config.display_path());
        }
        drop(snapshot);
        let metrics = Arc::new(MetricsObserver::default());
        let mut base = Observers::new().with(Arc::new(TracingObserver)).with(metrics.clone());
        for observer in options.observers {
            base = base.with(observer);
        }
        let base: Arc<dyn Observer> = Arc::new(base);
        // The bridge's own runner reports failures to the base observers only: a failing
        // observer_event handler must not be fed its own failure.
        let bridge_runner =
            HookRunner::new(runtime.registry().clone()).with_listener(Arc::new(HookFailures::new(base.clone())));
        let (bridge, _task) = ObserverBridge::start(bridge_runner, config.config.agent.id.clone(), 1024);
        let observer: Arc<dyn Observer> = Arc::new(Observers::new().with(base).with(bridge.clone()));
        let mut runner =
            HookRunner::new(runtime.registry().clone()).with_listener(Arc::new(HookFailures::new(observer.clone())));
        for listener in options.listeners {
            runner = runner.with_listener(listener);
        }
        #[cfg(feature = "wasm")]
        if let Some(wasm) = runtime.wasm() {
            forward_runtime_events(wasm.events(), observer.clone());
        }
        // Without its transcripts the agent could acknowledge what it never stored: it
        // does not start.
        let transcripts = Transcripts::open(&config.memory_path(), config.config.memory.max_size_mb)
            .map_err(|e| RegistryError::State(format!("{e}; the agent does not start without its transcripts")))?;
        let transcripts = Some(transcripts);
        let max_sessions = usize::try_from(config.config.gateway.max_sessions).unwrap_or(usize::MAX);
        let policy = SecurityPolicy::new(config.config.security.clone());
        let agent = Arc::new(Agent {
            config,
            runtime,
            runner,
            observer,
            policy,
            transcripts,
            metrics,
            bridge,
            sessions: Sessions::new(max_sessions),
            store_error: Mutex::new(None),
            provider_chain: Mutex::new(None),
            isolated: AtomicU64::new(0),
            watcher: Mutex::new(None),
        });
        if agent.config.config.plugins.hot_reload {
            agent.start_watcher();
        }
        agent.start_idle_sweeper();
        #[cfg(feature = "wasm")]
        if let Some(wasm) = agent.runtime.wasm() {
            let calls = super::plugin_tools::PluginToolCalls::new(Arc::downgrade(&agent));
            wasm.tools().install(Arc::new(calls));
        }
        let services: Arc<dyn HostServices> = agent.clone();
        host.connect(Arc::downgrade(&services));
        Ok(agent)
    }

    /// The config in force.
    pub fn config(&self) -> &LoadedConfig {
        &self.config
    }

    /// The plugin runtime (registry, snapshot, wasm backend).
    pub fn runtime(&self) -> &Arc<PluginRuntime> {
        &self.runtime
    }

    /// The hook runner.
    pub fn runner(&self) -> &HookRunner {
        &self.runner
    }

    /// The host counters.
    pub fn metrics(&self) -> &MetricsObserver {
        &self.metrics
    }

    /// The ObserverBridge (for its forwarded and dropped counts).
    pub fn bridge(&self) -> &ObserverBridge {
        &self.bridge
    }

    /// The event stream.
    pub fn observer(&self) -> &Arc<dyn Observer> {
        &self.observer
    }

    /// The transcript store, when it could be opened.
    pub fn transcripts(&self) -> Option<&Transcripts> {
        self.transcripts.as_ref()
    }

    /// A hook context for `session`.
    pub fn context(&self, session_id: &str, channel: &str) -> HookContext {
        HookContext::session(self.config.config.agent.id.as_str(), session_id, channel)
    }

    /// The session `id`. When it is not in memory it is rebuilt from its transcript (empty
    /// for a new session) and `session_start` fires; making room for it may push the least
    /// recently used session out (`session_end`, reason `evicted`).
    pub async fn session(&self, id: &str, channel: &str) -> SharedSession {
        let max_history = usize::try_from(self.config.config.agent.max_history_messages).unwrap_or(usize::MAX);
        let (session, mut guard, evicted) =
            match self.sessions.get_or_insert(id, || Session::new(id, channel, max_history)) {
                Lookup::Found(session) => return session,
                Lookup::Inserted { session, guard, evicted } => (session, guard, evicted),
            };
        // Filled before the first await: a request cancelled at an await below must not
        // leave a blank session in the cache.
        if let Some(store) = &self.transcripts {
            match store.replay(id) {
                Ok(rows) if !rows.is_empty() => *guard = Session::resume(id, channel, max_history, rows),
                Ok(_) => {}
                Err(e) => {
                    let e = format!("cannot read the transcript of session {id}: {e}");
                    tracing::error!("{e}");
                    self.observer.record(&Event::Error { component: "memory".into(), message: e });
                }
            }
        }
        drop(guard);
        if let Some(evicted) = evicted {
            self.finish(evicted, SessionEndReason::Evicted).await;
        }
        let start = SessionStart { session_id: id.into(), channel: channel.into() };
        self.runner.fire::<hooks::SessionStart>(&self.context(id, channel), start).await;
        session
    }

    /// How many sessions are in memory.
    pub fn sessions_in_memory(&self) -> usize {
        self.sessions.len()
    }

    /// Ids of the sessions in memory.
    pub fn open_sessions(&self) -> Vec<String> {
        self.sessions.ids()
    }

    /// Closes session `id` (`session_end`); a no-op for an id not in memory.
    pub async fn end_session(&self, id: &str, reason: SessionEndReason) {
        if let Some(session) = self.sessions.remove(id) {
            self.finish(session, reason).await;
        }
    }

    /// `<base>-<n>` for the lowest `n` no session has used, in memory or in a transcript:
    /// sessions resume from their transcripts, so a new conversation (an isolated turn, a
    /// `/reset`) must not take an id an earlier run left behind.
    pub fn fresh_session_id(&self, base: &str) -> String {
        loop {
            let n = self.isolated.fetch_add(1, Ordering::Relaxed) + 1;
            let id = format!("{base}-{n}");
            let in_memory = self.sessions.contains(&id);
            let stored = self.transcripts.as_ref().is_some_and(|t| t.has_session(&id).unwrap_or(true));
            if !in_memory && !stored {
                return id;
            }
        }
    }

    /// Drops session `id` from memory without ending it (no `session_end`): its next message
    /// rebuilds it from its transcript.
    pub fn forget_session(&self, id: &str) {
        self.sessions.remove(id);
    }

    /// Ends every session idle for `idle` or longer (`session_end`, reason `idle`), and
    /// returns how many. The agent runs this on its own every so often (see
    /// `gateway.session_idle_secs`).
    pub async fn end_idle_sessions(&self, idle: Duration) -> usize {
        let idle = self.sessions.take_idle(idle);
        let count = idle.len();
        for session in idle {
            self.finish(session, SessionEndReason::Idle).await;
        }
        count
    }

    /// Fires `session_end` for a session already out of memory.
    async fn finish(&self, session: SharedSession, reason: SessionEndReason) {
        let session = session.lock().await;
        let end = SessionEnd {
            session_id: session.id.clone(),
            channel: session.channel.clone(),
            reason,
            turns: session.turns,
        };
        self.runner.fire::<hooks::SessionEnd>(&self.context(&session.id, &session.channel), end).await;
    }

    /// Why the host is degraded, if it is: the last transcript write failed.
    pub fn degraded(&self) -> Option<String> {
        self.store_error.lock().clone()
    }

    /// Records the outcome of a transcript write (for [`Agent::degraded`]).
    pub(super) fn store_outcome(&self, outcome: &Result<(), TranscriptError>) {
        let mut error = self.store_error.lock();
        match outcome {
            Ok(()) => *error = None,
            Err(e) => *error = Some(e.to_string()),
        }
    }

    /// Sweeps idle sessions out of memory every so often, for as long as the agent lives.
    fn start_idle_sweeper(self: &Arc<Self>) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else { return };
        let idle = Duration::from_secs(self.config.config.gateway.session_idle_secs);
        let period = (idle / 4).clamp(Duration::from_secs(1), Duration::from_secs(60));
        let weak = Arc::downgrade(self);
        handle.spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                let Some(agent) = weak.upgrade() else { break };
                let ended = agent.end_idle_sessions(idle).await;
                if ended > 0 {
                    tracing::debug!("{ended} idle session(s) left memory");
                }
            }
        });
    }

    /// Reloads the plugins (see [`PluginRuntime::reload`]) and reports it to the observers.
    pub async fn reload(&self, settle: Option<std::time::Duration>) -> ReloadReport {
        let report = self.runtime.reload(settle).await;
        let mut failures: Vec<String> = report.failed.iter().map(|f| format!("{}: {}", f.plugin, f.reason)).collect();
        if let Some(error) = &report.error {
            failures.push(error.clone());
        }
        self.observer.record(&Event::Reload { generation: report.generation, failures });
        report
    }

    /// Starts watching the plugin directories and the config file.
    fn start_watcher(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        let reload: ReloadFn = Arc::new(move |settle| {
            let weak = weak.clone();
            Box::pin(async move {
                match weak.upgrade() {
                    Some(agent) => agent.reload(Some(settle)).await,
                    None => ReloadReport::default(),
                }
            })
        });
        let weak = Arc::downgrade(self);
        let prepare: PrepareFn = Arc::new(move |changed| {
            let weak = weak.clone();
            Box::pin(async move {
                if let Some(agent) = weak.upgrade() {
                    agent.runtime.precompile(&changed).await;
                }
            })
        });
        let config_file = match &self.config.source {
            crate::config::ConfigSource::File(path) => Some(std::path::absolute(path).unwrap_or_else(|_| path.clone())),
            crate::config::ConfigSource::Defaults => None,
        };
        let debounce = std::time::Duration::from_millis(self.config.config.plugins.reload_debounce_ms);
        match watch(&self.config.plugin_dirs(), config_file.as_deref(), debounce, prepare, reload) {
            Ok(handle) => *self.watcher.lock() = Some(handle),
            Err(e) => {
                tracing::error!("hot reload is off: {e}");
                self.observer.record(&Event::Error { component: "hot_reload".into(), message: e.to_string() });
            }
        }
    }

    /// Closes every open session.
    pub async fn end_all_sessions(&self, reason: SessionEndReason) {
        for id in self.open_sessions() {
            self.end_session(&id, reason).await;
        }
    }
}

#[async_trait::async_trait]
impl HostServices for Agent {
    /// An isolated turn: a session of its own (`<label>-<n>`, channel `label`), no message
    /// hooks and no delivery; the session is closed afterwards.
    async fn run_isolated_turn(&self, label: &str, message: &str) -> Result<String, String> {
        let id = self.fresh_session_id(label);
        let session = self.session(&id, label).await;
        let outcome = {
            let mut session = session.lock().await;
            self.turn(&mut session, message.to_string()).await
        };
        self.end_session(&id, SessionEndReason::Closed).await;
        match outcome.cancelled {
            Some(why) if outcome.reply.is_empty() => Err(why),
            _ => Ok(outcome.reply),
        }
    }
}

/// Turns the wasm backend's quarantine and recovery events into observer events.
#[cfg(feature = "wasm")]
fn forward_runtime_events(
    mut events: tokio::sync::broadcast::Receiver<crate::plugins::wasm::RuntimeEvent>,
    observer: Arc<dyn Observer>,
) {
    use crate::plugins::wasm::RuntimeEvent;
    tokio::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(RuntimeEvent::Quarantined { owner, duration, reason }) => Event::PluginQuarantined {
                    owner: owner.to_string(),
                    duration_ms: duration.as_millis() as u64,
                    reason,
                },
                Ok(RuntimeEvent::Recovered { owner }) => Event::PluginRecovered { owner: owner.to_string() },
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            };
            observer.record(&event);
        }
    });
}
