//! Contract evolution, proven on real binaries: the published 1.0 WIT is frozen, and
//! guests compiled against it (`tests/fixtures/contract-1.0/`, built from the examples
//! and fixtures of the commit that published 1.0, before 1.1 existed) load on this host
//! and behave exactly as the same plugins built from today's sources do, beside guests
//! that speak 1.1.

use std::path::{Path, PathBuf};

use zeroclaw::hooks::{HookFlow, HookRunner};
use zeroclaw::plugins::PluginRuntime;
use zeroclaw::trust::Sha256Digest;
use zeroclaw_plugin_api::{HookContext, HookPayload, OutboundMessage};

use crate::guests::{install_guest, plugin_config};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Every file of the published 1.0 contract and of its compiled guests, with its sha256.
/// Nothing here may ever change: a change to 1.0 is a change every 1.0 plugin breaks on.
const FROZEN: [(&str, &str); 14] = [
    ("wit/published/1.0.0/hooks.wit", "1539b8fb8317110d2a2b30f0dbb85e1a7c9592850e7e848504a2da22c6c4d875"),
    ("wit/published/1.0.0/host.wit", "b412c65bd8585698db859e622b586a6f1c27ff7b639fb016d6b6cb3cb32cbd5b"),
    ("wit/published/1.0.0/providers.wit", "ed976ed5cccbb8ee218fc41fca51e75a21e497cc68c15c068403374bd91b2f67"),
    ("wit/published/1.0.0/tools.wit", "f55d41479858d0273c0f85ea1c56c300eec4697f70bb7dddf550d9e0f45be244"),
    (
        "tests/fixtures/contract-1.0/echo-provider/echo_provider.wasm",
        "68043a170b52d6ba42a7acb73a23557f44a164011366b4d4cd372eb859f276f1",
    ),
    (
        "tests/fixtures/contract-1.0/echo-provider/plugin.toml",
        "4c5f3952a9066d881870a3e262bf81f8311e1bb203229a1f40274af8d3e21c11",
    ),
    (
        "tests/fixtures/contract-1.0/guard/guard.wasm",
        "972077b7c34f5b279251c1a522ecd1d55274bac4fc7d8cd30c51257d70012fd0",
    ),
    (
        "tests/fixtures/contract-1.0/guard/plugin.toml",
        "4f0c4d259e380b3753d8f78a16816c0e5fc041a2c1f01087da59fa3ff691ab1a",
    ),
    (
        "tests/fixtures/contract-1.0/recorder/plugin.toml",
        "808c27019701e1ba5f54f6d1e8f3d903894dc8146598e9a44fe56f16c12387be",
    ),
    (
        "tests/fixtures/contract-1.0/recorder/recorder.wasm",
        "aeeb3618fc86e9d90891478d041d18e366ce3f14e0279728a72e9f4a3bf7bb33",
    ),
    (
        "tests/fixtures/contract-1.0/shout/plugin.toml",
        "1eee65b0cbc7f62235573270d3b165dccbb0fe67cb46d2380e3ec40a9a14f17c",
    ),
    (
        "tests/fixtures/contract-1.0/shout/shout.wasm",
        "c45ebb66f7237514977423052d7209d0c89df909b743000da10cc166e89c8388",
    ),
    (
        "tests/fixtures/contract-1.0/text-stats/plugin.toml",
        "bc92ca0aed67ab116d5a2c2bf1180e9533b86fac4cf2c10416d1baa9e084f692",
    ),
    (
        "tests/fixtures/contract-1.0/text-stats/text_stats.wasm",
        "558033a6ee1ff991231ce6438774576f81fae8beb7eb75ad4634322e68c577cf",
    ),
];

/// Installs the frozen 1.0 build of plugin `id` into `plugins_dir`; returns its manifest.
pub fn install_frozen(id: &str, plugins_dir: &Path) -> PathBuf {
    let from = repo("tests/fixtures/contract-1.0").join(id);
    let to = plugins_dir.join(id);
    std::fs::create_dir_all(&to).unwrap();
    for file in std::fs::read_dir(&from).unwrap_or_else(|e| panic!("no frozen guest `{id}`: {e}")) {
        let file = file.unwrap();
        std::fs::copy(file.path(), to.join(file.file_name())).unwrap();
    }
    to.join("plugin.toml")
}

/// The files under `dir`, relative to the repository, sorted.
fn files_under(dir: &str) -> Vec<String> {
    let root = repo("");
    let relative = |path: PathBuf| path.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
    crate::support::files_under(&repo(dir)).into_iter().map(relative).collect()
}

#[test]
fn the_published_1_0_contract_and_its_compiled_guests_never_change() {
    let mut listed: Vec<String> = FROZEN.iter().map(|(path, _)| path.to_string()).collect();
    listed.sort();
    let mut present = files_under("wit/published/1.0.0");
    present.extend(files_under("tests/fixtures/contract-1.0"));
    present.sort();
    assert_eq!(present, listed, "the frozen files are exactly these: none added, none removed");
    for (path, digest) in FROZEN {
        let actual = Sha256Digest::of(&std::fs::read(repo(path)).unwrap()).hex();
        assert_eq!(
            actual, digest,
            "{path} changed: a published contract is never edited (write the change in wit/zeroclaw/ for the next minor)"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guard_built_against_1_0_blocks_queries_and_answers_as_before() {
    crate::wasm::guard_behaves(install_frozen).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_stats_and_echo_provider_built_against_1_0_answer_as_before() {
    crate::wasm::text_stats_and_echo_provider_behave(install_frozen).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hook_reaches_the_recorder_built_against_1_0_as_before() {
    crate::e2e::every_hook_fires_for_both_backends("e2e-contract-1.0", install_frozen, &["llm_error"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shout_built_against_1_0_and_against_1_1_rewrite_a_reply_alike() {
    let sending = |content: &str| {
        HookPayload::MessageSending(OutboundMessage {
            channel: "cli".into(),
            recipient: "u".into(),
            content: content.into(),
        })
    };
    let mut outcomes = Vec::new();
    for install in [install_frozen as crate::wasm::Install, install_guest] {
        let dir = tempfile::tempdir().unwrap();
        install("shout", &dir.path().join("plugins"));
        let extra = "[plugins.entries.shout]\ngrant = [\"messages:modify\", \"conversation:read\"]\n";
        let runtime = PluginRuntime::start(plugin_config(dir.path(), extra)).await.unwrap();
        let runner = HookRunner::new(runtime.registry().clone());
        outcomes.push(runner.run_payload(&HookContext::agent("t"), sending("quiet please")).await);
    }
    assert_eq!(outcomes[0], HookFlow::Continue(sending("QUIET PLEASE")));
    assert_eq!(outcomes[0], outcomes[1], "the same outcome from both builds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_of_1_0_and_1_1_load_side_by_side_each_speaking_its_own_version() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    install_frozen("text-stats", &plugins);
    install_guest("echo-provider", &plugins);
    let runtime = PluginRuntime::start(plugin_config(dir.path(), "")).await.unwrap();
    let snapshot = runtime.snapshot();
    assert!(snapshot.diagnostics().is_empty(), "{:?}", snapshot.diagnostics());
    let speaks = |id: &str| -> Vec<String> {
        snapshot.plugins().iter().find(|p| p.id == id).unwrap_or_else(|| panic!("{id} is listed")).speaks.clone()
    };
    assert_eq!(speaks("text-stats"), ["zeroclaw:tools@1.0.0"]);
    assert_eq!(speaks("echo-provider"), ["zeroclaw:providers@1.1.0"]);
    assert!(snapshot.tool("text_stats").is_some() && snapshot.provider("echo").is_some());
}

#[test]
fn inspect_names_the_version_a_plugin_speaks() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = install_frozen("guard", &dir.path().join("plugins"));
    let out = crate::guests::author_command(dir.path(), &["plugins", "inspect", manifest.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains(
            "speaks        zeroclaw:hooks@1.0.0, zeroclaw:tools@1.0.0, zeroclaw:providers@1.0.0 (this host speaks up to 1.1.0)"
        ),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1_0_guest_cannot_subscribe_to_a_point_1_1_added() {
    let status = |edit: &dyn Fn(String) -> String| {
        let dir = tempfile::tempdir().unwrap();
        let manifest = install_frozen("recorder", &dir.path().join("plugins"));
        let text = std::fs::read_to_string(&manifest).unwrap();
        std::fs::write(&manifest, edit(text)).unwrap();
        let config = plugin_config(dir.path(), "[plugins.entries.recorder]\ngrant = [\"kv\", \"conversation:read\"]\n");
        async move {
            let runtime = PluginRuntime::start(config).await.unwrap();
            let snapshot = runtime.snapshot();
            let record = snapshot.plugins().iter().find(|p| p.id == "recorder").unwrap().clone();
            drop(dir);
            format!("{:?}", record.status)
        }
    };
    let subscribe = |text: String| format!("{text}\n[[hooks]]\npoint = \"llm_error\"\n");
    // Its manifest lists 1.0: refused there, naming both versions.
    let refused = status(&subscribe).await;
    assert!(
        refused.contains(
            "hooks.point `llm_error` was added in zeroclaw:hooks@1.1.0, but the plugin lists zeroclaw:hooks@1.0.0"
        ),
        "{refused}"
    );
    // Its manifest claims 1.1, but the component speaks 1.0: refused at load.
    let claims = |text: String| subscribe(text).replace("zeroclaw:hooks@1.0.0", "zeroclaw:hooks@1.1.0");
    let refused = status(&claims).await;
    assert!(
        refused.contains("subscribes to `llm_error`, added in zeroclaw:hooks@1.1.0, but the component exports zeroclaw:hooks/handler@1.0.0"),
        "{refused}"
    );
}
