//! A wasm tool through the tool pipeline (the agent's path: `before_tool_call`, lookup,
//! policy, schema check, invoke, `tool_result_persist`, `after_tool_call`, events) against
//! the same `Tool` called directly, at 64 B and 4 KiB of arguments. The difference is
//! what the pipeline adds per call. Target: at most 1 µs (median).

use std::path::Path;
use std::sync::Arc;

#[allow(dead_code, reason = "this bench uses only the config")]
mod common;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use zeroclaw::config::SecurityConfig;
use zeroclaw::hooks::HookRunner;
use zeroclaw::observability::Observers;
use zeroclaw::plugins::PluginRuntime;
use zeroclaw::plugins::build::{build_guests, ensure_wasm_target, install};
use zeroclaw::security::SecurityPolicy;
use zeroclaw::tools::ToolExecutor;
use zeroclaw_plugin_api::{HookContext, ToolCall};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("wasm-plugins");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../wasm-guests");
    ensure_wasm_target(&mut |m| eprintln!("{m}")).unwrap();
    let stats = build_guests(&root, Some(&target), true).unwrap().into_iter().find(|b| b.crate_name == "text-stats");
    install(&stats.unwrap(), &dir.path().join("plugins")).unwrap();
    let config = common::config(dir.path(), "[plugins.entries.text-stats]\ninstances = \"warm\"\n");
    let runtime = rt.block_on(PluginRuntime::start(config)).unwrap();
    let snapshot = runtime.snapshot();
    let runner = HookRunner::new(runtime.registry().clone());
    let policy = SecurityPolicy::new(SecurityConfig { max_actions_per_hour: u64::MAX, ..SecurityConfig::default() });
    let observer = Observers::new();
    let ctx = HookContext::session("bench", "s", "bench");
    let entry = snapshot.tool("text_stats").expect("text_stats serves").clone();

    let mut group = c.benchmark_group("tool");
    for (label, bytes) in [("64B", 64usize), ("4KiB", 4096)] {
        // Words of 7 letters and a space: the text is `bytes` long.
        let text: String = "abcdefg ".repeat(bytes / 8);
        let args = serde_json::json!({ "text": text });
        group.bench_function(format!("direct/{label}"), |b| {
            b.to_async(&rt).iter(|| {
                let (entry, args) = (&entry, &args);
                async move { entry.tool.invoke(args).await.unwrap() }
            })
        });
        let executor = ToolExecutor { runner: &runner, policy: &policy, observer: &observer };
        // The call arrives owned, as the model's does: building it is outside the timing.
        let call = ToolCall { id: "c".into(), name: "text_stats".into(), arguments: args.clone() };
        group.bench_function(format!("pipeline/{label}"), |b| {
            b.to_async(&rt).iter_batched(
                || call.clone(),
                |call| {
                    let (executor, snapshot, ctx) = (&executor, &snapshot, &ctx);
                    async move {
                        let done = executor.execute(snapshot, ctx, call).await;
                        assert!(!done.result.is_error, "{:?}", done.result);
                        done
                    }
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
    drop(Arc::clone(&snapshot));
}

criterion_group!(benches, bench);
criterion_main!(benches);
