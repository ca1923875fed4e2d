//! The agent with plugins against the agent without.
//!
//! - `turn/native_only`: a turn that calls a native tool (`calculate 1+1`, two provider
//!   round trips), plugins disabled.
//! - `turn/wasm_5_hooks_1_tool`: the same turn shape calling the wasm `noop` tool, with a
//!   wasm plugin subscribed to five hook points (before_agent_start, before_llm_call,
//!   llm_output, tool_result_persist, agent_end: seven hook calls a turn). Target: at most
//!   1 ms added per turn.
//! - `gateway/*`: 200 `POST /v1/chat` requests, 8 at a time, on loopback, with and without
//!   that plugin. Target: with plugins at least 80 % of the plugin-free throughput. And
//!   `gateway/plugins_off_grown_store`: the plugin-free gateway on a memory database grown
//!   to 10,000 earlier sessions. Target: at least 90 % of the fresh store's throughput.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use zeroclaw::agent::{Agent, Session};
use zeroclaw::config::LoadedConfig;
use zeroclaw::gateway::{GatewaySettings, serve};
use zeroclaw::plugins::build::{build_guests, ensure_wasm_target};

const HOOKS: [&str; 5] = ["before_agent_start", "before_llm_call", "llm_output", "tool_result_persist", "agent_end"];

/// A workspace whose plugins dir holds `noop` subscribed to the five hooks.
fn workspace(plugins: bool) -> (tempfile::TempDir, LoadedConfig) {
    let dir = tempfile::tempdir().unwrap();
    if plugins {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("wasm-plugins");
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../wasm-guests");
        ensure_wasm_target(&mut |m| eprintln!("{m}")).unwrap();
        let noop =
            build_guests(&root, Some(&target), true).unwrap().into_iter().find(|b| b.crate_name == "noop").unwrap();
        let plugin = dir.path().join("plugins/hooks5");
        std::fs::create_dir_all(&plugin).unwrap();
        std::fs::copy(&noop.component, plugin.join("noop.wasm")).unwrap();
        let mut manifest = "id = \"hooks5\"\nversion = \"0.1.0\"\ncomponent = \"noop.wasm\"\nwit = [\"zeroclaw:hooks@1.1.0\", \"zeroclaw:tools@1.1.0\"]\n[[tools]]\nname = \"noop\"\neffect = \"read\"\n".to_string();
        for hook in HOOKS {
            manifest.push_str(&format!("[[hooks]]\npoint = \"{hook}\"\n"));
        }
        std::fs::write(plugin.join("plugin.toml"), manifest).unwrap();
    }
    let text = format!(
        "workspace = \".\"\nstate_dir = \"state\"\n[plugins]\nenabled = {plugins}\ndirs = [\"plugins\"]\n[plugins.entries.hooks5]\ninstances = \"warm\"\n[gateway]\nrequest_timeout_ms = 60000\n"
    );
    let path = dir.path().join("zeroclaw.toml");
    std::fs::write(&path, &text).unwrap();
    let config = LoadedConfig::parse(&text, &path).unwrap();
    (dir, config)
}

/// Fills the memory database as 10,000 earlier sessions would have: a session summary each
/// (40 words from a 400-word vocabulary, so a message's words match many of them) and
/// their transcripts.
fn grow(config: &LoadedConfig) {
    std::fs::create_dir_all(config.state_dir()).unwrap();
    let store = zeroclaw_session_memory::SummaryStore::new(&config.memory_path());
    let transcripts = zeroclaw::memory::Transcripts::open(&config.memory_path(), None).unwrap();
    for i in 0..10_000u64 {
        let words: Vec<String> = (0..40).map(|w| format!("word{}", (i * 7 + w * 13) % 400)).collect();
        let session = format!("old-{i}");
        store.set_session_summary(&session, "gateway", &words.join(" "), 0).unwrap();
        let user = zeroclaw_plugin_api::ChatMessage::user("calculate 1+1");
        transcripts.append(&session, "gateway", &user).unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut group = c.benchmark_group("turn");
    for (name, plugins, message) in
        [("native_only", false, "calculate 1+1"), ("wasm_5_hooks_1_tool", true, "use noop {}")]
    {
        let (_dir, config) = workspace(plugins);
        let agent = rt.block_on(Agent::start(config)).unwrap();
        let mut n = 0u64;
        group.bench_function(name, |b| {
            b.to_async(&rt).iter(|| {
                n += 1;
                let agent = agent.clone();
                async move {
                    let mut session = Session::new(format!("s{n}"), "bench", 200);
                    let outcome = agent.turn(&mut session, message.to_string()).await;
                    assert_eq!(outcome.tool_calls.len(), 1);
                    assert!(!outcome.tool_calls[0].result.is_error, "{:?}", outcome.tool_calls[0].result);
                }
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("gateway");
    const REQUESTS: usize = 200;
    const CONCURRENCY: usize = 8;
    group.throughput(Throughput::Elements(REQUESTS as u64)).sample_size(10).measurement_time(Duration::from_secs(15));
    for (name, plugins, grown) in
        [("plugins_off", false, false), ("plugins_off_grown_store", false, true), ("plugins_on", true, false)]
    {
        let (_dir, config) = workspace(plugins);
        if grown {
            grow(&config);
        }
        let agent = rt.block_on(Agent::start(config)).unwrap();
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let url = Arc::new(format!("http://{}/v1/chat", listener.local_addr().unwrap()));
        let settings = GatewaySettings::from_agent(&agent).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = rt.spawn(serve(agent.clone(), listener, settings, async move {
            let _ = stopped.await;
            "bench".to_string()
        }));
        let client = reqwest::Client::new();
        let message = if plugins { "use noop {}" } else { "calculate 1+1" };
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for i in 0..iters {
                    let started = Instant::now();
                    rt.block_on(async {
                        let mut tasks = Vec::new();
                        for worker in 0..CONCURRENCY {
                            let (client, url) = (client.clone(), url.clone());
                            tasks.push(tokio::spawn(async move {
                                for r in 0..REQUESTS / CONCURRENCY {
                                    let body = serde_json::json!({"session_id": format!("b{i}-{worker}-{r}"), "message": message});
                                    let answer = client.post(url.as_str()).json(&body).send().await.unwrap();
                                    assert_eq!(answer.status(), 200);
                                }
                            }));
                        }
                        for task in tasks {
                            task.await.unwrap();
                        }
                    });
                    total += started.elapsed();
                }
                total
            })
        });
        stop.send(()).unwrap();
        rt.block_on(served).unwrap().unwrap();
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
