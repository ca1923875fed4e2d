//! The wasm backend's costs: a hook call through the HookRunner on a warm and on a fresh
//! instance, loading a component from the cache against compiling it, starting with 50
//! plugins from a warm cache, and resident memory per loaded idle plugin.
//!
//! Guests are built from `wasm-plugins/` first (release, wasm32-wasip2).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use common::{agent_start, config};
use criterion::{Criterion, criterion_group};
use zeroclaw::hooks::HookRunner;
use zeroclaw::plugins::PluginRuntime;
use zeroclaw::plugins::build::{BuiltPlugin, build_guests, ensure_wasm_target, install};
use zeroclaw::plugins::wasm::{WasmBackend, wait_for_reaper};
use zeroclaw_plugin_api::HookContext;

fn noop() -> BuiltPlugin {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("wasm-plugins");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../wasm-guests");
    ensure_wasm_target(&mut |m| eprintln!("{m}")).unwrap();
    let built = build_guests(&root, Some(&target), true).unwrap();
    built.into_iter().find(|b| b.crate_name == "noop").expect("the noop fixture")
}

/// A plugins directory holding `count` copies of noop with ids noop-0, noop-1, …
fn plugins_dir(root: &Path, noop: &BuiltPlugin, count: usize) {
    let staging = root.join("staging");
    let manifest = install(noop, &staging).unwrap();
    let text = std::fs::read_to_string(&manifest).unwrap();
    let component = std::fs::read(manifest.with_file_name("noop.wasm")).unwrap();
    for i in 0..count {
        let dir = root.join("plugins").join(format!("noop-{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("plugin.toml"), text.replace("id = \"noop\"", &format!("id = \"noop-{i}\""))).unwrap();
        std::fs::write(dir.join("noop.wasm"), &component).unwrap();
    }
}

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096
}

fn bench(c: &mut Criterion) {
    let noop = noop();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let ctx = HookContext::session("zeroclaw", "s1", "bench");

    let mut group = c.benchmark_group("wasm_hook");
    for policy in ["warm", "fresh"] {
        let dir = tempfile::tempdir().unwrap();
        plugins_dir(dir.path(), &noop, 1);
        let extra = format!("[plugins.entries.noop-0]\ninstances = \"{policy}\"\n");
        let runtime = rt.block_on(PluginRuntime::start(config(dir.path(), &extra))).unwrap();
        let runner = HookRunner::new(runtime.registry().clone());
        group.bench_function(format!("runner/{policy}_instance"), |b| {
            b.to_async(&rt).iter(|| runner.run_payload(&ctx, agent_start()))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("load");
    let dir = tempfile::tempdir().unwrap();
    let backend = WasmBackend::new(&config(dir.path(), "")).unwrap();
    let bytes = std::fs::read(&noop.component).unwrap();
    let engine = backend.engine().engine().clone();
    group.sample_size(10);
    group.bench_function("compile", |b| b.iter(|| wasmtime::component::Component::new(&engine, &bytes).unwrap()));
    let digest = zeroclaw::plugins::wasm::content_key(&bytes);
    backend.engine().cache().load_or_compile(&engine, &bytes, digest).unwrap();
    group.bench_function("cached", |b| {
        b.iter(|| backend.engine().cache().load_or_compile(&engine, &bytes, digest).unwrap())
    });
    group.finish();

    let mut group = c.benchmark_group("startup");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    let dir = tempfile::tempdir().unwrap();
    plugins_dir(dir.path(), &noop, 50);
    let warm = config(dir.path(), "");
    drop(rt.block_on(PluginRuntime::start(warm.clone())).unwrap()); // fills the cache
    group.bench_function("50_plugins_warm_cache", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let started = Instant::now();
                let runtime = rt.block_on(PluginRuntime::start(warm.clone())).unwrap();
                total += started.elapsed();
                assert_eq!(runtime.snapshot().plugins().iter().filter(|p| p.backend == "wasm").count(), 50);
            }
            total
        })
    });
    group.finish();
}

/// Resident memory per loaded idle plugin: RSS with 50 plugins loaded minus RSS with the
/// engine alone, divided by 50 (each plugin self-checked once, then idle).
fn memory_per_plugin(noop: &BuiltPlugin) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let empty = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(empty.path().join("plugins")).unwrap();
    let base_runtime = rt.block_on(PluginRuntime::start(config(empty.path(), ""))).unwrap();
    let full = tempfile::tempdir().unwrap();
    plugins_dir(full.path(), noop, 50);
    drop(rt.block_on(PluginRuntime::start(config(full.path(), ""))).unwrap()); // warm the cache
    wait_for_reaper(); // that runtime's plugins are freed before the baseline is read
    let before = resident_bytes();
    let loaded: Vec<Arc<PluginRuntime>> =
        vec![Arc::new(rt.block_on(PluginRuntime::start(config(full.path(), ""))).unwrap())];
    wait_for_reaper(); // and nothing of the load's own garbage is left to free
    let after = resident_bytes();
    let per_plugin = after.saturating_sub(before) as f64 / 50.0;
    println!(
        "memory/idle_plugin: {:.0} KiB resident per loaded idle plugin (50 plugins, {} KiB in all)",
        per_plugin / 1024.0,
        after.saturating_sub(before) / 1024
    );
    drop((loaded, base_runtime));
}

criterion_group!(benches, bench);

fn main() {
    memory_per_plugin(&noop());
    benches();
    Criterion::default().configure_from_args().final_summary();
}
