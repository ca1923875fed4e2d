//! Instructions a warm hook call executes, counted by callgrind: the calls of
//! `sandbox.rs` (the plain-wasmtime floor, zeroclaw's handler, the runner), and the floor
//! with the epoch check zeroclaw's engine compiles into every guest.
//!
//! Time on a shared 2-core machine drifts by a third between runs; an instruction count
//! does not (the same binary and inputs give the same count whatever else runs), so a
//! change of a few percent shows here when timing cannot see it. It is not time: an atomic
//! or a cache miss costs more than an add. `cargo bench --bench counts` runs itself under
//! valgrind once per call kind, counting only the measured loop (setup and warm-up are
//! outside it), and prints instructions per call; without valgrind it says so and stops.

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::process::Command;
use std::task::{Context, Poll};

mod common;
#[path = "common/hook_calls.rs"]
mod hook_calls;

use common::{agent_start, config};
use hook_calls::{Floor, RunnerCall, guest, guests};
use zeroclaw::hooks::HookRunner;
use zeroclaw::plugins::PluginRuntime;
use zeroclaw::plugins::build::install;
use zeroclaw_plugin_api::{HookContext, HookPoint};

/// Calls counted per kind.
const CALLS: u64 = 2000;

/// The call kinds, in the order they are printed.
const KINDS: [(&str, &str); 4] = [
    ("floor", "plain wasmtime"),
    ("floor_epoch", "plain wasmtime, epoch check on"),
    ("handler", "zeroclaw's handler"),
    ("runner", "through the runner"),
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--count") {
        Some(at) => count(&args[at + 1]),
        None => report(),
    }
}

/// Runs each kind under callgrind and prints instructions per call.
fn report() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        eprintln!("counts: valgrind is not installed (apt-get install valgrind); nothing counted");
        return;
    }
    guests(); // built here, outside valgrind
    let me = std::env::current_exe().unwrap();
    let mut per_call = Vec::new();
    for (kind, what) in KINDS {
        let out = Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null", "--collect-atstart=no"])
            .arg("--toggle-collect=*Measured*poll*")
            .arg(&me)
            .args(["--count", kind])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "counting {kind} failed:\n{stderr}");
        let collected: u64 = stderr
            .lines()
            .find_map(|line| line.split("Collected : ").nth(1))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no count in callgrind's output:\n{stderr}"));
        let calls = collected as f64 / CALLS as f64;
        println!("counts/{kind:<12} {calls:>9.0} instructions a call  ({what})");
        per_call.push(calls);
    }
    let [floor, epoch, handler, runner] = per_call[..] else { unreachable!() };
    println!(
        "counts: runner ÷ floor {:.3}, handler ÷ floor {:.3}; the epoch check adds {:.0} to the guest, the host {:.0}",
        runner / floor,
        handler / floor,
        epoch - floor,
        runner - epoch
    );
}

/// One kind's calls: a warm-up, then `CALLS` calls inside [`Measured`], the one function
/// callgrind counts.
fn count(kind: &str) {
    let built = guests();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let noop = guest(&built, "noop");
    match kind {
        "floor" | "floor_epoch" => {
            let floor = Floor::new(&rt, noop, kind == "floor_epoch");
            measure(&rt, async || floor.call().await);
        }
        "handler" | "runner" => {
            let dir = tempfile::tempdir().unwrap();
            install(noop, &dir.path().join("plugins")).unwrap();
            let extra = "[plugins.entries.noop]\ninstances = \"warm\"\n";
            let runtime = rt.block_on(PluginRuntime::start(config(dir.path(), extra))).unwrap();
            if kind == "handler" {
                let snapshot = runtime.snapshot();
                let handler = snapshot.hooks(HookPoint::BeforeAgentStart)[0].handler.clone();
                let (ctx, payload) = (HookContext::session("zeroclaw", "s1", "bench"), agent_start());
                measure(&rt, async || {
                    black_box(handler.handle(&ctx, &payload).await.unwrap());
                });
            } else {
                let runner = HookRunner::new(runtime.registry().clone());
                let call = RunnerCall::new(&runner);
                measure(&rt, async || call.call().await);
            }
        }
        other => panic!("no call kind `{other}`"),
    }
}

fn measure(rt: &tokio::runtime::Runtime, call: impl AsyncFn()) {
    // Warm-up: the first calls set up what every later call reuses (the TSC calibration,
    // the fiber stack, the allocator's caches).
    rt.block_on(async {
        for _ in 0..10 {
            call().await;
        }
    });
    rt.block_on(Measured(Box::pin(async {
        for _ in 0..CALLS {
            call().await;
        }
    })));
}

/// The measured loop: callgrind counts what runs inside its `poll`, and nothing else.
struct Measured<F>(Pin<Box<F>>);

impl<F: Future> Future for Measured<F> {
    type Output = F::Output;

    #[inline(never)]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.0.as_mut().poll(cx)
    }
}
