//! The same tool in Rust, Python and JavaScript (`text-stats` and its two ports, which
//! answer with the same JSON): a call on a warm instance and on a fresh one, a load that
//! compiles the component (empty compile cache) and one served from the cache. The
//! component sizes are printed before the measurements.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[allow(dead_code, reason = "this bench uses only the config")]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use zeroclaw::plugins::PluginRuntime;
use zeroclaw::plugins::build::{BuildOptions, BuiltPlugin, build, install};

/// (language, plugin id, tool, sources under wasm-plugins/).
const PORTS: [(&str, &str, &str, &str); 3] = [
    ("rust", "text-stats", "text_stats", "examples/text-stats"),
    ("python", "text-stats-py", "text_stats_py", "examples/python/text-stats"),
    ("js", "text-stats-js", "text_stats_js", "examples/js/text-stats"),
];

fn built(sources: &str, id: &str) -> BuiltPlugin {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("wasm-plugins");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../wasm-guests");
    let options = BuildOptions { target_dir: Some(target), quiet: true };
    let all = build(&root.join(sources), &options, &mut |m| eprintln!("{m}")).unwrap();
    all.into_iter().find(|b| b.crate_name == id).unwrap_or_else(|| panic!("{id} is built"))
}

/// A plugins directory holding `plugin`, and a config for it (`instances`, `cache_dir`).
fn setup(root: &Path, plugin: &BuiltPlugin, id: &str, instances: &str, cache: &Path) -> zeroclaw::config::LoadedConfig {
    install(plugin, &root.join("plugins")).unwrap();
    let extra = format!("cache_dir = {cache:?}\n[plugins.entries.{id}]\ninstances = \"{instances}\"\n");
    common::config(root, &extra)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let text: String = "abcdefg ".repeat(8); // 64 B
    let args = serde_json::json!({ "text": text });
    let ports: Vec<(&str, &str, &str, BuiltPlugin)> =
        PORTS.iter().map(|&(lang, id, tool, sources)| (lang, id, tool, built(sources, id))).collect();
    for (lang, _, _, plugin) in &ports {
        let size = std::fs::metadata(&plugin.component).unwrap().len();
        eprintln!("component size, {lang}: {size} bytes ({:.2} MB)", size as f64 / 1e6);
    }

    let mut calls = c.benchmark_group("languages/call");
    for (lang, id, tool, plugin) in &ports {
        for instances in ["warm", "fresh"] {
            let dir = tempfile::tempdir().unwrap();
            let cache = dir.path().join("cache");
            let runtime = rt.block_on(PluginRuntime::start(setup(dir.path(), plugin, id, instances, &cache))).unwrap();
            let entry = runtime.snapshot().tool(tool).unwrap_or_else(|| panic!("{tool} serves")).clone();
            calls.bench_function(format!("{instances}/{lang}"), |b| {
                b.to_async(&rt).iter(|| {
                    let (entry, args) = (&entry, &args);
                    async move { entry.tool.invoke(args).await.unwrap() }
                })
            });
        }
    }
    calls.finish();

    // A load is a start of the runtime with this one plugin: manifest, compile (or cache
    // read), contract check, self-check instantiation, list-specs.
    let mut loads = c.benchmark_group("languages/load");
    loads.sample_size(10).warm_up_time(Duration::from_millis(1)).measurement_time(Duration::from_secs(1));
    for (lang, id, tool, plugin) in &ports {
        let dir = tempfile::tempdir().unwrap();
        let warm_cache = dir.path().join("cache");
        let config = setup(dir.path(), plugin, id, "fresh", &warm_cache);
        let start = |config: zeroclaw::config::LoadedConfig| {
            let runtime = rt.block_on(PluginRuntime::start(config)).unwrap();
            assert!(runtime.snapshot().tool(tool).is_some(), "{tool} loads");
        };
        start(config.clone()); // fills the cache
        loads.bench_function(format!("cached/{lang}"), |b| b.iter(|| start(config.clone())));
        loads.bench_function(format!("compile/{lang}"), |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for n in 0..iters {
                    let cold: PathBuf = dir.path().join(format!("cold-{n}"));
                    let config = setup(dir.path(), plugin, id, "fresh", &cold);
                    let started = Instant::now();
                    start(config);
                    spent += started.elapsed();
                    std::fs::remove_dir_all(&cold).unwrap();
                }
                spent
            })
        });
    }
    loads.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
