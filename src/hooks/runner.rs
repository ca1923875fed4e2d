//! Dispatch with the catalog's semantics.
//!
//! - Order is the snapshot's: priority descending, then plugin id, then handler name.
//! - Modifying points run handlers one after another; each sees the previous output.
//!   A cancel is terminal. A modify carrying another point's payload, or from a handler
//!   without the point's mutation right, is refused and the previous value passes on.
//! - Void points run their handlers concurrently; the outcome is ignored.
//! - Every call is bounded by its entry's timeout and shielded from panics. A failure is
//!   logged with the owner and counted; it is skipped (fail-open) or becomes a cancel
//!   (fail-closed).
//!
//! The runner takes the snapshot once per dispatch: a reload during a chain does not
//! change the handlers that chain runs.
//!
//! Call sites are typed by the catalog's markers: [`HookRunner::run`] takes a modifying
//! point's payload and gives it back rewritten, [`HookRunner::fire`] takes a void point's;
//! the other pairing does not compile. [`HookRunner::run_payload`] and
//! [`HookRunner::fire_payload`] take a `HookPayload` of any point, for callers that only
//! know it at run time (`plugins fire`, tests).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::Arc;

// quanta reads the TSC without serialising the pipeline; the OS clock (through the vDSO)
// costs about 50 ns a read on the hot path here, and the runner reads it once per handler.
use quanta::Instant;

use futures::FutureExt;
use zeroclaw_plugin_api::{
    FailureKind, HookContext, HookKind, HookOutcome, HookPayload, HookPoint, ModifyingHook, Owner, VoidHook,
};

use super::listener::{HandlerEvent, HandlerFailure, HandlerOutcome, HookListener};
use crate::capability::Capability;
use crate::config::OnError;
use crate::observability::FailureClass;
use crate::plugins::{HookEntry, Registry};
use crate::timeout::{Elapsed, when_waiting};

/// The result of a modifying chain: the payload of its point (`P`), or a cancel.
#[derive(Clone, Debug, PartialEq)]
pub enum HookFlow<P = HookPayload> {
    /// Go on with this payload (the original or as rewritten).
    Continue(P),
    /// A handler cancelled; the call site applies it.
    Cancelled {
        /// Why, as the handler (or the fail-closed policy) said.
        reason: String,
        /// Who cancelled.
        by: Owner,
    },
}

/// Runs hook points against the registry's current snapshot.
#[derive(Clone)]
pub struct HookRunner {
    registry: Arc<Registry>,
    listeners: Vec<Arc<dyn HookListener>>,
}

impl HookRunner {
    /// A runner over `registry`.
    pub fn new(registry: Arc<Registry>) -> Self {
        HookRunner { registry, listeners: Vec::new() }
    }

    /// Adds a listener told about every handler call.
    pub fn with_listener(mut self, listener: Arc<dyn HookListener>) -> Self {
        self.listeners.push(listener);
        self
    }

    /// The registry this runner reads.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Whether anything listens to `point` in the current snapshot (lets call sites skip
    /// building an expensive payload).
    pub fn has_handlers(&self, point: HookPoint) -> bool {
        !self.registry.borrow().hooks(point).is_empty()
    }

    /// Runs the modifying point `H`: each handler in order sees the previous one's output.
    pub async fn run<H: ModifyingHook>(&self, ctx: &HookContext, payload: H::Payload) -> HookFlow<H::Payload> {
        match self.chain(ctx, H::POINT, H::lend(payload)).await {
            HookFlow::Continue(payload) => match H::reclaim(payload) {
                Ok(payload) => HookFlow::Continue(payload),
                // `chain` only keeps a modify of its own point's kind, so a payload of
                // another kind cannot come back; were it to, the chain fails closed
                // rather than the host panicking.
                Err(other) => HookFlow::Cancelled {
                    reason: format!("{} ended with a {} payload", H::POINT.name(), other.point().name()),
                    by: Owner::native("hook_runner"),
                },
            },
            HookFlow::Cancelled { reason, by } => HookFlow::Cancelled { reason, by },
        }
    }

    /// Fires the void point `H`: every handler concurrently, each under its own timeout.
    pub async fn fire<H: VoidHook>(&self, ctx: &HookContext, payload: H::Payload) {
        self.fire_payload(ctx, &H::lend(payload)).await;
    }

    /// Runs a payload of any point: a modifying one as [`run`](Self::run) does, a void one
    /// fired and given back unchanged.
    pub async fn run_payload(&self, ctx: &HookContext, payload: HookPayload) -> HookFlow {
        let point = payload.point();
        if point.kind() == HookKind::Void {
            self.fire_payload(ctx, &payload).await;
            return HookFlow::Continue(payload);
        }
        self.chain(ctx, point, payload).await
    }

    /// The modifying chain of `point` over `payload` (a payload of `point`).
    // Not an `async fn`: an async fn keeps each argument twice in its future (as given, and
    // moved into the body), and the payload is the largest part of this one.
    #[expect(clippy::manual_async_fn, reason = "an async fn would keep its arguments twice (see above)")]
    fn chain<'a>(
        &'a self,
        ctx: &'a HookContext,
        point: HookPoint,
        mut payload: HookPayload,
    ) -> impl Future<Output = HookFlow> + Send + 'a {
        async move {
            let snapshot = self.registry.borrow();
            // One clock read per handler: each call ends where the next one starts.
            let mut mark = Instant::now();
            for entry in snapshot.hooks(point) {
                let result = call(entry, ctx, &payload).await;
                let now = Instant::now();
                let elapsed = now - mark;
                mark = now;
                let outcome = match result {
                    Ok(HookOutcome::Continue) => HandlerOutcome::Continued,
                    Ok(HookOutcome::Modify(next)) => match refusal(entry, point, Some(&next)) {
                        Some(why) => HandlerOutcome::Refused(why),
                        None => {
                            payload = next;
                            HandlerOutcome::Modified
                        }
                    },
                    Ok(HookOutcome::Cancel(reason)) => match refusal(entry, point, None) {
                        Some(why) => HandlerOutcome::Refused(why),
                        None => HandlerOutcome::Cancelled(reason),
                    },
                    Err(failure) => HandlerOutcome::Failed(failure),
                };
                self.account(point, ctx, entry, &outcome, elapsed);
                match outcome {
                    HandlerOutcome::Cancelled(reason) => {
                        return HookFlow::Cancelled { reason, by: entry.owner.clone() };
                    }
                    HandlerOutcome::Failed(failure) if entry.on_error == OnError::FailClosed => {
                        return HookFlow::Cancelled {
                            reason: format!(
                                "{} failed ({failure}) and is configured on_error = \"fail-closed\"",
                                entry.owner
                            ),
                            by: entry.owner.clone(),
                        };
                    }
                    _ => {}
                }
            }
            HookFlow::Continue(payload)
        }
    }

    /// Fires a payload of any point as a void point: every handler concurrently, each
    /// under its own timeout, so this returns within the largest handler timeout whatever
    /// the handlers do. Outcomes other than continue are refused.
    pub async fn fire_payload(&self, ctx: &HookContext, payload: &HookPayload) {
        let point = payload.point();
        let snapshot = self.registry.borrow();
        let entries = snapshot.hooks(point);
        if entries.is_empty() {
            return;
        }
        let started = Instant::now();
        match entries {
            [only] => self.observe(point, ctx, only, payload, started).await,
            many => {
                let calls = many.iter().map(|entry| self.observe(point, ctx, entry, payload, started));
                futures::future::join_all(calls).await;
            }
        }
    }

    /// Calls one handler of a void point and accounts for it.
    async fn observe(
        &self,
        point: HookPoint,
        ctx: &HookContext,
        entry: &HookEntry,
        payload: &HookPayload,
        started: Instant,
    ) {
        let outcome = match call(entry, ctx, payload).await {
            Ok(HookOutcome::Continue) => HandlerOutcome::Continued,
            Ok(HookOutcome::Modify(_) | HookOutcome::Cancel(_)) => {
                HandlerOutcome::Refused(format!("{} is a void hook: its outcome is ignored", point.name()))
            }
            Err(failure) => HandlerOutcome::Failed(failure),
        };
        self.account(point, ctx, entry, &outcome, started.elapsed());
    }

    /// Counts, logs and reports one handler call.
    fn account(
        &self,
        point: HookPoint,
        ctx: &HookContext,
        entry: &HookEntry,
        outcome: &HandlerOutcome,
        elapsed: std::time::Duration,
    ) {
        entry.stats.record_call(elapsed);
        match outcome {
            HandlerOutcome::Failed(failure) => {
                entry.stats.record_error(failure.is_timeout());
                let policy = match entry.on_error {
                    OnError::FailOpen => "skipped (fail-open)",
                    OnError::FailClosed => "hook cancelled (fail-closed)",
                };
                if failure.class() == FailureClass::Runtime(FailureKind::Quarantined) {
                    // Said once when the quarantine began; each skipped call is only debug.
                    tracing::debug!(plugin = %entry.owner, hook = point.name(), "skipped: {failure}; {policy}");
                } else {
                    tracing::warn!(
                        plugin = %entry.owner, hook = point.name(), handler = %entry.handler_name,
                        failure = failure.label(), "hook handler failed: {failure}; {policy}"
                    );
                }
            }
            HandlerOutcome::Refused(why) => {
                entry.stats.record_refused();
                tracing::warn!(
                    plugin = %entry.owner, hook = point.name(), handler = %entry.handler_name,
                    "hook outcome refused: {why}; the unchanged value passes on"
                );
            }
            HandlerOutcome::Continued | HandlerOutcome::Modified | HandlerOutcome::Cancelled(_) => {}
        }
        if !self.listeners.is_empty() {
            let event = HandlerEvent { point, ctx, entry, outcome, elapsed };
            for listener in &self.listeners {
                listener.on_handler(&event);
            }
        }
    }
}

/// Calls one handler under its timeout, turning a panic into a failure.
async fn call(entry: &HookEntry, ctx: &HookContext, payload: &HookPayload) -> Result<HookOutcome, HandlerFailure> {
    let guarded = pin!(AssertUnwindSafe(entry.handler.handle(ctx, payload)).catch_unwind());
    // Most native handlers finish on their first poll: the timer is armed only for a
    // handler that has to wait, and runs from then on (the time it spent on the CPU before
    // that, no timer could have cut).
    match when_waiting(entry.timeout, guarded).await {
        Err(Elapsed) => Err(HandlerFailure::Timeout(entry.timeout)),
        Ok(Err(panic)) => Err(HandlerFailure::Panic(panic_message(panic.as_ref()))),
        Ok(Ok(Err(error))) => Err(HandlerFailure::Error(error)),
        Ok(Ok(Ok(outcome))) => Ok(outcome),
    }
}

/// Why a modify (`Some(next)`) or a cancel (`None`) from `entry` on the modifying point
/// `point` is refused (the same judgement a trial applies, `plugins::trial`).
pub(crate) fn refusal(entry: &HookEntry, point: HookPoint, next: Option<&HookPayload>) -> Option<String> {
    if let Some(next) = next
        && next.point() != point
    {
        return Some(format!(
            "a {} handler returned a {} payload; a modify must keep the hook's payload kind",
            point.name(),
            next.point().name()
        ));
    }
    if !entry.rights.may_modify(point) {
        let action = if next.is_some() { "rewrite" } else { "cancel" };
        let fix = point.required_right().map(Capability::from_right).map_or_else(
            || "a void point cannot be rewritten".to_string(),
            |cap| cap.whole_fix(entry.owner.plugin_id()),
        );
        return Some(format!(
            "{} may not {action} {} without the `{}` capability; {fix}",
            entry.owner,
            point.name(),
            point.required_right().map_or("none", |r| r.capability()),
        ));
    }
    None
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}
