//! Loading wasm plugins: what is refused, why, and before what; the compile cache; the
//! default of loading nothing.

use std::path::{Path, PathBuf};

use zeroclaw::config::{Config, LoadedConfig};
use zeroclaw::plugins::Round;
use zeroclaw::plugins::wasm::{CacheOutcome, WasmBackend};
use zeroclaw::plugins::{PluginRuntime, PluginStatus};

use crate::guests::{install_guest, plugin_config, plugin_config_with_cache, unique_component};

/// The status of plugin `id` after starting a runtime on `root`.
async fn status_of(root: &Path, extra: &str, id: &str) -> PluginStatus {
    let runtime = PluginRuntime::start(plugin_config(root, extra)).await.unwrap();
    let snapshot = runtime.snapshot();
    snapshot.plugins().iter().find(|p| p.id == id).unwrap_or_else(|| panic!("no record for {id}")).status.clone()
}

fn failure(status: PluginStatus) -> String {
    match status {
        PluginStatus::Failed(reason) => reason,
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// Installs `crate_name` and rewrites its manifest with `edit`.
fn install_edited(crate_name: &str, root: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let manifest = install_guest(crate_name, &root.join("plugins"));
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, edit(text)).unwrap();
    manifest
}

/// Writes a component made from WAT text with `manifest` beside it.
fn install_wat(root: &Path, id: &str, wat: &str, manifest: &str) {
    let dir = root.join("plugins").join(id);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("c.wasm"), wat::parse_str(wat).expect("valid WAT")).unwrap();
    std::fs::write(dir.join("plugin.toml"), manifest).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_plugin_is_reported_and_the_others_still_load() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("text-stats", &dir.path().join("plugins"));
    install_edited("echo-provider", dir.path(), |t| t.replace("id = \"echo-provider\"", "id = \"Echo!\""));
    let runtime = PluginRuntime::start(plugin_config(dir.path(), "")).await.unwrap();
    let snapshot = runtime.snapshot();
    assert!(snapshot.tool("text_stats").is_some(), "the good plugin serves");
    let bad = snapshot.plugins().iter().find(|p| p.id == "echo-provider").expect("recorded under its directory name");
    let reason = failure(bad.status.clone());
    assert!(reason.contains("plugin.toml:1:6") && reason.contains("id `Echo!`"), "{reason}");
    assert!(snapshot.diagnostics().iter().any(|d| d.message == reason), "the failure is also a diagnostic");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incompatible_major_in_the_manifest_is_refused_naming_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    install_edited("text-stats", dir.path(), |t| t.replace("zeroclaw:tools@1.1.0", "zeroclaw:tools@2.1.0"));
    let reason = failure(status_of(dir.path(), "", "text-stats").await);
    assert!(
        reason.contains("built against zeroclaw:tools@2.1.0") && reason.contains("zeroclaw:tools@1.1.0"),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_of_another_major_is_refused_before_instantiation() {
    let dir = tempfile::tempdir().unwrap();
    // The manifest claims 1.0.0; the component exports the 2.0.0 interface. A start
    // function would trap if it ran: the refusal must come first.
    let wat = r#"(component
        (core module $m (func $start unreachable) (start $start))
        (core instance (instantiate $m))
        (instance $i)
        (export "zeroclaw:tools/tool@2.0.0" (instance $i)))"#;
    let manifest = "id = \"future\"\nversion = \"1.0.0\"\ncomponent = \"c.wasm\"\nwit = [\"zeroclaw:tools@1.0.0\"]\n[[tools]]\nname = \"t\"\neffect = \"read\"\n";
    install_wat(dir.path(), "future", wat, manifest);
    let reason = failure(status_of(dir.path(), "", "future").await);
    assert!(reason.contains("exports `zeroclaw:tools/tool@2.0.0`"), "{reason}");
    assert!(
        reason.contains("built against zeroclaw:tools@2.0.0") && reason.contains("zeroclaw:tools@1.1.0"),
        "{reason}"
    );
    assert!(
        !reason.contains("unreachable") && !reason.contains("self-check"),
        "refused before instantiation: {reason}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_the_manifest_promises_but_the_component_lacks_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = "id = \"hollow\"\nversion = \"1.0.0\"\ncomponent = \"c.wasm\"\nwit = [\"zeroclaw:tools@1.0.0\"]\n[[tools]]\nname = \"t\"\neffect = \"read\"\n";
    install_wat(dir.path(), "hollow", "(component)", manifest);
    let reason = failure(status_of(dir.path(), "", "hollow").await);
    assert!(
        reason.contains("declares [[tools]] but the component does not export `zeroclaw:tools/tool@1.x`"),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_of_the_right_name_but_another_type_is_refused_at_load() {
    // `list-specs` and `invoke` exist but return a bare u32: the calls' signatures are
    // checked against the component once, at load, and never assumed unchecked.
    let wat = r#"(component
        (core module $m (func (export "f") (result i32) i32.const 0))
        (core instance $i (instantiate $m))
        (func $f (result u32) (canon lift (core func $i "f")))
        (instance $tool (export "list-specs" (func $f)) (export "invoke" (func $f)))
        (export "zeroclaw:tools/tool@1.0.0" (instance $tool)))"#;
    let dir = tempfile::tempdir().unwrap();
    let manifest = "id = \"skewed\"\nversion = \"1.0.0\"\ncomponent = \"c.wasm\"\nwit = [\"zeroclaw:tools@1.0.0\"]\n[[tools]]\nname = \"t\"\neffect = \"read\"\n";
    install_wat(dir.path(), "skewed", wat, manifest);
    let reason = failure(status_of(dir.path(), "", "skewed").await);
    assert!(
        reason.contains("self-check failed") && reason.contains("export `list-specs` does not match the contract"),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_the_component_does_not_list_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    install_edited("text-stats", dir.path(), |t| t.replace("name = \"text_stats\"", "name = \"word_count\""));
    let reason = failure(status_of(dir.path(), "", "text-stats").await);
    assert!(reason.contains("declares tool `word_count`") && reason.contains("it offers: text_stats"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sha256_mismatch_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let wrong = "ab".repeat(32);
    install_edited("text-stats", dir.path(), |t| {
        t.replace("component = \"text_stats.wasm\"", &format!("component = \"text_stats.wasm\"\nsha256 = \"{wrong}\""))
    });
    let reason = failure(status_of(dir.path(), "", "text-stats").await);
    assert!(reason.contains(&format!("sha256: the manifest says {wrong}")), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_config_that_fails_the_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("echo-provider", &dir.path().join("plugins"));
    let extra = "[plugins.entries.echo-provider.config]\nprefix = 42\n";
    let reason = failure(status_of(dir.path(), extra, "echo-provider").await);
    assert!(
        reason.contains("plugins.entries.echo-provider.config does not match") && reason.contains("/prefix"),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requested_capability_that_is_not_granted_refuses_the_plugin() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("redact", &dir.path().join("plugins"));
    let reason = failure(status_of(dir.path(), "", "redact").await);
    assert!(reason.contains("`tool-results:modify` requested but not granted"), "{reason}");
    assert!(reason.contains("plugins.entries.redact.grant = [\"tool-results:modify\"]"), "names the fix: {reason}");
    let denied = "[plugins.capabilities]\ndeny = [\"tool-results:modify\"]\n[plugins.entries.redact]\ngrant = [\"tool-results:modify\"]\n";
    let reason = failure(status_of(dir.path(), denied, "redact").await);
    assert!(reason.contains("plugins.capabilities.deny forbids it"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_entry_is_listed_but_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("text-stats", &dir.path().join("plugins"));
    let status = status_of(dir.path(), "[plugins.entries.text-stats]\nenabled = false\n", "text-stats").await;
    assert_eq!(status, PluginStatus::Disabled("plugins.entries.text-stats.enabled = false".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugins_disabled_loads_nothing_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["redact", "text-stats", "echo-provider", "guard"] {
        install_guest(name, &dir.path().join("plugins"));
    }
    let mut config = plugin_config(dir.path(), "").config;
    config.plugins.enabled = false;
    let with_dirs = PluginRuntime::start(LoadedConfig::from_config(config, dir.path().to_path_buf())).await.unwrap();
    assert!(with_dirs.wasm().is_none(), "no engine is started");
    let native_only =
        PluginRuntime::start(LoadedConfig::from_config(Config::default(), dir.path().to_path_buf())).await.unwrap();
    assert_eq!(with_dirs.snapshot().rows(), native_only.snapshot().rows());
    assert!(with_dirs.snapshot().diagnostics().is_empty());
    assert!(!dir.path().join("state/cache").exists(), "nothing was compiled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_compile_cache_survives_a_restart_and_rebuilds_a_corrupt_entry() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    install_guest("text-stats", &dir.path().join("plugins"));
    let config = || plugin_config_with_cache(dir.path(), &cache, "");
    let manifest =
        || zeroclaw::plugins::manifest::Manifest::load(&dir.path().join("plugins/text-stats/plugin.toml")).unwrap();

    let first = WasmBackend::new(&config()).unwrap();
    assert_eq!(first.load(manifest(), &config(), 1).await.unwrap().report.cache, CacheOutcome::Miss);
    drop(first);

    // A new engine in a new "process": the entry written by the first is used.
    let second = WasmBackend::new(&config()).unwrap();
    assert_eq!(second.load(manifest(), &config(), 1).await.unwrap().report.cache, CacheOutcome::Hit);

    // Flip a byte in the middle of the entry: detected by its tag, deleted, rebuilt.
    let entry = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .unwrap();
    let mut bytes = std::fs::read(&entry).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&entry, &bytes).unwrap();
    let third = WasmBackend::new(&config()).unwrap();
    let loaded = third.load(manifest(), &config(), 1).await.unwrap();
    assert!(
        matches!(&loaded.report.cache, CacheOutcome::Rebuilt(reason) if reason.contains("authentication tag does not match")),
        "{:?}",
        loaded.report.cache
    );
    let out = invoke_text_stats(&loaded).await;
    assert!(out.contains("\"words\":1"), "the rebuilt plugin works: {out}");
    // And the rebuilt entry is good again.
    let fourth = WasmBackend::new(&config()).unwrap();
    assert_eq!(fourth.load(manifest(), &config(), 1).await.unwrap().report.cache, CacheOutcome::Hit);

    // A truncated entry (not even a header) is rebuilt too.
    std::fs::write(&entry, b"ZC").unwrap();
    let fifth = WasmBackend::new(&config()).unwrap();
    assert!(matches!(fifth.load(manifest(), &config(), 1).await.unwrap().report.cache, CacheOutcome::Rebuilt(_)));
}

async fn invoke_text_stats(plugin: &zeroclaw::plugins::wasm::LoadedPlugin) -> String {
    use zeroclaw::plugins::wasm::InvokeTool;
    let args = serde_json::json!({"text": "one"});
    match plugin.instances.call(&InvokeTool { name: "text_stats", args: &args }).await {
        Ok(Ok(out)) => out,
        _ => panic!("the tool answers"),
    }
}

#[test]
fn the_host_finds_a_1_0_export_when_it_asks_for_a_later_1_y() {
    // The mechanism behind the version policy: wasmtime resolves semver-compatible names,
    // so a host that moves to zeroclaw:tools@1.3.0 still finds a 1.0.0 plugin's export.
    let engine = wasmtime::Engine::default();
    let bytes =
        wat::parse_str(r#"(component (instance $i) (export "zeroclaw:tools/tool@1.0.0" (instance $i)))"#).unwrap();
    let component = wasmtime::component::Component::new(&engine, bytes).unwrap();
    assert!(component.get_export_index(None, "zeroclaw:tools/tool@1.3.0").is_some());
    assert!(component.get_export_index(None, "zeroclaw:tools/tool@2.0.0").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_version_with_the_same_component_reuses_the_compiled_one() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("text-stats", &dir.path().join("plugins"));
    let config = plugin_config(dir.path(), "");
    let backend = WasmBackend::new(&config).unwrap();
    let only = |refresh: &zeroclaw::plugins::wasm::Refresh| refresh.versions.values().next().unwrap().plugin.clone();
    let first = backend.refresh(&Default::default(), &Round::new(&config, 1)).await;
    assert_ne!(only(&first).report.cache, CacheOutcome::Reused);

    // A new manifest version over the same bytes: the compiled component is reused.
    let manifest = dir.path().join("plugins/text-stats/plugin.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("version = \"0.1.0\"", "version = \"0.2.0\"")).unwrap();
    let second = backend.refresh(&first.versions, &Round::new(&config, 2)).await;
    let v2 = only(&second);
    assert_eq!((v2.manifest.version.to_string(), &v2.report.cache), ("0.2.0".to_string(), &CacheOutcome::Reused));
    assert!(invoke_text_stats(&v2).await.contains("words"), "the reused component serves");

    // New bytes: loaded on their own, not reused.
    let component = dir.path().join("plugins/text-stats/text_stats.wasm");
    std::fs::write(&component, unique_component(&std::fs::read(&component).unwrap(), 3)).unwrap();
    let third = backend.refresh(&second.versions, &Round::new(&config, 3)).await;
    assert!(
        matches!(only(&third).report.cache, CacheOutcome::Hit | CacheOutcome::Miss),
        "{:?}",
        only(&third).report.cache
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_that_needs_more_memory_than_its_limit_is_refused_naming_the_key_to_raise() {
    let dir = tempfile::tempdir().unwrap();
    install_edited("text-stats", dir.path(), |t| {
        t.replace("component = \"text_stats.wasm\"", "component = \"text_stats.wasm\"\nmemory_mb = 128")
    });
    let reason = failure(status_of(dir.path(), "", "text-stats").await);
    assert!(
        reason.contains("needs 128 MiB of memory (memory_mb in its plugin.toml) but its limit is 64 MiB")
            && reason.contains("raise plugins.entries.text-stats.limits.memory_mb to at least 128"),
        "{reason}"
    );
    // The manifest never raises the limit itself; the operator does.
    let raised = "[plugins.entries.text-stats.limits]\nmemory_mb = 128\n";
    assert_eq!(status_of(dir.path(), raised, "text-stats").await, PluginStatus::Active);
    // And an impossible need is a manifest error at its line.
    install_edited("text-stats", dir.path(), |t| {
        t.replace("component = \"text_stats.wasm\"", "component = \"text_stats.wasm\"\nmemory_mb = 0")
    });
    let reason = failure(status_of(dir.path(), "", "text-stats").await);
    assert!(reason.contains("memory_mb = 0 is not from 1 to 4096"), "{reason}");
}
