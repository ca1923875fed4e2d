//! Hot reload: immutable snapshots swapped whole, the last good version of each plugin kept,
//! calls in flight never dropped, half-written files never loaded.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use zeroclaw::agent::{Agent, AgentOptions};
use zeroclaw::observability::{Event, Observer};
use zeroclaw::plugins::PluginStatus;

use crate::agent::config;
use crate::guests::{guest, install_guest, shared_cache, unique_component};

/// Collects the Reload events.
#[derive(Default)]
struct Reloads(Mutex<Vec<Vec<String>>>);

impl Observer for Reloads {
    fn record(&self, event: &Event) {
        if let Event::Reload { failures, .. } = event {
            self.0.lock().push(failures.clone());
        }
    }
}

fn manifest(root: &Path) -> std::path::PathBuf {
    root.join("plugins/text-stats/plugin.toml")
}

fn set_version(root: &Path, version: &str) {
    let text = std::fs::read_to_string(manifest(root)).unwrap();
    let text = text
        .lines()
        .map(|l| if l.starts_with("version = ") { format!("version = \"{version}\"") } else { l.to_string() })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(manifest(root), text + "\n").unwrap();
}

/// Calls `text_stats` on the snapshot in force; returns the answering owner.
async fn call(agent: &Agent) -> Result<String, String> {
    let snapshot = agent.runtime().snapshot();
    let entry = snapshot.tool("text_stats").ok_or("no text_stats")?;
    entry.invoke(&serde_json::json!({"text": "a b"})).await.map_err(|e| e.to_string())?;
    Ok(entry.owner.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_failure_keeps_previous_snapshot_active() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("text-stats", &dir.path().join("plugins"));
    let reloads = Arc::new(Reloads::default());
    let options = AgentOptions { observers: vec![reloads.clone()], ..Default::default() };
    let agent = Agent::start_with(config(dir.path(), "reload-keep", true, "", ""), options).await.unwrap();
    assert_eq!(call(&agent).await.unwrap(), "wasm:text-stats@0.1.0");
    let good_manifest = std::fs::read_to_string(manifest(dir.path())).unwrap();
    let component = dir.path().join("plugins/text-stats/text_stats.wasm");
    let good_component = std::fs::read(&component).unwrap();
    let empty_component = wat::parse_str("(component)").unwrap();
    type Breakage = (&'static str, Box<dyn Fn()>, &'static str);
    let root = dir.path().to_path_buf();
    let (m, c) = (manifest(&root), component.clone());
    let breakages: Vec<Breakage> = vec![
        (
            "corrupt component",
            Box::new({
                let c = c.clone();
                move || std::fs::write(&c, b"\0asm garbage").unwrap()
            }),
            "not a valid component",
        ),
        (
            "manifest error",
            Box::new({
                let (m, g) = (m.clone(), good_manifest.clone());
                move || std::fs::write(&m, g.replace("effect = \"read\"", "effect = \"sometimes\"")).unwrap()
            }),
            "unknown variant `sometimes`",
        ),
        (
            "incompatible major",
            Box::new({
                let (m, g) = (m.clone(), good_manifest.clone());
                move || std::fs::write(&m, g.replace("zeroclaw:tools@1.1.0", "zeroclaw:tools@2.0.0")).unwrap()
            }),
            "built against zeroclaw:tools@2.0.0",
        ),
        (
            "missing export",
            Box::new({
                let c = c.clone();
                move || std::fs::write(&c, &empty_component).unwrap()
            }),
            "does not export `zeroclaw:tools/tool@1.x`",
        ),
        (
            "capability not granted",
            Box::new({
                let (m, g) = (m.clone(), good_manifest.clone());
                move || std::fs::write(&m, g.replace("wit = [", "capabilities = [\"kv\"]\nwit = [")).unwrap()
            }),
            "`kv` requested but not granted",
        ),
    ];
    for (what, breakage, expected) in breakages {
        breakage();
        let report = agent.reload(None).await;
        assert_eq!(report.failed.len(), 1, "{what}: {report:?}");
        let failure = &report.failed[0];
        assert_eq!((failure.plugin.as_str(), failure.kept.as_deref()), ("text-stats", Some("0.1.0")), "{what}");
        assert!(failure.reason.contains(expected), "{what}: {}", failure.reason);
        assert!(failure.reason.contains("plugin.toml"), "{what}: names the file: {}", failure.reason);
        assert_eq!(call(&agent).await.unwrap(), "wasm:text-stats@0.1.0", "{what}: the old version keeps answering");
        let snapshot = agent.runtime().snapshot();
        assert!(
            snapshot
                .diagnostics()
                .iter()
                .any(|d| d.message.contains(expected) && d.message.contains("version 0.1.0 keeps serving")),
            "{what}: reported in plugins list"
        );
        assert!(reloads.0.lock().last().unwrap().iter().any(|f| f.contains(expected)), "{what}: an observer event");
        std::fs::write(manifest(dir.path()), &good_manifest).unwrap();
        std::fs::write(&component, &good_component).unwrap();
    }
    let report = agent.reload(None).await;
    assert!(report.is_clean(), "{report:?}");
    // A removed plugin leaves the next snapshot.
    std::fs::remove_dir_all(dir.path().join("plugins/text-stats")).unwrap();
    let report = agent.reload(None).await;
    assert_eq!(report.removed, ["text-stats@0.1.0"]);
    assert!(agent.runtime().snapshot().tool("text_stats").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_swap_under_load_answers_every_call_wholly_by_one_version() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("text-stats", &dir.path().join("plugins"));
    let agent = Agent::start(config(dir.path(), "reload-swap", true, "", "")).await.unwrap();
    let v1 = {
        let snapshot = agent.runtime().snapshot();
        let record = snapshot.plugins().iter().find(|p| p.id == "text-stats").unwrap();
        Arc::downgrade(record.health.as_ref().unwrap())
    };
    let stop = Arc::new(AtomicBool::new(false));
    let swapped_at = Arc::new(Mutex::new(None::<Instant>));
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (agent, stop, swapped_at) = (agent.clone(), stop.clone(), swapped_at.clone());
        tasks.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let owner = call(&agent).await.expect("every call succeeds");
                let after_swap = swapped_at.lock().is_some_and(|t| started > t);
                seen.push((owner, after_swap));
            }
            seen
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    set_version(dir.path(), "0.2.0");
    let report = agent.reload(None).await;
    *swapped_at.lock() = Some(Instant::now());
    assert_eq!(report.loaded, ["text-stats@0.2.0"], "{report:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let mut calls = Vec::new();
    for task in tasks {
        calls.extend(task.await.unwrap());
    }
    assert!(
        calls.iter().any(|(o, _)| o.ends_with("@0.1.0")) && calls.iter().any(|(o, _)| o.ends_with("@0.2.0")),
        "both versions answered"
    );
    assert!(calls.iter().all(|(o, _)| o == "wasm:text-stats@0.1.0" || o == "wasm:text-stats@0.2.0"));
    assert!(
        calls.iter().filter(|(_, after)| *after).all(|(o, _)| o.ends_with("@0.2.0")),
        "after the swap only v2 answers"
    );
    assert!(v1.upgrade().is_none(), "generation 1's plugin is freed once its last call ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_written_in_chunks_is_never_loaded_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let reloads = Arc::new(Reloads::default());
    let options = AgentOptions { observers: vec![reloads.clone()], ..Default::default() };
    std::fs::create_dir_all(dir.path().join("plugins")).unwrap();
    // `config` writes [plugins] itself; the watcher settings go in through the loaded value.
    let mut cfg = config(dir.path(), "reload-chunks", true, "", "");
    cfg.config.plugins.hot_reload = true;
    cfg.config.plugins.reload_debounce_ms = 400;
    let agent = Agent::start_with(cfg, options).await.unwrap();
    let built = guest("text-stats");
    let target = dir.path().join("plugins/text-stats");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::copy(&built.manifest, target.join("plugin.toml")).unwrap();
    let bytes = std::fs::read(&built.component).unwrap();
    {
        use std::io::Write;
        let mut file = std::fs::File::create(target.join("text_stats.wasm")).unwrap();
        for chunk in bytes.chunks(bytes.len() / 12 + 1) {
            file.write_all(chunk).unwrap();
            file.flush().unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let mut loaded = false;
    for _ in 0..100 {
        if agent.runtime().snapshot().tool("text_stats").is_some() {
            loaded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(loaded, "the finished component was loaded");
    assert_eq!(call(&agent).await.unwrap(), "wasm:text-stats@0.1.0");
    let failures: Vec<Vec<String>> = reloads.0.lock().clone();
    assert!(!failures.is_empty(), "the watcher reloaded");
    assert!(failures.iter().all(|f| f.is_empty()), "no reload read the partial file: {failures:?}");
    let record = agent.runtime().snapshot().plugins().iter().find(|p| p.id == "text-stats").unwrap().status.clone();
    assert_eq!(record, PluginStatus::Active);
    // Once everything has settled the watcher goes quiet: reloading does not retrigger it.
    let settled = reloads.0.lock().len();
    tokio::time::sleep(Duration::from_millis(3 * 400)).await;
    assert_eq!(reloads.0.lock().len(), settled, "no reload without a change");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_reloads_under_continuous_load_fail_no_call() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("text-stats", &dir.path().join("plugins"));
    install_guest("redact", &dir.path().join("plugins"));
    let rest = "[plugins.entries.redact]\ngrant = [\"tool-results:modify\"]\n";
    let agent = Agent::start(config(dir.path(), "reload-stress", true, "", rest)).await.unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let (calls, failures) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut tasks = Vec::new();
    for worker in 0..4 {
        let (agent, stop, calls, failures) = (agent.clone(), stop.clone(), calls.clone(), failures.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let ok = if worker % 2 == 0 {
                    call(&agent).await.is_ok()
                } else {
                    // A whole turn: hooks (redact on tool_result_persist) and a plugin tool.
                    let reply = crate::agent::say(&agent, &format!("w{worker}"), "stats: one two").await;
                    matches!(reply, zeroclaw::channels::Reply::Send { ref text, .. } if text.contains("\"words\":2"))
                };
                calls.fetch_add(1, Ordering::Relaxed);
                if !ok {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for i in 0..100 {
        set_version(dir.path(), &format!("0.1.{}", i % 2));
        let report = agent.reload(None).await;
        assert!(report.is_clean(), "reload {i}: {report:?}");
    }
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    assert!(calls.load(Ordering::Relaxed) > 100, "calls ran all along");
    assert_eq!(failures.load(Ordering::Relaxed), 0, "zero failed calls");
    assert!(agent.runtime().snapshot().generation() >= 101);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_changes_to_plugins_apply_on_reload() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("redact", &dir.path().join("plugins"));
    let agent = Agent::start(config(dir.path(), "reload-config", true, "", "")).await.unwrap();
    let status =
        |agent: &Agent| agent.runtime().snapshot().plugins().iter().find(|p| p.id == "redact").unwrap().status.clone();
    assert!(matches!(status(&agent), PluginStatus::Failed(r) if r.contains("not granted")));
    let path = dir.path().join("zeroclaw.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}[plugins.entries.redact]\ngrant = [\"tool-results:modify\"]\n")).unwrap();
    let report = agent.reload(None).await;
    assert_eq!(report.loaded, ["redact@0.1.0"], "{report:?}");
    assert_eq!(status(&agent), PluginStatus::Active);
    // A config that no longer parses changes nothing.
    std::fs::write(&path, format!("{text}[plugins]\nbogus = 1\n")).unwrap();
    let generation = agent.runtime().snapshot().generation();
    let report = agent.reload(None).await;
    assert!(report.error.as_deref().is_some_and(|e| e.contains("zeroclaw.toml")), "{report:?}");
    assert_eq!(agent.runtime().snapshot().generation(), generation);
    assert_eq!(status(&agent), PluginStatus::Active);
}

/// Runs the zeroclaw binary in `dir`.
fn zeroclaw(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_zeroclaw")).args(args).current_dir(dir).output().unwrap()
}

/// GETs `path` from the gateway at `base`.
async fn get(base: &str, path: &str) -> Option<String> {
    reqwest::get(format!("{base}{path}")).await.ok()?.text().await.ok()
}

/// Polls until `version` of text-stats is the one `GET /plugins` lists (10 s at most).
async fn serving(base: &str, version: &str) -> bool {
    for _ in 0..400 {
        let body = get(base, "/plugins").await.and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok());
        let plugins = body.as_ref().and_then(|b| b["plugins"].as_array());
        if plugins.is_some_and(|p| p.iter().any(|p| p["id"] == "text-stats" && p["version"] == version)) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugins_reload_gateway_endpoint_and_sighup_reload_a_running_gateway() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("text-stats", &dir.path().join("plugins"));
    // The binary has no test recorder: a config of its own.
    let text = format!(
        "workspace = \".\"\nstate_dir = \"state\"\n[plugins]\nenabled = true\ndirs = [\"plugins\"]\ncache_dir = {:?}\n",
        shared_cache()
    );
    std::fs::write(dir.path().join("zeroclaw.toml"), text).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let mut gateway = std::process::Command::new(env!("CARGO_BIN_EXE_zeroclaw"))
        .args(["gateway", "--bind", &format!("127.0.0.1:{port}")])
        .current_dir(dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(serving(&base, "0.1.0").await, "the gateway came up serving 0.1.0");

    // `plugins reload` talks to the gateway and prints the report.
    set_version(dir.path(), "0.2.0");
    let out = zeroclaw(dir.path(), &["plugins", "reload", "--url", &base]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("loaded: text-stats@0.2.0"), "{stdout}");
    assert!(serving(&base, "0.2.0").await);

    // A failing reload: exit 1, the report names the file and the version kept.
    let good = std::fs::read_to_string(manifest(dir.path())).unwrap();
    std::fs::write(manifest(dir.path()), good.replace("version = \"0.2.0\"", "version = \"two\"")).unwrap();
    let out = zeroclaw(dir.path(), &["plugins", "reload", "--url", &base, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["failed"][0]["plugin"], "text-stats");
    assert_eq!(report["failed"][0]["kept"], "0.2.0");
    assert!(report["failed"][0]["reason"].as_str().unwrap().contains("plugin.toml"), "{report}");
    assert!(serving(&base, "0.2.0").await, "the last good version keeps serving");

    // A config that no longer parses: 422, nothing changes.
    let config_path = dir.path().join("zeroclaw.toml");
    let good_config = std::fs::read_to_string(&config_path).unwrap();
    std::fs::write(&config_path, format!("{good_config}bogus = 1\n")).unwrap();
    let answer = reqwest::Client::new()
        .post(format!("{base}/plugins/reload"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 422);
    let report: serde_json::Value = answer.json().await.unwrap();
    assert!(report["error"].as_str().is_some_and(|e| e.contains("zeroclaw.toml")), "{report}");
    assert!(serving(&base, "0.2.0").await, "nothing changed");
    std::fs::write(&config_path, good_config).unwrap();

    // SIGHUP reloads too.
    std::fs::write(manifest(dir.path()), good.replace("version = \"0.2.0\"", "version = \"0.3.0\"")).unwrap();
    let hup = std::process::Command::new("kill").args(["-HUP", &gateway.id().to_string()]).status().unwrap();
    assert!(hup.success());
    assert!(serving(&base, "0.3.0").await, "SIGHUP reloaded");
    let metrics = get(&base, "/metrics").await.unwrap();
    assert!(metrics.contains("zeroclaw_reloads_total 4"), "{metrics}");
    assert!(metrics.contains("zeroclaw_reloads_failed_total 2"), "{metrics}");

    let _ = std::process::Command::new("kill").args(["-TERM", &gateway.id().to_string()]).status();
    let status = gateway.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(gateway.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("SIGHUP: generation"), "{stderr}");

    // No gateway: a clear error.
    let out = zeroclaw(dir.path(), &["plugins", "reload", "--url", &base]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no gateway answers") && stderr.contains("zeroclaw gateway"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watcher_compiles_a_changed_component_while_the_debounce_runs() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("text-stats", &dir.path().join("plugins"));
    let mut cfg = config(dir.path(), "reload-precompile", true, "", "");
    // So long that no reload happens during the test: only the watcher's prepare step
    // can compile the new component.
    cfg.config.plugins.hot_reload = true;
    cfg.config.plugins.reload_debounce_ms = 600_000;
    let agent = Agent::start(cfg).await.unwrap();
    let generation = agent.runtime().snapshot().generation();
    let component = dir.path().join("plugins/text-stats/text_stats.wasm");
    let nonce = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let bytes = unique_component(&std::fs::read(&component).unwrap(), nonce);
    let entry = agent.runtime().wasm().unwrap().engine().cache().entry_path(&bytes);
    assert!(!entry.exists());
    std::fs::write(&component, &bytes).unwrap();
    let mut compiled = false;
    for _ in 0..1200 {
        if entry.exists() {
            compiled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(compiled, "the changed component was compiled into the cache ahead of the reload");
    assert_eq!(agent.runtime().snapshot().generation(), generation, "no reload ran");
    assert_eq!(call(&agent).await.unwrap(), "wasm:text-stats@0.1.0", "the old version still serves");
    // Already in the cache: nothing more to compile; a path outside any plugin: nothing.
    assert_eq!(agent.runtime().precompile(std::slice::from_ref(&component)).await, 0);
    assert_eq!(agent.runtime().precompile(&[dir.path().join("elsewhere.wasm")]).await, 0);
    // The reload then loads it from the cache.
    let report = agent.reload(None).await;
    assert!(report.is_clean() && report.loaded == ["text-stats@0.1.0"], "{report:?}");
}
