//! Hot reload: how soon a new version answers, and what reloading costs the calls.
//!
//! - `final_write_to_answer/manifest`: the watcher is on (`reload_debounce_ms = 500`); the
//!   bench writes a new version of `text-stats`' manifest (same component, so the
//!   compile cache answers) and measures from the end of that write to the first
//!   `text_stats` call answered by the new version. Target: at most debounce + 100 ms.
//! - `final_write_to_answer/new_component`: the same, the final write being a component
//!   never seen before (a custom section makes its bytes new), so it is compiled.
//! - `calls/*`: one `text_stats` call (a fresh instance), timed on the bench thread while a
//!   task on the runtime reloads, each reload loading a new version: `steady` (no
//!   reloads); `during_reloads` (one reload every 20 ms, 50 a second: far more than the
//!   watcher's debounce lets through; a new manifest version over the same component, as
//!   a manifest or config edit makes); `during_reloads_new_code` (the same, each version
//!   with other component bytes, already compiled into the cache as the watcher leaves
//!   them); `reload_storm_new_code` (back to back). Criterion reports the typical call; the
//!   bench also prints p50 and p99 of the calls that overlapped a reload (every call for
//!   `steady`). Target: p99 during reloads at most twice the steady p99.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use zeroclaw::agent::Agent;
use zeroclaw::config::LoadedConfig;
use zeroclaw::plugins::build::{BuiltPlugin, build_guests, ensure_wasm_target};

const DEBOUNCE_MS: u64 = 500;

/// The built `text-stats` guest.
fn text_stats() -> BuiltPlugin {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("wasm-plugins");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../wasm-guests");
    ensure_wasm_target(&mut |m| eprintln!("{m}")).unwrap();
    build_guests(&root, Some(&target), true).unwrap().into_iter().find(|b| b.crate_name == "text-stats").unwrap()
}

/// A workspace with `text-stats` installed, and an agent on it.
struct Bed {
    _dir: tempfile::TempDir,
    plugin: PathBuf,
    manifest: String,
    component: Vec<u8>,
    agent: Arc<Agent>,
}

impl Bed {
    fn new(rt: &tokio::runtime::Runtime, hot_reload: bool) -> Bed {
        let built = text_stats();
        let dir = tempfile::tempdir().unwrap();
        let plugin = dir.path().join("plugins/text-stats");
        std::fs::create_dir_all(&plugin).unwrap();
        let manifest = std::fs::read_to_string(&built.manifest).unwrap();
        let component = std::fs::read(&built.component).unwrap();
        std::fs::write(plugin.join("plugin.toml"), &manifest).unwrap();
        std::fs::write(plugin.join("text_stats.wasm"), &component).unwrap();
        let text = format!(
            "workspace = \".\"\nstate_dir = \"state\"\n[plugins]\nenabled = true\ndirs = [\"plugins\"]\n\
             hot_reload = {hot_reload}\nreload_debounce_ms = {DEBOUNCE_MS}\n"
        );
        let path = dir.path().join("zeroclaw.toml");
        std::fs::write(&path, &text).unwrap();
        let config = LoadedConfig::parse(&text, &path).unwrap();
        let agent = rt.block_on(Agent::start(config)).unwrap();
        Bed { _dir: dir, plugin, manifest, component, agent }
    }

    /// Writes the manifest as version `0.1.{n}`.
    fn write_version(&self, n: u64) {
        let text = self.manifest.replace("version = \"0.1.0\"", &format!("version = \"0.1.{n}\""));
        std::fs::write(self.plugin.join("plugin.toml"), text).unwrap();
    }

    /// Writes the component with a custom section holding `n`: bytes never compiled before.
    fn write_new_component(&self, n: u64) {
        std::fs::write(self.plugin.join("text_stats.wasm"), with_nonce(&self.component, n)).unwrap();
    }
}

/// `component` with a custom section holding `n`: the same code, new bytes.
fn with_nonce(component: &[u8], n: u64) -> Vec<u8> {
    let name = b"zeroclaw-bench";
    let payload = n.to_le_bytes();
    let mut bytes = component.to_vec();
    bytes.push(0); // custom section
    let size = 1 + name.len() + payload.len();
    assert!(size < 128, "one-byte LEB128 sizes");
    bytes.extend([size as u8, name.len() as u8]);
    bytes.extend(name);
    bytes.extend(payload);
    bytes
}

/// Calls `text_stats` once; returns the answering owner.
async fn call(agent: &Agent) -> String {
    let snapshot = agent.runtime().snapshot();
    let entry = snapshot.tool("text_stats").unwrap();
    entry.invoke(&serde_json::json!({"text": "a b"})).await.unwrap();
    entry.owner.to_string()
}

/// Waits until version `0.1.{n}` answers.
async fn until_answered_by(agent: &Agent, n: u64) {
    let wanted = format!("@0.1.{n}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !call(agent).await.ends_with(&wanted) {
        assert!(Instant::now() < deadline, "version 0.1.{n} never answered");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn final_write_to_answer(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let bed = Bed::new(rt, true);
    let mut group = c.benchmark_group("final_write_to_answer");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(8));
    let mut n = 0;
    for (name, new_component) in [("manifest", false), ("new_component", true)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    n += 1;
                    let written = if new_component {
                        bed.write_version(n);
                        bed.write_new_component(n);
                        Instant::now()
                    } else {
                        bed.write_version(n);
                        Instant::now()
                    };
                    rt.block_on(until_answered_by(&bed.agent, n));
                    total += written.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

/// The p-th percentile of `samples`.
fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

/// How reloads run while calls are timed.
#[derive(Clone, Copy)]
enum Reloading {
    /// None.
    Never,
    /// One reload every so often; with `true`, each brings new component bytes.
    Every(Duration, bool),
    /// Back to back, each with new component bytes.
    Storm,
}

/// A task that reloads as told, each reload loading a new version: a new manifest
/// version, and with `new_code` the other of two components (both already in the compile
/// cache, as the watcher leaves them), so that the new version's code is loaded and mapped.
/// `phase` is odd while a reload runs and counts reloads, so a call can tell whether it
/// overlapped one.
fn spawn_reloader(
    rt: &tokio::runtime::Runtime,
    bed: &Bed,
    every: Option<Duration>,
    new_code: bool,
    phase: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    let (agent, plugin, manifest) = (bed.agent.clone(), bed.plugin.clone(), bed.manifest.clone());
    let variants = [bed.component.clone(), with_nonce(&bed.component, 1)];
    if new_code {
        let backend = agent.runtime().wasm().unwrap().engine();
        for variant in &variants {
            backend.cache().warm(backend.engine(), variant).unwrap();
        }
    }
    rt.spawn(async move {
        let mut n = 0;
        while !stop.load(Ordering::Relaxed) {
            n += 1;
            let text = manifest.replace("version = \"0.1.0\"", &format!("version = \"0.1.{n}\""));
            std::fs::write(plugin.join("plugin.toml"), text).unwrap();
            if new_code {
                std::fs::write(plugin.join("text_stats.wasm"), &variants[(n % 2) as usize]).unwrap();
            }
            phase.fetch_add(1, Ordering::SeqCst);
            let outcome = agent.reload(None).await;
            phase.fetch_add(1, Ordering::SeqCst);
            assert!(outcome.is_clean() && outcome.loaded.len() == 1, "{outcome:?}");
            if let Some(every) = every {
                tokio::time::sleep(every).await;
            }
        }
    })
}

fn calls(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let bed = Bed::new(rt, false);
    let mut group = c.benchmark_group("calls");
    let mut p99 = Vec::new();
    let every = Duration::from_millis(20);
    for (name, reloading) in [
        ("steady", Reloading::Never),
        ("during_reloads", Reloading::Every(every, false)),
        ("during_reloads_new_code", Reloading::Every(every, true)),
        ("reload_storm_new_code", Reloading::Storm),
    ] {
        let (stop, phase) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
        let reloader = match reloading {
            Reloading::Never => None,
            Reloading::Every(every, new_code) => {
                Some(spawn_reloader(rt, &bed, Some(every), new_code, phase.clone(), stop.clone()))
            }
            Reloading::Storm => Some(spawn_reloader(rt, &bed, None, true, phase.clone(), stop.clone())),
        };
        // Steady: every call. With reloads: the calls that overlapped one, and apart, the
        // first call answered by each new version (its instance slot is cold).
        let (mut timed, mut firsts) = (Vec::new(), Vec::new());
        let (mut all, mut last_owner) = (0usize, String::new());
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let before = phase.load(Ordering::SeqCst);
                    let started = Instant::now();
                    let owner = rt.block_on(call(&bed.agent));
                    let took = started.elapsed();
                    let overlapped = before % 2 == 1 || phase.load(Ordering::SeqCst) != before;
                    if matches!(reloading, Reloading::Never) || overlapped {
                        timed.push(took);
                    }
                    if owner != last_owner {
                        firsts.push(took);
                        last_owner = owner;
                    }
                    all += 1;
                    total += took;
                }
                total
            })
        });
        stop.store(true, Ordering::Relaxed);
        if let Some(reloader) = reloader {
            rt.block_on(reloader).unwrap();
        }
        // A filtered run (`cargo bench -- steady`) times nothing here.
        if !timed.is_empty() {
            let reloads = phase.load(Ordering::SeqCst) / 2;
            let (p50, p99th) = (percentile(&mut timed, 0.50), percentile(&mut timed, 0.99));
            eprintln!(
                "calls/{name}: {all} calls, {reloads} reloads, {} calls timed: p50 {p50:.2?}, p99 {p99th:.2?}",
                timed.len()
            );
            p99.push((name, p99th));
        }
        if firsts.len() > 1 {
            let (p50, p99th) = (percentile(&mut firsts, 0.50), percentile(&mut firsts, 0.99));
            eprintln!("calls/{name}: first call of each of {} versions: p50 {p50:.2?}, p99 {p99th:.2?}", firsts.len());
        }
    }
    group.finish();
    if let Some((_, steady)) = p99.iter().find(|(name, _)| *name == "steady") {
        for (name, p) in p99.iter().filter(|(name, _)| *name != "steady") {
            let ratio = p.as_secs_f64() / steady.as_secs_f64();
            eprintln!("calls/{name}: p99 / steady p99 = {ratio:.2} (target for during_reloads: at most 2)");
        }
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    final_write_to_answer(c, &rt);
    calls(c, &rt);
}

criterion_group!(benches, bench);
criterion_main!(benches);
