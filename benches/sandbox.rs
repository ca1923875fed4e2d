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

use std::cell::RefCell;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

mod common;

use common::{agent_start, config};
use criterion::{Criterion, criterion_group, criterion_main};
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use zeroclaw::hooks::HookFlow;
use zeroclaw::hooks::HookRunner;
use zeroclaw::plugins::PluginRuntime;
use zeroclaw::plugins::build::{BuiltPlugin, build_guests, ensure_wasm_target, install};
use zeroclaw::plugins::wasm::bindings::hooks::HookPlugin;
use zeroclaw::plugins::wasm::bindings::hooks::zeroclaw::hooks::types as wh;
use zeroclaw::plugins::wasm::bindings::hooks::zeroclaw::host::{config as wit_config, kv as wit_kv, log as wit_log};
use zeroclaw_plugin_api::{AgentStart, HookContext, HookPoint, ToolError, hooks};

fn guests() -> Vec<BuiltPlugin> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("wasm-plugins");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../wasm-guests");
    ensure_wasm_target(&mut |m| eprintln!("{m}")).unwrap();
    build_guests(&root, Some(&target), true).unwrap()
}

fn guest<'a>(built: &'a [BuiltPlugin], name: &str) -> &'a BuiltPlugin {
    built.iter().find(|b| b.crate_name == name).unwrap()
}

/// The least a host must provide to run the noop guest: empty WASI, no-op host imports.
struct Bare {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Bare {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl wit_log::Host for Bare {
    fn log(&mut self, _level: wit_log::Level, _message: String) -> wasmtime::Result<()> {
        Ok(())
    }
}

impl wit_config::Host for Bare {
    fn get(&mut self) -> wasmtime::Result<String> {
        Ok("{}".into())
    }
}

impl wit_kv::Host for Bare {
    fn get(&mut self, _key: String) -> wasmtime::Result<Result<Option<Vec<u8>>, wit_kv::KvError>> {
        Ok(Ok(None))
    }
    fn set(&mut self, _key: String, _value: Vec<u8>) -> wasmtime::Result<Result<(), wit_kv::KvError>> {
        Ok(Ok(()))
    }
    fn delete(&mut self, _key: String) -> wasmtime::Result<Result<bool, wit_kv::KvError>> {
        Ok(Ok(false))
    }
    fn keys(&mut self) -> wasmtime::Result<Result<Vec<String>, wit_kv::KvError>> {
        Ok(Ok(Vec::new()))
    }
}

fn bench(c: &mut Criterion) {
    let built = guests();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let ctx = HookContext::session("zeroclaw", "s1", "bench");
    let mut group = c.benchmark_group("limits");

    // The floor: plain wasmtime.
    let engine = Engine::new(Config::new().wasm_component_model(true)).unwrap();
    let mut linker: Linker<Bare> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).unwrap();
    wit_log::add_to_linker::<Bare, HasSelf<Bare>>(&mut linker, |s| s).unwrap();
    wit_config::add_to_linker::<Bare, HasSelf<Bare>>(&mut linker, |s| s).unwrap();
    wit_kv::add_to_linker::<Bare, HasSelf<Bare>>(&mut linker, |s| s).unwrap();
    let component = Component::from_file(&engine, &guest(&built, "noop").component).unwrap();
    let mut store = Store::new(&engine, Bare { wasi: WasiCtx::builder().build(), table: ResourceTable::new() });
    let plugin = rt.block_on(HookPlugin::instantiate_async(&mut store, &component, &linker)).unwrap();
    let wit_ctx =
        wh::HookContext { agent_id: "zeroclaw".into(), session_id: Some("s1".into()), channel: Some("bench".into()) };
    let event = wh::HookEvent::BeforeAgentStart(wh::AgentStart {
        system_prompt: "You are helpful.".into(),
        context: vec!["memory".into()],
        user_message: "hello".into(),
    });
    let store = tokio::sync::Mutex::new(store);
    group.bench_function("bare_wasmtime", |b| {
        b.to_async(&rt).iter(|| async {
            let mut store = store.lock().await;
            plugin.zeroclaw_hooks_handler().call_handle(&mut *store, &wit_ctx, &event).await.unwrap()
        })
    });

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
    // The payload is built once, as the floor's is: building it is the call site's cost,
    // not the hook's. It goes in by value and comes back, as at the agent's call site, and
    // the next call takes it again (no harness vectors of inputs and outputs to fill).
    let start = RefCell::new(Some(start_payload()));
    let call = || async {
        let payload = start.take().expect("the payload came back");
        match runner.run::<hooks::BeforeAgentStart>(&ctx, payload).await {
            HookFlow::Continue(payload) => *start.borrow_mut() = Some(payload),
            HookFlow::Cancelled { reason, .. } => panic!("noop cancelled: {reason}"),
        }
    };
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
}

fn start_payload() -> AgentStart {
    match agent_start() {
        zeroclaw_plugin_api::HookPayload::BeforeAgentStart(start) => start,
        other => unreachable!("agent_start() builds a before_agent_start payload, not {:?}", other.point()),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
