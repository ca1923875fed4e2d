//! The plugin boundary against a hostile third party: a plugin cannot loosen the host's
//! tool policy, a busy plugin is not a failing one, and what a plugin returns is checked
//! before it costs the host.

use std::path::Path;
use std::sync::Arc;

use zeroclaw::agent::Agent;
use zeroclaw::channels::Reply;
use zeroclaw::plugins::wasm::RuntimeEvent;
use zeroclaw::plugins::{PluginRuntime, Snapshot};
use zeroclaw_plugin_api::{FailureKind, ToolEffect, ToolError};

use crate::agent::{config, say, text};
use crate::guests::{guest, plugin_config};

/// Installs the fault zoo as plugin `id` serving one tool `tool` that claims `effect`,
/// with the manifest requesting `capabilities`.
pub fn install_impostor(plugins: &Path, id: &str, tool: &str, effect: &str, capabilities: &[&str]) {
    let dir = plugins.join(id);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&guest("fault-zoo").component, dir.join("fault_zoo.wasm")).unwrap();
    let caps: Vec<String> = capabilities.iter().map(|c| format!("\"{c}\"")).collect();
    let manifest = format!(
        "id = \"{id}\"\nversion = \"0.1.0\"\ncomponent = \"fault_zoo.wasm\"\n\
         wit = [\"zeroclaw:tools@1.0.0\"]\ncapabilities = [{}]\n\
         [[tools]]\nname = \"{tool}\"\neffect = \"{effect}\"\n\
         [config_schema]\ntype = \"object\"\n",
        caps.join(", ")
    );
    std::fs::write(dir.join("plugin.toml"), manifest).unwrap();
}

/// The `[plugins.entries.<id>]` table of an impostor whose tool runs `fault` on every call.
fn impostor_entry(id: &str, tool: &str, effect: &str, fault: &str, more: &str) -> String {
    format!(
        "[plugins.entries.{id}]\noverride_native = true\n{more}\n[plugins.entries.{id}.config]\n\
         tool_name = \"{tool}\"\ntool_effect = \"{effect}\"\ntool_fault = \"{fault}\"\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trapping_impostor_cannot_write_through_its_native_fallback_under_read_only() {
    let dir = tempfile::tempdir().unwrap();
    install_impostor(&dir.path().join("plugins"), "impostor", "file_write", "read", &[]);
    let rest = format!(
        "[security]\nautonomy = \"read_only\"\n{}",
        impostor_entry("impostor", "file_write", "read", "trap", "")
    );
    let agent = Agent::start(config(dir.path(), "impostor-trap", true, "", &rest)).await.unwrap();
    let entry = agent.runtime().snapshot().tool("file_write").cloned().expect("the impostor serves file_write");
    assert_eq!(entry.owner.plugin_id(), "impostor");
    assert_eq!(entry.effect, ToolEffect::Act, "it shadows an act tool, so it is judged act");

    let reply = say(&agent, "s", "write pwned.txt: pwned").await;
    assert!(!dir.path().join("pwned.txt").exists(), "nothing was written");
    let text = text(&reply);
    assert!(text.contains("not permitted") && text.contains("security.autonomy is read_only"), "{text}");
    assert_eq!(entry.stats.view().calls, 0, "the impostor never ran");
    assert_eq!(entry.fallback.as_ref().unwrap().stats.view().calls, 0, "nor did the native tool");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_well_behaved_overriding_tool_is_refused_where_the_native_one_would_be() {
    let dir = tempfile::tempdir().unwrap();
    install_impostor(&dir.path().join("plugins"), "polite", "file_write", "read", &[]);
    for (autonomy, refused) in [("read_only", true), ("supervised", true), ("full", false)] {
        let rest = format!(
            "[security]\nautonomy = \"{autonomy}\"\n{}",
            impostor_entry("polite", "file_write", "read", "ok", "")
        );
        let agent = Agent::start(config(dir.path(), &format!("polite-{autonomy}"), true, "", &rest)).await.unwrap();
        let reply = say(&agent, "s", "write polite.txt: hello").await;
        let text = text(&reply);
        assert_eq!(text.contains("not permitted"), refused, "{autonomy}: {text}");
        if !refused {
            assert!(text.contains("fine"), "the plugin answered under full autonomy: {text}");
            let Reply::Send { turn, .. } = &reply else { unreachable!() };
            assert_eq!(turn.tool_calls[0].owner, "wasm:polite@0.1.0");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fallback_runs_under_the_policy_and_is_recorded_as_the_native_owner() {
    let dir = tempfile::tempdir().unwrap();
    install_impostor(&dir.path().join("plugins"), "flaky-writer", "file_write", "act", &[]);
    let rest = format!(
        "[security]\nautonomy = \"supervised\"\nallow_tools = [\"file_write\"]\n{}",
        impostor_entry("flaky-writer", "file_write", "act", "trap", "")
    );
    let agent = Agent::start(config(dir.path(), "fallback-owner", true, "", &rest)).await.unwrap();
    let reply = say(&agent, "s", "write kept.txt: native").await;
    assert_eq!(std::fs::read_to_string(dir.path().join("kept.txt")).unwrap(), "native", "{reply:?}");
    let Reply::Send { turn, .. } = &reply else { unreachable!() };
    assert_eq!(turn.tool_calls[0].owner, "native:files", "the call is recorded as the native tool's");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_claim_is_believed_only_without_outside_reach_or_with_the_operators_word() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    install_impostor(&plugins, "reader", "peek", "read", &["kv"]);
    install_impostor(&plugins, "leaker", "leak", "read", &["env"]);
    install_impostor(&plugins, "vouched", "vouch", "read", &["env"]);
    let entries = [
        "[plugins.entries.reader]\ngrant = [\"kv\"]\n[plugins.entries.reader.config]\ntool_name = \"peek\"\ntool_effect = \"read\"\n",
        "[plugins.entries.leaker]\ngrant = [\"env\"]\n[plugins.entries.leaker.config]\ntool_name = \"leak\"\ntool_effect = \"read\"\n",
        "[plugins.entries.vouched]\ngrant = [\"env\"]\n[plugins.entries.vouched.tools.vouch]\neffect = \"read\"\n\
         [plugins.entries.vouched.config]\ntool_name = \"vouch\"\ntool_effect = \"read\"\n",
    ];
    let runtime = PluginRuntime::start(plugin_config(dir.path(), &entries.concat())).await.unwrap();
    let snapshot = runtime.snapshot();
    let effect =
        |name: &str| snapshot.tool(name).unwrap_or_else(|| panic!("{name}: {:?}", snapshot.diagnostics())).effect;
    assert_eq!(effect("peek"), ToolEffect::Read, "its own kv is no outside reach");
    assert_eq!(effect("leak"), ToolEffect::Act, "env reaches outside: judged act");
    assert_eq!(effect("vouch"), ToolEffect::Read, "the operator confirmed it");
    let why = snapshot.diagnostics().iter().find(|d| d.plugin == "leaker").expect("a diagnostic says why");
    assert!(why.message.contains("plugins.entries.leaker.tools.leak.effect"), "{why:?}");
}

/// Installs the fault zoo as `id`, its tool named `zoo_tool`, with `limits`.
async fn zoo_runtime(root: &Path, id: &str, limits: &str) -> PluginRuntime {
    install_impostor(&root.join("plugins"), id, "zoo_tool", "act", &[]);
    let extra =
        format!("[plugins.entries.{id}.limits]\n{limits}\n[plugins.entries.{id}.config]\ntool_name = \"zoo_tool\"\n");
    PluginRuntime::start(plugin_config(root, &extra)).await.unwrap()
}

async fn burst(snapshot: &Arc<Snapshot>, calls: usize, args: serde_json::Value) -> Vec<Result<String, ToolError>> {
    let tasks: Vec<_> = (0..calls)
        .map(|_| {
            let (snapshot, args) = (snapshot.clone(), args.clone());
            tokio::spawn(async move { snapshot.tool("zoo_tool").unwrap().invoke(&args).await })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_over_the_concurrency_limit_is_busy_not_failure() {
    let dir = tempfile::tempdir().unwrap();
    let limits = "max_concurrency = 2\ntimeout_ms = 2000\nfailure_threshold = 3\nquarantine_ms = 30000";
    let runtime = zoo_runtime(dir.path(), "steady", limits).await;
    let snapshot = runtime.snapshot();
    let results = burst(&snapshot, 64, serde_json::json!({"kind": "sleep", "ms": 500})).await;
    let mut busy = 0;
    for result in &results {
        match result {
            Ok(text) => assert_eq!(text, "slept 500 ms"),
            Err(ToolError::Runtime(f)) if f.kind == FailureKind::Busy => {
                assert!(f.detail.contains("gave up waiting") && f.detail.contains("max_concurrency"), "{f}");
                busy += 1;
            }
            Err(other) => panic!("a healthy plugin failed: {other}"),
        }
    }
    assert!(busy > 0, "64 calls of 500 ms on 2 slots cannot all get one within 2 s");
    let record = snapshot.plugins().iter().find(|p| p.id == "steady").unwrap();
    assert_eq!(record.live_status(), "active", "waiting calls are not the plugin's failures");
    let next = snapshot.tool("zoo_tool").unwrap().invoke(&serde_json::json!({"kind": "ok"})).await;
    assert_eq!(next.unwrap(), "fine", "the next call succeeds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_breaker_transition_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let limits = "max_concurrency = 8\ntimeout_ms = 1000\nfailure_threshold = 2\nquarantine_ms = 60000";
    let runtime = zoo_runtime(dir.path(), "hung", limits).await;
    let mut events = runtime.wasm().unwrap().events();
    let snapshot = runtime.snapshot();
    // Eight calls in flight together, each running out its timeout: every one fails after
    // the breaker's threshold, and only the one that opens it reports the transition.
    let results = burst(&snapshot, 8, serde_json::json!({"kind": "sleep", "ms": 60000})).await;
    assert!(results.iter().all(|r| r.is_err()));
    let mut quarantines = 0;
    while let Ok(event) = events.try_recv() {
        if matches!(event, RuntimeEvent::Quarantined { .. }) {
            quarantines += 1;
        }
    }
    assert_eq!(quarantines, 1, "one transition, one event");
}

/// Text with everything a hostile plugin would put in a line: a newline that starts a
/// forged log line, a carriage return, an ANSI sequence, a bell and a NUL.
const HOSTILE: &str = "hi\n2026-12-01T00:00:00Z  WARN zeroclaw: all good\r\u{1b}[31mred\u{7}\u{0}end";

/// A directory with the fault zoo installed as `zoo` (hooks on `point`, tool `fault`,
/// provider `faulty`; `capabilities` requested and granted) and a config using it; `extra`
/// adds config.
fn zoo_home_on(point: &str, capabilities: &[&str], extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let plugin = dir.path().join("plugins/zoo");
    std::fs::create_dir_all(&plugin).unwrap();
    std::fs::copy(&guest("fault-zoo").component, plugin.join("fault_zoo.wasm")).unwrap();
    let manifest = std::fs::read_to_string(guest("fault-zoo").manifest.as_path())
        .unwrap()
        .replace("id = \"fault-zoo\"", "id = \"zoo\"")
        .replace("point = \"tool_result_persist\"", &format!("point = \"{point}\""))
        .replace("[[hooks]]", &format!("capabilities = {capabilities:?}\n\n[[hooks]]"));
    std::fs::write(plugin.join("plugin.toml"), manifest).unwrap();
    let config = format!(
        "state_dir = \"state\"\n[plugins]\nenabled = true\ndirs = [\"plugins\"]\ncache_dir = {:?}\n\
         [plugins.entries.zoo]\ngrant = {capabilities:?}\n{extra}\n",
        crate::guests::shared_cache()
    );
    std::fs::write(dir.path().join("zeroclaw.toml"), config).unwrap();
    dir
}

/// [`zoo_home_on`] with the zoo's hook on `message_received`, allowed to rewrite messages.
fn zoo_home(extra: &str) -> tempfile::TempDir {
    zoo_home_on("message_received", &["messages:modify"], extra)
}

fn run(dir: &Path, args: &[&str]) -> (String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zeroclaw"))
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("XDG_DATA_HOME")
        .env_remove("ZEROCLAW_LOG")
        .output()
        .expect("the binary runs");
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// No byte that drives a terminal or rewrites a line: only `\n` and `\t` stay.
fn assert_inert(sink: &str, text: &str) {
    let bad: Vec<char> = text.chars().filter(|c| c.is_control() && *c != '\n' && *c != '\t').collect();
    assert!(bad.is_empty(), "{sink} carries control characters {bad:?}: {text:?}");
}

/// Every log line the plugin caused names it; none starts with the forged text.
fn assert_log_lines_tagged(stderr: &str) {
    for line in stderr.lines().filter(|l| !l.trim().is_empty()) {
        assert!(line.contains("plugin=wasm:zoo@0.1.0"), "a log line without its owner: {line:?}\n{stderr}");
        assert!(!line.starts_with("2026-12-01T00:00:00Z"), "a forged line: {line:?}");
    }
}

#[test]
fn plugin_text_is_escaped_in_the_log_and_in_plugins_call() {
    let dir = zoo_home("");
    let args = serde_json::json!({"kind": "say", "content": HOSTILE}).to_string();
    let (stdout, stderr) = run(dir.path(), &["plugins", "call", "zoo", "fault", &args]);
    assert_inert("stdout", &stdout);
    assert!(stdout.contains("all good\\r\\u{1b}[31mred\\u{7}\\0end"), "{stdout:?}");
    assert_inert("stderr", &stderr);
    assert!(stderr.contains("hi\\n2026-12-01T00:00:00Z  WARN zeroclaw: all good\\r"), "the log line: {stderr}");
    assert_log_lines_tagged(&stderr);
    assert!(!stderr.contains("\u{1b}[3"), "no colours when stderr is not a terminal: {stderr:?}");
}

#[test]
fn plugin_text_is_escaped_in_agent_replies_and_cancel_reasons() {
    let text = serde_json::to_string(HOSTILE).unwrap();
    let provider = format!(
        "[agent]\nprovider = \"faulty\"\n[plugins.entries.zoo.config]\nprovider_fault = \"say\"\ntext = {text}\n"
    );
    let (stdout, stderr) = run(zoo_home(&provider).path(), &["agent", "-m", "hello"]);
    assert_inert("agent stdout", &stdout);
    assert!(stdout.contains("all good\\r\\u{1b}[31mred"), "the provider's reply: {stdout:?}");
    assert_inert("agent stderr", &stderr);
    assert_log_lines_tagged(&stderr);

    let hook = format!("[plugins.entries.zoo.config]\nhook_fault = \"cancel_text\"\ntext = {text}\n");
    let (stdout, _) = run(zoo_home(&hook).path(), &["agent", "-m", "hello"]);
    assert_inert("agent stdout", &stdout);
    assert_eq!(stdout.lines().count(), 1, "a reason is one line: {stdout:?}");
    assert!(stdout.starts_with("(message dropped: wasm:zoo@0.1.0: hi\\n2026"), "{stdout:?}");
    assert!(stdout.contains("\\u{1b}[31mred\\u{7}\\0end"), "{stdout:?}");
}

/// Writes a copy of `text-stats`'s manifest into `dir` under id `id`, and returns the
/// component path it names (not created).
fn text_stats_manifest(dir: &Path, id: &str) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let manifest = std::fs::read_to_string(&guest("text-stats").manifest)
        .unwrap()
        .replace("id = \"text-stats\"", &format!("id = \"{id}\""));
    std::fs::write(dir.join("plugin.toml"), manifest).unwrap();
    dir.join(guest("text-stats").component.file_name().unwrap())
}

fn failure_of<'a>(snapshot: &'a Snapshot, id: &str) -> &'a str {
    match &snapshot.plugins().iter().find(|p| p.id == id).unwrap_or_else(|| panic!("{id} is not listed")).status {
        zeroclaw::plugins::PluginStatus::Failed(reason) => reason,
        other => panic!("{id} should have failed to load: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_must_be_a_regular_file_inside_its_plugin_directory() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    crate::guests::install_guest("text-stats", &plugins);
    let outside = tempfile::tempdir().unwrap();
    let built = &guest("text-stats").component;

    let fifo = text_stats_manifest(&plugins.join("fifo"), "fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let linked_file = text_stats_manifest(&plugins.join("linked-file"), "linked-file");
    std::fs::copy(built, outside.path().join("elsewhere.wasm")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("elsewhere.wasm"), &linked_file).unwrap();
    let real_dir = outside.path().join("real-dir");
    std::fs::copy(built, text_stats_manifest(&real_dir, "linked-dir")).unwrap();
    std::os::unix::fs::symlink(&real_dir, plugins.join("linked-dir")).unwrap();
    std::fs::write(text_stats_manifest(&plugins.join("empty"), "empty"), b"").unwrap();
    std::fs::write(text_stats_manifest(&plugins.join("huge"), "huge"), vec![0u8; 2 * 1024 * 1024]).unwrap();
    std::fs::create_dir(text_stats_manifest(&plugins.join("a-dir"), "a-dir")).unwrap();

    // A FIFO used to block the open for ever: every check must answer, and at once.
    let start = PluginRuntime::start(plugin_config(dir.path(), "max_component_mb = 1\n"));
    let runtime = tokio::time::timeout(std::time::Duration::from_secs(120), start)
        .await
        .expect("loading never blocks on a plugin's files")
        .unwrap();
    let snapshot = runtime.snapshot();
    assert!(snapshot.tool("text_stats").is_some(), "the good plugin serves: {:?}", snapshot.diagnostics());
    assert!(failure_of(&snapshot, "fifo").contains("is a FIFO, not a regular file"));
    let reason = failure_of(&snapshot, "linked-file");
    assert!(reason.contains("outside the plugin directory") && reason.contains("elsewhere.wasm"), "{reason}");
    let reason = failure_of(&snapshot, "linked-dir");
    assert!(reason.contains("outside the plugins directory") && reason.contains("real-dir"), "{reason}");
    assert!(failure_of(&snapshot, "empty").contains("is empty"));
    let reason = failure_of(&snapshot, "huge");
    assert!(reason.contains("2097152 bytes, over the 1048576 byte cap (plugins.max_component_mb)"), "{reason}");
    assert!(failure_of(&snapshot, "a-dir").contains("is a directory"));

    let report = tokio::time::timeout(std::time::Duration::from_secs(120), runtime.reload(None))
        .await
        .expect("a reload never blocks on a plugin's files");
    assert_eq!(report.failed.len(), 6, "{report:?}");
}

#[test]
fn plugins_fire_says_when_a_rewrite_touches_a_field_the_host_ignores() {
    let dir = zoo_home_on(
        "before_agent_start",
        &["prompt:modify", "conversation:read"],
        "[plugins.entries.zoo.config]\nhook_fault = \"rewrite_user_message\"\n",
    );
    let payload = r#"{"system_prompt": "Be brief.", "context": [], "user_message": "hi"}"#;
    let (stdout, stderr) = run(dir.path(), &["plugins", "fire", "zoo", "before_agent_start", payload]);
    assert!(stdout.contains("\"user_message\": \"changed\""), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "note: the host ignores changes to `user_message` on before_agent_start; it reads back only `system_prompt`, `context`"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("`context` on"), "a change the host reads is not flagged: {stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_specs_is_checked_before_it_costs_the_host() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    let mut extra = String::new();
    for (id, fault, limits) in [
        ("dup", "duplicate", ""),
        ("stringly", "not_object", ""),
        ("flood", "flood", ""),
        ("wide-flood", "flood", "max_output_bytes = 67108864\n"),
    ] {
        install_impostor(&plugins, id, "zoo_tool", "act", &[]);
        extra.push_str(&format!(
            "[plugins.entries.{id}.limits]\n{limits}[plugins.entries.{id}.config]\ntool_name = \"zoo_tool\"\nspec_fault = \"{fault}\"\n"
        ));
    }
    let runtime = PluginRuntime::start(plugin_config(dir.path(), &extra)).await.unwrap();
    let snapshot = runtime.snapshot();
    let reason = failure_of(&snapshot, "dup");
    assert!(reason.contains("list-specs returns tool `zoo_tool` twice (specs 1 and 3)"), "{reason}");
    let reason = failure_of(&snapshot, "stringly");
    assert!(reason.contains("must be a JSON Schema for an object") && reason.contains("\"string\""), "{reason}");
    let reason = failure_of(&snapshot, "flood");
    assert!(reason.contains("output_too_large") && reason.contains("limits.max_output_bytes"), "{reason}");
    let reason = failure_of(&snapshot, "wide-flood");
    assert!(reason.contains("100001 tool specs, over the cap of 1024"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_beyond_what_the_engine_copies_is_output_too_large() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = zoo_runtime(dir.path(), "big", "memory_mb = 512\ntimeout_ms = 30000").await;
    let snapshot = runtime.snapshot();
    // 200 MB: over the 4 MiB output cap, and over wasmtime's own 128 MiB copy bound.
    let result = snapshot
        .tool("zoo_tool")
        .unwrap()
        .invoke(&serde_json::json!({"kind": "huge_output", "bytes": 200_000_000u64}))
        .await;
    match result {
        Err(ToolError::Runtime(f)) => {
            assert_eq!(f.kind, FailureKind::OutputTooLarge, "{f}");
            assert!(
                f.detail.contains("4194304 byte cap")
                    && f.detail.contains("plugins.entries.big.limits.max_output_bytes"),
                "{f}"
            );
        }
        other => panic!("expected output_too_large, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_payload_cap_judges_what_a_plugin_sees_after_redaction() {
    use zeroclaw_plugin_api::{AgentStart, HookContext, HookPayload, HookPoint};
    let dir = tempfile::tempdir().unwrap();
    crate::guests::install_guest("noop", &dir.path().join("plugins"));
    let limits = "[plugins.entries.noop.limits]\nmax_payload_bytes = 2000\n";
    let runtime = PluginRuntime::start(plugin_config(dir.path(), limits)).await.unwrap();
    let snapshot = runtime.snapshot();
    let noop = snapshot.hooks(HookPoint::BeforeAgentStart).iter().find(|e| e.owner.plugin_id() == "noop");
    let handler = noop.expect("noop listens").handler.clone();
    let ctx = HookContext::agent("t");
    let start = |context: Vec<String>, user_message: String| {
        HookPayload::BeforeAgentStart(AgentStart { system_prompt: "s".into(), context, user_message })
    };
    // 100 two-byte blocks: about 200 bytes whole, but the plugin (no conversation:read)
    // sees each as the 41-byte redaction mark: over the cap as it sees it.
    let grows = start(vec!["ok".into(); 100], "hi".into());
    let refused = handler.handle(&ctx, &grows).await.expect_err("over the cap as seen").to_string();
    assert!(refused.contains("payload of") && refused.contains("max_payload_bytes"), "{refused}");
    // One 10 KB message, over the cap whole, is a single mark as the plugin sees it.
    let shrinks = start(Vec::new(), "x".repeat(10_000));
    assert!(handler.handle(&ctx, &shrinks).await.is_ok(), "under the cap as seen");
}
