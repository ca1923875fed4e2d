//! The ObserverBridge: every observer event, forwarded to plugins subscribed to the
//! `observer_event` hook.
//!
//! It is an observer like any other, so the existing observers keep working unchanged. It
//! never blocks the agent: events go through a bounded queue to a task that fires the hook;
//! when the queue is full the event is dropped and counted. Failures of `observer_event`
//! handlers themselves are not forwarded back to them (that would feed a loop). An event
//! recorded inside a plugin's tool call (`tools:invoke`) is delivered inside that call's
//! chain, so a handler that calls a tool, whose events reach it again, nests one level
//! deeper each time and stops at the depth limit instead of looping for ever.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use zeroclaw_plugin_api::{HookContext, HookPoint, ObserverEvent, hooks};

use super::{CallSite, Event, Observer};
use crate::hooks::HookRunner;
use crate::plugins::invoke::CallChain;

/// Forwards the observer stream to `observer_event` handlers.
pub struct ObserverBridge {
    queue: mpsc::Sender<(ObserverEvent, CallChain)>,
    runner: HookRunner,
    forwarded: AtomicU64,
    dropped: AtomicU64,
}

impl ObserverBridge {
    /// Starts the bridge's task; `capacity` bounds the queue.
    pub fn start(runner: HookRunner, agent_id: String, capacity: usize) -> (Arc<Self>, JoinHandle<()>) {
        let (queue, mut events) = mpsc::channel::<(ObserverEvent, CallChain)>(capacity.max(1));
        let ctx = HookContext::agent(agent_id);
        let task_runner = runner.clone();
        let task = tokio::spawn(async move {
            while let Some((event, chain)) = events.recv().await {
                chain.scope(task_runner.fire::<hooks::ObserverEvent>(&ctx, event)).await;
            }
        });
        let bridge =
            Arc::new(ObserverBridge { queue, runner, forwarded: AtomicU64::new(0), dropped: AtomicU64::new(0) });
        (bridge, task)
    }

    /// Events handed to the queue.
    pub fn forwarded(&self) -> u64 {
        self.forwarded.load(Ordering::Relaxed)
    }

    /// Events dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl Observer for ObserverBridge {
    fn record(&self, event: &Event) {
        if matches!(event, Event::PluginFailure { site: CallSite::Hook(HookPoint::ObserverEvent), .. }) {
            return;
        }
        if !self.runner.has_handlers(HookPoint::ObserverEvent) {
            return;
        }
        match self.queue.try_send((event.to_payload(), CallChain::current())) {
            Ok(()) => {
                self.forwarded.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
