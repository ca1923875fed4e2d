//! What the sandbox costs and whether it isolates.
//!
//! - `limits/bare_wasmtime`: the noop hook called on a long-lived instance through plain
//!   wasmtime (no epoch deadline, no memory limiter, no fuel, no permits, no size checks,
//!   payload already converted): the floor.
//! - `limits/zeroclaw_warm`: the same hook through zeroclaw's handler (every limit on:
//!   deadline, memory cap, concurrency permit, payload and output caps, host-call count,
//!   circuit breaker, stdio capture) on a warm instance.
//! - `limits/zeroclaw_warm_fuel`: the same with fuel metering on.
//! - `isolation/idle` and `isolation/while_another_spins`: a warm hook call through the
//!   runner, alone, and while another plugin spins at its timeout on the other core.
//!   Target: at most 2× the idle latency.
//! - `side_by_side/floor` and `side_by_side/runner`: the floor and `isolation/idle`'s call
//!   interleaved in one measurement loop, each timed in turn. Target: runner ÷ floor at
//!   most 1.5.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

mod common;
#[path = "common/hook_calls.rs"]
mod hook_calls;

use common::{agent_start, config};
use criterion::{Criterion, criterion_group, criterion_main};
use hook_calls::{Floor, RunnerCall, guest, guests};
use zeroclaw::hooks::HookRunner;
use zeroclaw::plugins::PluginRuntime;
use zeroclaw::plugins::build::install;
use zeroclaw_plugin_api::{HookContext, HookPoint, ToolError};

fn bench(c: &mut Criterion) {
    let built = guests();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let ctx = HookContext::session("zeroclaw", "s1", "bench");
    let mut group = c.benchmark_group("limits");

    // The floor: plain wasmtime.
    let bare = Floor::new(&rt, guest(&built, "noop"), false);
    let floor = async || bare.call().await;
    group.bench_function("bare_wasmtime", |b| b.to_async(&rt).iter(floor));

    for (name, extra) in [
        ("zeroclaw_warm", "[plugins.entries.noop]\ninstances = \"warm\"\n"),
        (
            "zeroclaw_warm_fuel",
            "[plugins.entries.noop]\ninstances = \"warm\"\n[plugins.entries.noop.limits]\nfuel = 1000000000\n",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        install(guest(&built, "noop"), &dir.path().join("plugins")).unwrap();
        let runtime = rt.block_on(PluginRuntime::start(config(dir.path(), extra))).unwrap();
        let snapshot = runtime.snapshot();
        let handler = snapshot.hooks(HookPoint::BeforeAgentStart)[0].handler.clone();
        let payload = agent_start();
        group.bench_function(name, |b| b.to_async(&rt).iter(|| handler.handle(&ctx, &payload)));
    }
    group.finish();

    // Isolation: noop beside a zoo that spins until its 2 s timeout, again and again.
    let mut group = c.benchmark_group("isolation");
    let dir = tempfile::tempdir().unwrap();
    install(guest(&built, "noop"), &dir.path().join("plugins")).unwrap();
    install(guest(&built, "fault-zoo"), &dir.path().join("plugins")).unwrap();
    let extra = "[plugins.entries.noop]\ninstances = \"warm\"\n[plugins.entries.fault-zoo.limits]\ntimeout_ms = 2000\nfailure_threshold = 1000000\n";
    let runtime = rt.block_on(PluginRuntime::start(config(dir.path(), extra))).unwrap();
    let runner = HookRunner::new(runtime.registry().clone());
    let through_runner = RunnerCall::new(&runner);
    let call = async || through_runner.call().await;
    group.bench_function("idle", |b| b.to_async(&rt).iter(call));
    let stop = Arc::new(AtomicBool::new(false));
    let spinning = {
        let (stop, snapshot) = (stop.clone(), runtime.snapshot());
        rt.spawn(async move {
            let zoo = snapshot.tool("fault").expect("the zoo's tool");
            while !stop.load(Ordering::Relaxed) {
                let result = zoo.invoke(&serde_json::json!({"kind": "spin"})).await;
                assert!(matches!(result, Err(ToolError::Runtime(_))), "the spinner is cut at its timeout");
            }
        })
    };
    std::thread::sleep(Duration::from_millis(100));
    group.bench_function("while_another_spins", |b| b.to_async(&rt).iter(call));
    stop.store(true, Ordering::Relaxed);
    rt.block_on(spinning).unwrap();
    group.finish();

    // Side by side: the floor and the runner's call alternate in batches, and each
    // measurement times one of the two. The machine drifts (the floor alone moves by a
    // third between runs here), so two benches run one after the other can disagree by
    // more than the target's margin; interleaved, both see the same machine.
    let mut group = c.benchmark_group("side_by_side");
    group.bench_function("floor", |b| {
        b.to_async(&rt).iter_custom(async |iters| timed_beside(iters, &floor, &call).await)
    });
    group.bench_function("runner", |b| {
        b.to_async(&rt).iter_custom(async |iters| timed_beside(iters, &call, &floor).await)
    });
    group.finish();
}

/// Calls in a batch between two clock reads: the clock's own cost, spread over them, stays
/// under a nanosecond a call.
const BATCH: u64 = 32;

/// Runs `timed` `iters` times and as many `other` calls, in alternating batches, and
/// returns the time `timed` took.
async fn timed_beside(iters: u64, timed: &impl AsyncFn(), other: &impl AsyncFn()) -> Duration {
    let mut spent = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let batch = left.min(BATCH);
        let started = Instant::now();
        for _ in 0..batch {
            timed().await;
        }
        spent += started.elapsed();
        for _ in 0..batch {
            other().await;
        }
        left -= batch;
    }
    spent
}

criterion_group!(benches, bench);
criterion_main!(benches);
