//! The wasmtime engine, the linker every plugin is instantiated against, and the epoch
//! ticker that lets the host stop a running guest.
//!
//! One engine serves every plugin: compiled components are shareable, and the compile
//! cache is keyed by this engine's settings. Settings that change compiled code (fuel
//! metering, stack size) are fixed at startup.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::bindings::hooks::zeroclaw::host::{config, invoke, kv, log, secrets};
use super::cache::CompileCache;
use super::host::HostState;

/// How often the ticker advances the epoch: the resolution of timeouts and of the
/// cooperative yields that keep a spinning guest from starving other calls.
pub const TICK: Duration = Duration::from_millis(1);

/// Engine-wide settings, from `[plugins]` and `[plugins.limits]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineSettings {
    /// Where compiled components are cached.
    pub cache_dir: PathBuf,
    /// The key file that authenticates cache entries.
    pub cache_key_file: PathBuf,
    /// Wasm stack size in KiB (engine-wide: stack size is part of compiled code).
    pub max_stack_kb: u64,
    /// Meter fuel (needed when any plugin has a `fuel` limit).
    pub fuel: bool,
    /// The largest linear memory any plugin may have, in MiB (sizes the instance pool).
    pub max_memory_mb: u64,
}

/// How instances get their memory, tables and stacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allocator {
    /// Pre-reserved slots reused across instances: a fresh instance costs no mmap.
    Pooling,
    /// Memory mapped per instance: the fallback where the pool cannot be reserved.
    OnDemand,
}

/// Instances the pool can hold at once, across all plugins.
const POOL_INSTANCES: u32 = 1000;

/// Bytes of each pooled memory and table that a slot reset keeps resident, zeroing them
/// with memset instead of giving them back to the kernel (64 KiB: measured as fast as
/// 1 MiB for a small call, and cheaper than 1 MiB where PAGEMAP_SCAN is missing).
const KEEP_RESIDENT: usize = 64 * 1024;

/// The engine, its linker, its cache and its ticker.
pub struct WasmEngine {
    engine: Engine,
    linker: Linker<HostState>,
    cache: Arc<CompileCache>,
    settings: EngineSettings,
    allocator: Allocator,
    _ticker: Ticker,
}

impl WasmEngine {
    /// Builds the engine and the linker (WASI with an empty context, plus the
    /// `zeroclaw:host` imports) and starts the ticker.
    pub fn new(settings: EngineSettings) -> wasmtime::Result<Self> {
        // The pooling allocator reserves address space up front; where the machine refuses
        // (a low `ulimit -v`, strict overcommit) the on-demand allocator still works.
        let (engine, allocator) = match Engine::new(&Self::config(&settings, Allocator::Pooling)) {
            Ok(engine) => (engine, Allocator::Pooling),
            Err(e) => {
                tracing::info!("the pooling allocator is unavailable ({e}); using on-demand allocation");
                (Engine::new(&Self::config(&settings, Allocator::OnDemand))?, Allocator::OnDemand)
            }
        };

        let mut linker: Linker<HostState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        log::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
        config::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
        kv::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
        invoke::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
        secrets::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
        // wasi:http is always linked so ordinary HTTP clients load; each request is then
        // decided by the plugin's own policy (see `http.rs`).
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;

        let cache = Arc::new(CompileCache::new(settings.cache_dir.clone(), &settings.cache_key_file, &engine));
        let ticker = Ticker::start(engine.clone());
        Ok(WasmEngine { engine, linker, cache, settings, allocator, _ticker: ticker })
    }

    fn config(settings: &EngineSettings, allocator: Allocator) -> Config {
        let stack = usize::try_from(settings.max_stack_kb.saturating_mul(1024)).unwrap_or(usize::MAX);
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .epoch_interruption(true)
            .consume_fuel(settings.fuel)
            .max_wasm_stack(stack)
            // The fiber stack must hold the wasm stack plus host frames.
            .async_stack_size(stack + 1024 * 1024);
        if allocator == Allocator::Pooling {
            let max_memory =
                usize::try_from(settings.max_memory_mb.max(1).saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
            let mut pool = PoolingAllocationConfig::new();
            pool.total_component_instances(POOL_INSTANCES)
                .total_core_instances(POOL_INSTANCES * 4)
                .total_memories(POOL_INSTANCES * 2)
                .total_tables(POOL_INSTANCES * 2)
                .total_stacks(POOL_INSTANCES)
                .max_memory_size(max_memory)
                // A fresh instance per call makes slot reset the hot path. By default a
                // reset madvises the whole memory away: a syscall, page faults on the next
                // call, and a TLB shootdown that stalls on every other core running this
                // process (so calls slow down whenever anything else is busy, a reload
                // included). Resetting the few pages a call dirtied with memset, found with
                // PAGEMAP_SCAN where the kernel has it (6.7+), halves a fresh call; the
                // rest of the memory is still madvised. See docs/performance.md.
                .linear_memory_keep_resident(KEEP_RESIDENT)
                .table_keep_resident(KEEP_RESIDENT)
                .pagemap_scan(wasmtime::Enabled::Auto);
            config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        }
        config
    }

    /// Which allocator the engine uses.
    pub fn allocator(&self) -> Allocator {
        self.allocator
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The linker every plugin is instantiated against.
    pub fn linker(&self) -> &Linker<HostState> {
        &self.linker
    }

    /// The compile cache.
    pub fn cache(&self) -> &Arc<CompileCache> {
        &self.cache
    }

    /// The settings it was built with.
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }
}

/// A thread that advances the engine's epoch every [`TICK`]; stopped on drop.
struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    fn start(engine: Engine) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("zeroclaw-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    engine.increment_epoch();
                }
            })
            .ok();
        if thread.is_none() {
            tracing::error!("cannot start the epoch ticker thread: wasm calls will only stop at their async timeout");
        }
        Ticker { stop, thread }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
