//! Sessions at scale, measured once each (they are sizes and one-off costs, not per-call
//! timings, so this is a plain harness printing its numbers):
//!
//! - memory: 10,000 sessions with one 50 KB message each, all held (`max_sessions =
//!   10000`), then every one ended as idle: resident memory before, with them, and after
//!   (with `malloc_trim`, so what was freed shows); and the same 10,000 sessions with the
//!   default `max_sessions = 1000`.
//! - shutdown: 20,000 live sessions, then `end_all_sessions(Shutdown)` as the gateway's
//!   SIGTERM path runs it: how long it takes, and whether every session has its summary.

use std::time::{Duration, Instant};

use zeroclaw::agent::Agent;
use zeroclaw::channels::{Incoming, Reply, delivered, receive};
use zeroclaw::config::LoadedConfig;
use zeroclaw_plugin_api::SessionEndReason;

fn rss_mb() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0.0);
    pages * 4096.0 / (1024.0 * 1024.0)
}

#[allow(unsafe_code, reason = "malloc_trim has no safe wrapper")]
fn trim() {
    // SAFETY: malloc_trim only returns free heap memory to the OS.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn config(dir: &std::path::Path, gateway: &str) -> LoadedConfig {
    let text = format!("workspace = \".\"\nstate_dir = \"state\"\n[gateway]\n{gateway}\n");
    let path = dir.join("zeroclaw.toml");
    std::fs::write(&path, &text).unwrap();
    LoadedConfig::parse(&text, &path).unwrap()
}

async fn chat(agent: &Agent, session: String, text: String) {
    let incoming = Incoming { session_id: session.clone(), channel: "bench".into(), sender: "b".into(), text };
    match receive(agent, incoming).await {
        Reply::Send { text, .. } => delivered(agent, &session, "bench", "b", &text).await,
        other => panic!("{other:?}"),
    }
}

async fn memory(max_sessions: u64) {
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(config(dir.path(), &format!("max_sessions = {max_sessions}"))).await.unwrap();
    trim();
    let before = rss_mb();
    let message = "m".repeat(50 * 1024);
    for i in 0..10_000 {
        chat(&agent, format!("s{i}"), message.clone()).await;
    }
    trim();
    let held = rss_mb();
    let in_memory = agent.sessions_in_memory();
    agent.end_idle_sessions(Duration::ZERO).await;
    trim();
    let after = rss_mb();
    println!(
        "memory, max_sessions = {max_sessions}: {before:.0} MB before; {held:.0} MB with 10,000 sessions of 50 KB ({in_memory} in memory, {:.1} KB each); {after:.0} MB after they left memory",
        (held - before) * 1024.0 / in_memory.max(1) as f64
    );
}

async fn shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), "max_sessions = 20000");
    let memory = config.memory_path();
    let agent = Agent::start(config).await.unwrap();
    let started = Instant::now();
    for i in 0..20_000 {
        chat(&agent, format!("s{i}"), format!("note {i}")).await;
    }
    let filled = started.elapsed();
    let stored_before = zeroclaw_session_memory::SummaryStore::new(&memory).list(None).unwrap().len();
    let started = Instant::now();
    agent.end_all_sessions(SessionEndReason::Shutdown).await;
    let ended = started.elapsed();
    let stored = zeroclaw_session_memory::SummaryStore::new(&memory).list(None).unwrap().len();
    println!(
        "shutdown: 20,000 live sessions (filled in {:.1} s); summaries stored before the shutdown: {stored_before}; end_all_sessions took {:.0} ms; summaries after: {stored} (lost: {})",
        filled.as_secs_f64(),
        ended.as_secs_f64() * 1e3,
        20_000usize.saturating_sub(stored)
    );
}

fn main() {
    // `cargo bench` passes `--bench`; anything else (a filter) is ignored.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        memory(10_000).await;
        memory(1_000).await;
        shutdown().await;
    });
}
