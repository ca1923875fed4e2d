//! The warm hook calls the sandbox benches compare: the noop guest's `handle` on
//! `before_agent_start` through plain wasmtime (the floor), and the same through zeroclaw's
//! runner. Shared by `sandbox.rs` (timed) and `counts.rs` (instructions counted).

use std::cell::RefCell;
use std::hint::black_box;
use std::path::Path;

use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use zeroclaw::hooks::{HookFlow, HookRunner};
use zeroclaw::plugins::build::{BuiltPlugin, build_guests, ensure_wasm_target};
use zeroclaw::plugins::wasm::bindings::hooks::HookPlugin;
use zeroclaw::plugins::wasm::bindings::hooks::zeroclaw::hooks::types as wh;
use zeroclaw::plugins::wasm::bindings::hooks::zeroclaw::host::{config as wit_config, kv as wit_kv, log as wit_log};
use zeroclaw_plugin_api::{AgentStart, HookContext, HookPayload, hooks};

/// The wasm guests, built in release (once; later calls reuse the build).
pub fn guests() -> Vec<BuiltPlugin> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("wasm-plugins");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../wasm-guests");
    ensure_wasm_target(&mut |m| eprintln!("{m}")).unwrap();
    build_guests(&root, Some(&target), true).unwrap()
}

/// The built guest of crate `name`.
pub fn guest<'a>(built: &'a [BuiltPlugin], name: &str) -> &'a BuiltPlugin {
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

/// The noop hook on a long-lived instance through plain wasmtime: no deadline, no memory
/// limiter, no fuel, no permits, no size checks, the payload already converted.
pub struct Floor {
    store: tokio::sync::Mutex<Store<Bare>>,
    plugin: HookPlugin,
    ctx: wh::HookContext,
    event: wh::HookEvent,
}

impl Floor {
    /// The floor over `noop`; with `epoch`, the engine also checks an epoch deadline (that
    /// never comes) as zeroclaw's does, which shows what that check costs the guest.
    pub fn new(rt: &tokio::runtime::Runtime, noop: &BuiltPlugin, epoch: bool) -> Self {
        let mut config = Config::new();
        config.wasm_component_model(true).epoch_interruption(epoch);
        let engine = Engine::new(&config).unwrap();
        let mut linker: Linker<Bare> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).unwrap();
        wit_log::add_to_linker::<Bare, HasSelf<Bare>>(&mut linker, |s| s).unwrap();
        wit_config::add_to_linker::<Bare, HasSelf<Bare>>(&mut linker, |s| s).unwrap();
        wit_kv::add_to_linker::<Bare, HasSelf<Bare>>(&mut linker, |s| s).unwrap();
        let component = Component::from_file(&engine, &noop.component).unwrap();
        let mut store = Store::new(&engine, Bare { wasi: WasiCtx::builder().build(), table: ResourceTable::new() });
        store.set_epoch_deadline(u64::MAX);
        let plugin = rt.block_on(HookPlugin::instantiate_async(&mut store, &component, &linker)).unwrap();
        let ctx = wh::HookContext {
            agent_id: "zeroclaw".into(),
            session_id: Some("s1".into()),
            channel: Some("bench".into()),
        };
        let event = wh::HookEvent::BeforeAgentStart(wh::AgentStart {
            system_prompt: "You are helpful.".into(),
            context: vec!["memory".into()],
            user_message: "hello".into(),
        });
        Floor { store: tokio::sync::Mutex::new(store), plugin, ctx, event }
    }

    /// One call.
    pub async fn call(&self) {
        let mut store = self.store.lock().await;
        let answer =
            self.plugin.zeroclaw_hooks_handler().call_handle(&mut *store, &self.ctx, &self.event).await.unwrap();
        assert!(black_box(answer).is_ok(), "the noop guest answers");
    }
}

/// The same hook through zeroclaw's runner, every limit on. The payload is built once, as
/// the floor's is (building it is the call site's cost, not the hook's): it goes in by
/// value and comes back, as at the agent's call site, and the next call takes it again.
pub struct RunnerCall<'a> {
    runner: &'a HookRunner,
    ctx: HookContext,
    payload: RefCell<Option<AgentStart>>,
}

impl<'a> RunnerCall<'a> {
    /// Calls through `runner`.
    pub fn new(runner: &'a HookRunner) -> Self {
        let start = match crate::common::agent_start() {
            HookPayload::BeforeAgentStart(start) => start,
            other => unreachable!("agent_start() builds a before_agent_start payload, not {:?}", other.point()),
        };
        RunnerCall { runner, ctx: HookContext::session("zeroclaw", "s1", "bench"), payload: RefCell::new(Some(start)) }
    }

    /// One call.
    pub async fn call(&self) {
        let payload = self.payload.take().expect("the payload came back");
        match self.runner.run::<hooks::BeforeAgentStart>(&self.ctx, payload).await {
            HookFlow::Continue(payload) => *self.payload.borrow_mut() = Some(payload),
            HookFlow::Cancelled { reason, .. } => panic!("noop cancelled: {reason}"),
        }
    }
}
