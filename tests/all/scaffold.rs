//! `zeroclaw plugins new` creates crates that build and load unchanged.

use std::path::Path;
use std::process::Command;

use zeroclaw::hooks::HookRunner;
use zeroclaw::plugins::build::{build_guests, install};
use zeroclaw::plugins::{PluginRuntime, PluginStatus};
use zeroclaw_plugin_api::{AgentEnd, ChatMessage, ChatRequest, HookContext, HookPayload, TokenUsage};

use crate::guests::{author_command, built, plugin_config, target_dir};

/// `zeroclaw ARGS` in `dir`, with a config of its own there (the config in force is found
/// from the working directory), building plugin crates where the guest workspace is built.
fn zeroclaw(dir: &Path, args: &[&str]) -> std::process::Output {
    let config = dir.join("zeroclaw.toml");
    if !config.exists() {
        std::fs::write(&config, "state_dir = \"state\"\n").unwrap();
    }
    author_command(dir, args)
}

#[test]
fn every_template_passes_its_own_plugins_test() {
    let _ = built();
    let dir = tempfile::tempdir().unwrap();
    for (name, kind, cases) in [("t-hook", "hook", 1), ("t-tool", "tool", 2), ("t-provider", "provider", 1)] {
        new_plugin(dir.path(), name, kind);
        let out = zeroclaw(dir.path(), &["plugins", "test", name]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains(&format!("{cases} passed, 0 failed")), "{name}: {stdout}");
        // And its own `cargo test`, through zeroclaw-plugin-test. It builds the host for the
        // machine: in this test run's build directory, with the checkout's lock file the
        // template copied, so what the test run compiled is reused.
        let target_root = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap();
        let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["test", "--quiet"])
            .current_dir(dir.path().join(name))
            .env("CARGO_TARGET_DIR", target_root)
            .env("ZEROCLAW_PLUGIN_TARGET_DIR", target_dir())
            .output()
            .unwrap();
        let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{name}: cargo test: {report}");
        assert!(report.contains("test result: ok. 1 passed"), "{name}: {report}");
    }
}

#[test]
fn plugins_test_reports_a_failing_case_and_a_malformed_file_by_name() {
    let _ = built();
    let dir = tempfile::tempdir().unwrap();
    new_plugin(dir.path(), "t-fails", "tool");
    let cases = dir.path().join("t-fails/tests/cases.toml");
    std::fs::write(&cases, "[[tool]]\nname = \"wrong on purpose\"\ntool = \"t_fails\"\nargs = { text = \"abc\" }\nexpect_output = \"abc\"\n").unwrap();
    let out = zeroclaw(dir.path(), &["plugins", "test", "t-fails"]);
    assert!(!out.status.success(), "a failing case fails the command");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("FAIL  t-fails: tests/cases.toml: wrong on purpose: expected the output \"abc\", got \"cba\""),
        "{stdout}"
    );
    assert!(stdout.contains("0 passed, 1 failed"), "{stdout}");

    std::fs::write(&cases, "[[tool]]\ntool = \"t_fails\"\nexpect_outptu = \"x\"\n").unwrap();
    let out = zeroclaw(dir.path(), &["plugins", "test", "t-fails"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("tests/cases.toml:3: unknown field `expect_outptu`"), "{stderr}");
}

fn new_plugin(dir: &Path, name: &str, kind: &str) {
    let target = dir.join(name);
    let out = zeroclaw(dir, &["plugins", "new", name, "--kind", kind, "--dir", target.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugins_new_output_builds_and_loads_unchanged() {
    let _ = built(); // the guest workspace first: the scaffolds reuse its compiled dependencies
    let dir = tempfile::tempdir().unwrap();
    let target = target_dir();
    for (name, kind) in [("my-hook", "hook"), ("my-tool", "tool"), ("my-provider", "provider")] {
        new_plugin(dir.path(), name, kind);
        let built = build_guests(&dir.path().join(name), Some(&target), true).expect("the scaffold builds as is");
        install(&built[0], &dir.path().join("plugins")).expect("and installs");
    }
    let runtime = PluginRuntime::start(plugin_config(dir.path(), "")).await.unwrap();
    let snapshot = runtime.snapshot();
    for id in ["my-hook", "my-tool", "my-provider"] {
        let record = snapshot.plugins().iter().find(|p| p.id == id).unwrap();
        assert_eq!(record.status, PluginStatus::Active, "{id}");
    }
    let reversed = snapshot.tool("my_tool").unwrap().invoke(&serde_json::json!({"text": "abc"})).await;
    assert_eq!(reversed.unwrap(), "cba");
    let request = ChatRequest { messages: vec![ChatMessage::user("hi")], ..Default::default() };
    let answer = snapshot.provider("my_provider").unwrap().provider.chat(&request).await.unwrap();
    assert_eq!(answer.text, "Hello from my-provider! You said: hi");
    let entry = &snapshot.hooks(zeroclaw_plugin_api::HookPoint::AgentEnd)[0];
    assert_eq!(entry.owner.plugin_id(), "my-hook");
    let end = HookPayload::AgentEnd(AgentEnd {
        reply: "ok".into(),
        iterations: 1,
        tool_calls: 0,
        usage: TokenUsage::default(),
        duration_ms: 1,
        cancelled: None,
    });
    HookRunner::new(runtime.registry().clone()).fire_payload(&HookContext::agent("t"), &end).await;
    assert_eq!(entry.stats.view().errors, 0, "the hook ran cleanly");
    assert_eq!(entry.stats.view().calls, 1);
}

#[test]
fn plugins_new_refuses_a_bad_name_and_a_non_empty_directory() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| zeroclaw(dir.path(), args);
    let out = run(&["plugins", "new", "Bad Name", "--kind", "tool"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a plugin id"));
    std::fs::create_dir(dir.path().join("taken")).unwrap();
    std::fs::write(dir.path().join("taken/file"), "x").unwrap();
    let out = run(&["plugins", "new", "taken", "--kind", "tool"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists and is not empty"));
}

#[test]
fn plugins_new_refuses_names_native_plugins_hold() {
    let dir = tempfile::tempdir().unwrap();
    let refused = |name: &str, kind: &str| {
        let out = zeroclaw(dir.path(), &["plugins", "new", name, "--kind", kind]);
        assert!(!out.status.success(), "{name} --kind {kind} was accepted");
        assert!(!dir.path().join(name).exists(), "{name}: nothing was created");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let id = refused("calculator", "hook");
    assert!(id.contains("`calculator` cannot be used: a native plugin of that id exists"), "{id}");
    assert!(id.contains("choose another name"), "{id}");
    let tool = refused("file-read", "tool");
    assert!(tool.contains("the tool `file_read` it would serve is served by native:files"), "{tool}");
    let provider = refused("offline", "provider");
    assert!(provider.contains("native plugin of that id"), "{provider}");
    // An installed plugin's id is taken too, loaded or not (plugins.enabled is off here).
    crate::guests::install_guest("text-stats", &dir.path().join("plugins"));
    let installed = refused("text-stats", "hook");
    assert!(installed.contains("an installed plugin has that id"), "{installed}");
    let tool = refused("text_stats", "tool");
    assert!(tool.contains("the tool `text_stats` it would serve is served by plugin `text-stats`"), "{tool}");
    // A free name is accepted.
    let out = zeroclaw(dir.path(), &["plugins", "new", "fresh-name", "--kind", "tool"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
