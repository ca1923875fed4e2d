//! Running calls on a loaded plugin: instances, limits, and what a failure was.
//!
//! Every call runs under a deadline (an epoch callback stops a spinning guest at it and
//! yields every tick meanwhile; an async timeout cuts a guest blocked in a host call), a
//! memory cap, optional fuel, a concurrency permit, and payload and output size caps.
//! Instances come fresh from the pre-checked `InstancePre` (default) or from a small pool
//! of warm ones. Any error drops the store: a trapped or cancelled store is poisoned.

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::time::Instant;
use wasmtime::component::{Instance, InstancePre};
use wasmtime::{Engine, Store, Trap, UpdateDeadline};
use zeroclaw_plugin_api::{FailureKind, Owner, RuntimeFailure};

use super::calls::{Call, CallError, ExportIndices};
use super::guest_error::guest_error;
use super::host::{HostState, PluginShared};
use super::reaper::Reaped;
use super::slots::Slots;
use crate::config::InstancePolicy;
use crate::plugins::invoke::CallChain;
use crate::timeout::when_waiting;

/// How long past its deadline a call blocked in a host call may take to be cut.
const GRACE: Duration = Duration::from_millis(20);

/// Bytes a guest may hand the host at once beyond `max_output_bytes` (the envelope of a
/// result: a variant's case, a record's other fields).
const HANDOFF_SLACK: u64 = 64 * 1024;

/// A store and, once instantiated, its instance.
struct Slot {
    store: Store<HostState>,
    instance: Option<Instance>,
}

/// Everything needed to run calls on one loaded plugin version.
pub struct PluginInstances {
    shared: Arc<PluginShared>,
    engine: Engine,
    // The compiled component and the idle instances: the heavy part of a version, freed
    // on the reaper thread rather than by whichever call happens to end the version.
    pre: Reaped<InstancePre<HostState>>,
    exports: ExportIndices,
    policy: InstancePolicy,
    fuel_metered: bool,
    permits: Slots,
    warm: Reaped<Mutex<Vec<Slot>>>,
    breaker: Mutex<Breaker>,
    /// No failure since the last success and no quarantine: lets the common call skip the
    /// breaker's lock on both sides.
    healthy: AtomicBool,
    events: Option<tokio::sync::broadcast::Sender<RuntimeEvent>>,
}

impl std::fmt::Debug for PluginInstances {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginInstances").field("owner", &self.shared.owner).finish_non_exhaustive()
    }
}

/// Something the runtime did to a plugin on its own, for the observer.
#[derive(Clone, Debug, PartialEq)]
pub enum RuntimeEvent {
    /// Too many consecutive failures: calls are refused for a while.
    Quarantined {
        /// The plugin.
        owner: Owner,
        /// For how long.
        duration: Duration,
        /// The failure that tipped it.
        reason: String,
    },
    /// A quarantined plugin answered again.
    Recovered {
        /// The plugin.
        owner: Owner,
    },
}

/// The circuit breaker: consecutive runtime failures, and the quarantine they caused.
#[derive(Debug, Default)]
struct Breaker {
    consecutive: u64,
    open_until: Option<Instant>,
}

/// Whether a failure says something about the plugin (and so counts toward quarantine).
/// Refusals caused by the host's side (busy, payload too large, already quarantined) do not.
fn counts_toward_quarantine(kind: FailureKind) -> bool {
    match kind {
        FailureKind::Trap
        | FailureKind::Panic
        | FailureKind::Timeout
        | FailureKind::MemoryLimit
        | FailureKind::FuelExhausted
        | FailureKind::Denied
        | FailureKind::OutputTooLarge
        | FailureKind::HostCallLimit
        | FailureKind::Contract
        | FailureKind::Internal => true,
        FailureKind::Busy | FailureKind::PayloadTooLarge | FailureKind::Quarantined => false,
    }
}

impl PluginInstances {
    /// Prepares calls for a plugin whose `pre` and export `indices` are already checked.
    pub fn new(
        shared: Arc<PluginShared>,
        engine: Engine,
        pre: InstancePre<HostState>,
        exports: ExportIndices,
        policy: InstancePolicy,
        fuel_metered: bool,
    ) -> Self {
        let permits = usize::try_from(shared.limits.max_concurrency).unwrap_or(usize::MAX);
        PluginInstances {
            shared,
            engine,
            pre: Reaped::new(pre),
            exports,
            policy,
            fuel_metered,
            permits: Slots::new(permits),
            warm: Reaped::new(Mutex::new(Vec::new())),
            breaker: Mutex::new(Breaker::default()),
            healthy: AtomicBool::new(true),
            events: None,
        }
    }

    /// Reports quarantines and recoveries on `events`.
    pub fn with_events(mut self, events: tokio::sync::broadcast::Sender<RuntimeEvent>) -> Self {
        self.events = Some(events);
        self
    }

    /// How much longer the plugin is quarantined, if it is.
    pub fn quarantined_for(&self) -> Option<Duration> {
        if self.healthy.load(Ordering::Acquire) {
            return None;
        }
        let until = self.breaker.lock().open_until?;
        until.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())
    }

    /// Runs one call, through the circuit breaker: while the plugin is quarantined calls
    /// are refused at once; `failure_threshold` consecutive runtime failures quarantine it
    /// for `quarantine_ms`; after that, the next call is let through, and a success closes
    /// the breaker (a failure opens it again).
    ///
    /// `call` is borrowed: the caller's future holds it once (an `async fn` keeps a value
    /// argument twice, as passed and moved into its body), and this future is boxed and
    /// moved on every hook call.
    pub async fn call<C: Call>(&self, call: &C) -> Result<C::Reply, RuntimeFailure> {
        if let Some(left) = self.quarantined_for() {
            return Err(self.failure(
            FailureKind::Quarantined,
            format!(
                "quarantined for {} ms more after {} consecutive failures (plugins.limits.failure_threshold, quarantine_ms)",
                left.as_millis(),
                self.shared.limits.failure_threshold
            ),
        ));
        }
        // A labeled block, not a nested async fn: an awaited future is copied into its
        // parent, and this one is over a kilobyte.
        let result: Result<C::Reply, RuntimeFailure> = 'limited: {
            // A call usually finishes in its first poll, so a task calling plugins in a loop
            // would never yield and would starve its worker (other tasks, timers, the epoch
            // deadlines of calls parked there). A call spends tokio's cooperative budget, as a
            // channel receive does: such a task yields every so many calls.
            tokio::task::coop::consume_budget().await;
            let limits = &self.shared.limits;
            let id = self.shared.owner.plugin_id();
            let timeout = Duration::from_millis(limits.timeout_ms);

            let size = call.size();
            if size > limits.max_payload_bytes {
                break 'limited Err(self.failure(
                FailureKind::PayloadTooLarge,
                format!(
                    "payload of {size} bytes is over the {} byte cap (plugins.entries.{id}.limits.max_payload_bytes)",
                    limits.max_payload_bytes
                ),
            ));
            }

            // A free slot is the common case: take it without arming a timer. Waiting for one
            // is the host's queue, not the plugin's time: it is bounded by the timeout too, but
            // a call that gives up waiting is `busy` (never counted by the breaker), and a call
            // that gets a slot runs under its whole timeout from then on.
            let permit = match self.permits.try_take() {
                Some(permit) => Ok(permit),
                // This task is nested in a call of this very plugin (a tool it called came
                // back to it): a slot the chain holds is never freed while it waits, so it
                // must not wait at all.
                None if CallChain::current_contains(id) => {
                    break 'limited Err(self.failure(
                    FailureKind::Busy,
                    format!(
                        "busy: `{id}` is already running in this call chain ({}) and all its {} concurrency slots are taken; a tool call that comes back to a plugin needs a free slot (raise plugins.entries.{id}.limits.max_concurrency, or do not call back)",
                        CallChain::current(),
                        limits.max_concurrency
                    ),
                ));
                }
                // Boxed: the rare path's future would otherwise size every call's.
                None => Box::pin(tokio::time::timeout(timeout, self.permits.take())).await.map_err(|_| ()),
            };
            let _permit = match permit {
                Ok(permit) => permit,
                Err(()) => {
                    break 'limited Err(self.failure(
                    FailureKind::Busy,
                    format!(
                        "busy: all {} concurrency slots stayed taken for {} ms, so the call gave up waiting (raise plugins.entries.{id}.limits.max_concurrency, or send fewer calls at once)",
                        limits.max_concurrency, limits.timeout_ms
                    ),
                ));
                }
            };
            let pooled = match self.policy {
                InstancePolicy::Warm => self.warm.lock().pop(),
                InstancePolicy::Fresh => None,
            };
            let mut slot = pooled.unwrap_or_else(|| Slot { store: self.new_store(), instance: None });
            self.arm(&mut slot.store, timeout);
            // The slot outlives the timed future, so its state explains a timeout too. Most
            // calls finish in their first poll, so the timer is armed only when one waits: that
            // poll ran for at most a tick (the epoch callback yields every tick), so this is
            // the call's own deadline within a tick, as the callback's is.
            let result = when_waiting(timeout + GRACE, pin!(self.run(&mut slot, call))).await;
            let stderr = slot.store.data().flush_stdio();
            let outcome = match result {
                Ok(Ok(reply)) => reply,
                Ok(Err(CallError::Contract(detail))) => {
                    break 'limited Err(self.failure(FailureKind::Contract, detail));
                }
                Ok(Err(CallError::Trap(error))) => {
                    break 'limited Err(self.classify(&error, slot.store.data(), &stderr));
                }
                Err(_) => {
                    break 'limited Err(self.failure(
                    FailureKind::Timeout,
                    format!(
                        "ran past its {} ms timeout while waiting in a host call (plugins.entries.{id}.limits.timeout_ms)",
                        limits.timeout_ms
                    ),
                ));
                }
            };
            let out = C::reply_size(&outcome);
            if out > limits.max_output_bytes {
                break 'limited Err(self.failure(
                    FailureKind::OutputTooLarge,
                    format!(
                        "returned {out} bytes, over the {} byte cap (plugins.entries.{id}.limits.max_output_bytes)",
                        limits.max_output_bytes
                    ),
                ));
            }
            if self.policy == InstancePolicy::Warm {
                let mut warm = self.warm.lock();
                if (warm.len() as u64) < limits.warm_instances {
                    warm.push(slot);
                }
            }
            Ok(outcome)
        };
        if result.is_ok() && self.healthy.load(Ordering::Acquire) {
            return result;
        }
        let event = {
            let mut breaker = self.breaker.lock();
            match &result {
                Ok(_) => {
                    let was_open = breaker.open_until.take().is_some();
                    breaker.consecutive = 0;
                    self.healthy.store(true, Ordering::Release);
                    was_open.then(|| RuntimeEvent::Recovered { owner: self.shared.owner.clone() })
                }
                Err(failure) if counts_toward_quarantine(failure.kind) => {
                    breaker.consecutive += 1;
                    self.healthy.store(false, Ordering::Release);
                    let limits = &self.shared.limits;
                    let now = Instant::now();
                    // Calls that were already running when the breaker opened end after it:
                    // their failures are counted, but only the call that opens it reports
                    // the transition.
                    let open = breaker.open_until.is_some_and(|until| until > now);
                    (breaker.consecutive >= limits.failure_threshold && !open).then(|| {
                        let duration = Duration::from_millis(limits.quarantine_ms);
                        breaker.open_until = Some(now + duration);
                        RuntimeEvent::Quarantined {
                            owner: self.shared.owner.clone(),
                            duration,
                            reason: failure.to_string(),
                        }
                    })
                }
                Err(_) => None,
            }
        };
        if let Some(event) = event {
            match &event {
                RuntimeEvent::Quarantined { owner, duration, reason } => tracing::warn!(
                    plugin = %owner,
                    "quarantined for {} ms after {} consecutive failures; last: {reason}",
                    duration.as_millis(),
                    self.shared.limits.failure_threshold
                ),
                RuntimeEvent::Recovered { owner } => tracing::info!(plugin = %owner, "recovered from quarantine"),
            }
            if let Some(events) = &self.events {
                let _ = events.send(event);
            }
        }
        result
    }

    /// The guest functions calls go to, and the version each kind speaks.
    pub fn exports(&self) -> &ExportIndices {
        &self.exports
    }

    /// The compiled component these calls instantiate.
    pub fn component(&self) -> &wasmtime::component::Component {
        self.pre.component()
    }

    /// The owner every failure names.
    pub fn owner(&self) -> &Owner {
        &self.shared.owner
    }

    /// Idle warm instances right now.
    pub fn warm_count(&self) -> usize {
        self.warm.lock().len()
    }

    fn failure(&self, kind: FailureKind, detail: String) -> RuntimeFailure {
        RuntimeFailure::new(self.shared.owner.clone(), kind, detail)
    }

    fn new_store(&self) -> Store<HostState> {
        let mut store = Store::new(&self.engine, HostState::new(self.shared.clone()));
        store.limiter(|state| &mut state.limiter);
        // The engine charges every string and list the guest hands over (a result, a host
        // call's arguments) against this before it copies or allocates anything: what
        // the guest returns is bounded by the output cap before it costs the host.
        let handoff = self.shared.limits.max_output_bytes.saturating_add(HANDOFF_SLACK);
        store.set_hostcall_fuel(usize::try_from(handoff).unwrap_or(usize::MAX));
        store.epoch_deadline_callback(|mut ctx| {
            let state = ctx.data_mut();
            let now = Instant::now();
            let deadline = *state.call.deadline.get_or_insert(now + state.call.timeout);
            if now >= deadline {
                state.call.timed_out = true;
                return Err(Trap::Interrupt.into());
            }
            // Yield every tick: a spinning guest then shares its thread with other calls.
            Ok(UpdateDeadline::Yield(1))
        });
        store
    }

    /// Resets per-call state and arms the deadline and fuel.
    fn arm(&self, store: &mut Store<HostState>, timeout: Duration) {
        store.data_mut().begin_call(timeout);
        store.set_epoch_deadline(1);
        if self.fuel_metered {
            let fuel = self.shared.limits.fuel.unwrap_or(u64::MAX);
            // Setting fuel only fails when the engine does not meter it.
            let _ = store.set_fuel(fuel);
        }
    }

    /// Instantiates the slot if it is fresh, then runs `call` on it.
    async fn run<C: Call>(&self, slot: &mut Slot, call: &C) -> Result<C::Reply, CallError> {
        let instance = match slot.instance {
            Some(instance) => instance,
            None => {
                // Boxed: instantiating is rare for a warm plugin and its future is large;
                // inline, it would size (and be moved with) every call's future.
                let instance = Box::pin(self.pre.instantiate_async(&mut slot.store)).await?;
                slot.instance = Some(instance);
                instance
            }
        };
        call.run(&mut slot.store, instance, &self.exports).await
    }

    /// Names what stopped a call, from the store's flags first (they are exact), then
    /// the trap code.
    fn classify(&self, error: &wasmtime::Error, state: &HostState, stderr: &str) -> RuntimeFailure {
        let limits = &self.shared.limits;
        let id = self.shared.owner.plugin_id();
        let guest_said = last_lines(stderr);
        if state.call.timed_out {
            return self.failure(
                FailureKind::Timeout,
                format!(
                    "ran past its {} ms timeout and was stopped (plugins.entries.{id}.limits.timeout_ms)",
                    limits.timeout_ms
                ),
            );
        }
        if state.limiter.memory_exceeded {
            return self.failure(
                FailureKind::MemoryLimit,
                format!(
                    "tried to grow its memory past the {} MiB cap (plugins.entries.{id}.limits.memory_mb){guest_said}",
                    limits.memory_mb
                ),
            );
        }
        if handed_too_much(error) {
            return self.failure(
                FailureKind::OutputTooLarge,
                format!(
                    "tried to hand the host more than the {} byte cap at once (plugins.entries.{id}.limits.max_output_bytes)",
                    limits.max_output_bytes
                ),
            );
        }
        if state.call.host_call_limit_hit {
            return self.failure(
                FailureKind::HostCallLimit,
                format!(
                    "made more than {} host calls in one call (plugins.entries.{id}.limits.max_host_calls)",
                    limits.max_host_calls
                ),
            );
        }
        match error.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => self.failure(
                FailureKind::FuelExhausted,
                format!("used up its fuel of {} (plugins.entries.{id}.limits.fuel)", limits.fuel.unwrap_or(0)),
            ),
            Some(Trap::StackOverflow) => self.failure(
                FailureKind::Trap,
                format!(
                    "overflowed its wasm stack (plugins.limits.max_stack_kb = {}){guest_said}",
                    limits.max_stack_kb
                ),
            ),
            // The guest's own error first: an interpreter's trap is boilerplate.
            trap => {
                let what = match trap {
                    Some(trap) => format!("trapped: {trap}"),
                    None => format!("failed: {}", root_message(error)),
                };
                let message = match guest_error(stderr) {
                    Some(guest) => format!("{guest}; it {what}"),
                    None => format!("{what}{guest_said}"),
                };
                self.failure(FailureKind::Trap, message)
            }
        }
    }
}

/// Whether the engine refused to copy what the guest handed over because it was over the
/// store's hostcall fuel (see `new_store`). wasmtime 48 keeps that error's type private;
/// its text is pinned by the sandbox test that returns too much.
fn handed_too_much(error: &wasmtime::Error) -> bool {
    error.chain().any(|cause| cause.to_string().contains("fuel allocated for hostcalls has been exhausted"))
}

fn root_message(error: &wasmtime::Error) -> String {
    let mut message = error.to_string();
    if let Some(cause) = error.chain().last().map(|c| c.to_string())
        && cause != message
    {
        message = format!("{message}: {cause}");
    }
    message
}

/// `; guest stderr: <last lines>` when the guest wrote anything to stderr.
fn last_lines(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return String::new();
    }
    let tail = &lines[lines.len().saturating_sub(3)..];
    format!("; guest stderr: {}", tail.join(" | "))
}

impl crate::plugins::registry::PluginHealth for PluginInstances {
    fn quarantined_for(&self) -> Option<Duration> {
        PluginInstances::quarantined_for(self)
    }
}
