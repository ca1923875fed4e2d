//! What speaking an older contract costs: the same hook (`shout`, on `message_sending`)
//! compiled against 1.0 (the frozen fixture in `tests/fixtures/contract-1.0/`) and against
//! 1.1 (built from `wasm-plugins/examples/shout`), both loaded in one runtime (as
//! `shout-1-0` and `shout-1-1`) and each called warm through zeroclaw's handler, side by
//! side in one run, the two calls interleaved. Target: the 1.0 guest at most 1.1× the 1.1
//! guest.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

#[allow(dead_code, reason = "this bench uses only the config")]
mod common;

use common::config;
use criterion::{Criterion, criterion_group, criterion_main};
use zeroclaw::plugins::PluginRuntime;
use zeroclaw::plugins::build::{build_guests, ensure_wasm_target};
use zeroclaw_plugin_api::{HookContext, HookPayload, HookPoint, OutboundMessage};

/// Both copies warm, allowed to rewrite what they read.
const GRANTS: &str = "[plugins.entries.shout-1-0]\ninstances = \"warm\"\ngrant = [\"messages:modify\", \"conversation:read\"]\n\
     [plugins.entries.shout-1-1]\ninstances = \"warm\"\ngrant = [\"messages:modify\", \"conversation:read\"]\n";

/// Installs the plugin of `manifest` and `component` into `plugins` under the id `id`.
fn install_as(id: &str, manifest: &Path, component: &Path, plugins: &Path) {
    let to = plugins.join(id);
    std::fs::create_dir_all(&to).unwrap();
    let text = std::fs::read_to_string(manifest).unwrap().replace("id = \"shout\"", &format!("id = \"{id}\""));
    std::fs::write(to.join("plugin.toml"), text).unwrap();
    std::fs::copy(component, to.join(component.file_name().unwrap())).unwrap();
}

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("wasm-plugins");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../wasm-guests");
    ensure_wasm_target(&mut |m| eprintln!("{m}")).unwrap();
    let built = build_guests(&root, Some(&target), true).unwrap();
    let shout = built.iter().find(|b| b.crate_name == "shout").unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let ctx = HookContext::session("zeroclaw", "s1", "bench");
    let payload = HookPayload::MessageSending(OutboundMessage {
        channel: "bench".into(),
        recipient: "u".into(),
        content: "a short reply to shout".into(),
    });

    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    let frozen = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contract-1.0/shout");
    install_as("shout-1-0", &frozen.join("plugin.toml"), &frozen.join("shout.wasm"), &plugins);
    install_as("shout-1-1", &shout.manifest, &shout.component, &plugins);
    let runtime = rt.block_on(PluginRuntime::start(config(dir.path(), GRANTS))).unwrap();
    let snapshot = runtime.snapshot();
    let handler = |id: &str| {
        let record = snapshot.plugins().iter().find(|p| p.id == id).unwrap();
        eprintln!("{id} speaks {:?}", record.speaks);
        snapshot.hooks(HookPoint::MessageSending).iter().find(|e| e.owner.plugin_id() == id).unwrap().handler.clone()
    };
    let (old, new) = (handler("shout-1-0"), handler("shout-1-1"));
    let mut group = c.benchmark_group("contract");
    // Each measurement calls both guests in turn and times one of them: both stay equally
    // warm, and neither benefits from running first (the machine drifts by ±10 % between
    // consecutive measurements of the same call).
    let (ctx, payload) = (&ctx, &payload);
    for (name, timed, other) in [("hook_1_0_guest", &old, &new), ("hook_1_1_guest", &new, &old)] {
        group.bench_function(name, |b| {
            b.to_async(&rt).iter_custom(|iters| async move {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    let started = Instant::now();
                    black_box(timed.handle(ctx, payload).await.unwrap());
                    spent += started.elapsed();
                    black_box(other.handle(ctx, payload).await.unwrap());
                }
                spent
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
