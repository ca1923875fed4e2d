//! Python and JavaScript plugins load and act through the same tool table and HookRunner
//! as Rust ones; their templates build and pass their own `plugins test`; their errors
//! quote the guest's exception.

use std::path::Path;

use zeroclaw::hooks::{HookFlow, HookRunner};
use zeroclaw::observability::Observers;
use zeroclaw::plugins::{PluginRuntime, PluginStatus};
use zeroclaw::security::SecurityPolicy;
use zeroclaw::tools::ToolExecutor;
use zeroclaw_plugin_api::{HookContext, OutboundMessage, ToolCall, ToolResult, ToolResultPersist, hooks};

use crate::guests::{author_command, install_guest, install_interpreted, interpreted, plugin_config};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_and_javascript_tools_answer_as_the_rust_tool_does_through_the_tool_table() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    install_guest("text-stats", &plugins);
    install_interpreted("text-stats-py", &plugins);
    install_interpreted("text-stats-js", &plugins);
    let runtime = PluginRuntime::start(plugin_config(dir.path(), "")).await.unwrap();
    let snapshot = runtime.snapshot();
    let runner = HookRunner::new(runtime.registry().clone());
    let policy = SecurityPolicy::new(Default::default());
    let executor = ToolExecutor { runner: &runner, policy: &policy, observer: &Observers::new() };
    let ctx = HookContext::agent("t");
    // Words with accents and digits, a repeated word in two cases, a final newline.
    let text = "Él dijo: the cat, THE hat\nand the 2 bats — the end\n";
    let mut answers = Vec::new();
    for (tool, owner) in [
        ("text_stats", "wasm:text-stats@0.1.0"),
        ("text_stats_py", "wasm:text-stats-py@0.1.0"),
        ("text_stats_js", "wasm:text-stats-js@0.1.0"),
    ] {
        let call =
            ToolCall { id: "c".into(), name: tool.into(), arguments: serde_json::json!({"text": text, "top": 4}) };
        let done = executor.execute(&snapshot, &ctx, call).await;
        assert!(!done.result.is_error, "{tool}: {}", done.result.content);
        assert!(done.owner.starts_with(owner), "{tool} is served by {}", done.owner);
        answers.push(done.result.content);
        // Arguments off the schema are refused by the host before the guest runs.
        let call = ToolCall { id: "d".into(), name: tool.into(), arguments: serde_json::json!({"text": 1}) };
        let refused = executor.execute(&snapshot, &ctx, call).await;
        assert!(refused.result.is_error && !refused.ran, "{tool}: {}", refused.result.content);
    }
    let expected = r#"{"bytes":54,"chars":51,"lines":2,"top_words":[{"count":4,"word":"the"},{"count":1,"word":"2"},{"count":1,"word":"and"},{"count":1,"word":"bats"}],"words":13}"#;
    assert_eq!(answers, [expected; 3], "the same JSON from Rust, Python and JavaScript");
    for tool in ["text_stats_py", "text_stats_js"] {
        assert_eq!(snapshot.tool(tool).unwrap().stats.view().calls, 1, "{tool}: one call ran, one was refused");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_and_javascript_hooks_rewrite_through_the_hook_runner() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    install_interpreted("sign-replies", &plugins);
    install_interpreted("clip-results", &plugins);
    let extra = r#"
[plugins.entries.sign-replies]
grant = ["messages:modify", "conversation:read"]
config = { signature = "~ zc" }
[plugins.entries.clip-results]
grant = ["tool-results:modify"]
config = { max_chars = 5 }
"#;
    let runtime = PluginRuntime::start(plugin_config(dir.path(), extra)).await.unwrap();
    let snapshot = runtime.snapshot();
    for id in ["sign-replies", "clip-results"] {
        let record = snapshot.plugins().iter().find(|p| p.id == id).unwrap();
        assert_eq!(record.status, PluginStatus::Active, "{id}");
    }
    let runner = HookRunner::new(runtime.registry().clone());
    let ctx = HookContext::agent("t");

    let reply = OutboundMessage { channel: "cli".into(), recipient: "me".into(), content: "hello".into() };
    let HookFlow::Continue(signed) = runner.run::<hooks::MessageSending>(&ctx, reply).await else {
        panic!("cancelled")
    };
    assert_eq!(signed.content, "hello\n\n~ zc");
    let HookFlow::Continue(again) = runner.run::<hooks::MessageSending>(&ctx, signed.clone()).await else {
        panic!("cancelled")
    };
    assert_eq!(again, signed, "a signed reply passes on unchanged");

    let call = ToolCall { id: "c1".into(), name: "shell".into(), arguments: serde_json::json!({}) };
    let result =
        ToolResult { call_id: "c1".into(), name: "shell".into(), content: "héllo wörld".into(), is_error: false };
    let persisted = ToolResultPersist { call, result };
    let HookFlow::Continue(clipped) = runner.run::<hooks::ToolResultPersist>(&ctx, persisted).await else {
        panic!("cancelled")
    };
    assert_eq!(clipped.result.content, "héllo… [clipped 6 characters]");
    let hook = &snapshot.hooks(zeroclaw_plugin_api::HookPoint::ToolResultPersist)[0];
    assert_eq!((hook.stats.view().calls, hook.stats.view().errors), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raising_python_tool_and_a_throwing_javascript_tool_quote_the_exception_first() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    install_interpreted("raises-py", &plugins);
    install_interpreted("throws-js", &plugins);
    let runtime = PluginRuntime::start(plugin_config(dir.path(), "")).await.unwrap();
    let snapshot = runtime.snapshot();
    let call = |tool: &'static str, how: &'static str| {
        let snapshot = snapshot.clone();
        async move { snapshot.tool(tool).unwrap().invoke(&serde_json::json!({"how": how})).await }
    };

    let raised = call("raises_py", "raise").await.unwrap_err().to_string();
    assert!(
        raised.starts_with(
            "plugin wasm:raises-py@0.1.0: trap: ValueError: the answer was 41, not 42 (app.py, line 20, in invoke); it trapped"
        ),
        "{raised}"
    );
    assert!(!raised.contains("unexpected exception"), "the runtime's boilerplate is not quoted: {raised}");
    let thrown = call("throws_js", "throw").await.unwrap_err().to_string();
    assert!(
        thrown.starts_with(
            "plugin wasm:throws-js@0.1.0: trap: the answer was 41, not 42 (at invoke (app.js:12:36)); it trapped"
        ),
        "{thrown}"
    );
    let typed = call("throws_js", "type").await.unwrap_err().to_string();
    assert!(typed.contains(": cannot read property 'length' of undefined (at invoke (app.js:13:"), "{typed}");
    // The tool's own error is an error, not a trap, in both languages.
    for tool in ["raises_py", "throws_js"] {
        let declined = call(tool, "err").await.unwrap_err().to_string();
        assert!(declined.contains("declined politely") && !declined.contains("trap"), "{tool}: {declined}");
    }
    // A trap costs the instance, not the plugin: the next call answers.
    assert_eq!(call("raises_py", "").await.unwrap(), "fine");
    assert_eq!(call("throws_js", "").await.unwrap(), "fine");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_runtime_out_of_memory_at_its_self_check_names_the_key_to_raise() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    let manifest = install_interpreted("raises-py", &plugins);
    // Without its memory_mb declaration the limit is only found out by running it.
    let text = std::fs::read_to_string(&manifest).unwrap().replace("memory_mb = 32\n", "");
    std::fs::write(&manifest, text).unwrap();
    let extra = "[plugins.entries.raises-py.limits]\nmemory_mb = 8\n";
    let runtime = PluginRuntime::start(plugin_config(dir.path(), extra)).await.unwrap();
    let snapshot = runtime.snapshot();
    let record = snapshot.plugins().iter().find(|p| p.id == "raises-py").unwrap();
    let PluginStatus::Failed(reason) = &record.status else { panic!("{:?}", record.status) };
    assert!(reason.contains("self-check ran out of memory"), "{reason}");
    assert!(reason.contains("past the 8 MiB cap (plugins.entries.raises-py.limits.memory_mb)"), "{reason}");
    assert!(reason.contains("declare what the plugin needs as memory_mb in its plugin.toml"), "{reason}");
}

#[test]
fn every_python_and_javascript_template_passes_its_own_plugins_test() {
    let _ = interpreted(); // the toolchains are installed once, before the commands run
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("zeroclaw.toml"), "state_dir = \"state\"\n").unwrap();
    for lang in ["python", "js"] {
        for (kind, cases) in [("hook", 1), ("tool", 2), ("provider", 1)] {
            let name = format!("{lang}-{kind}");
            let out = author_command(dir.path(), &["plugins", "new", &name, "--kind", kind, "--lang", lang]);
            assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
            assert!(!Path::new(&dir.path().join(&name).join("Cargo.toml")).exists(), "{name}: not a crate");
            let out = author_command(dir.path(), &["plugins", "test", &name]);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "{name}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
            assert!(stdout.contains(&format!("{cases} passed, 0 failed")), "{name}: {stdout}");
        }
    }
    // The sources stay as the author left them: the build ran on a copy.
    assert!(!dir.path().join("python-tool/__pycache__").exists());
    // An interpreter imports its whole world (kv, the filesystem): `plugins build` says so
    // in a note, and the plugin validates without warnings.
    for (name, language) in [("python-tool", "Python"), ("js-tool", "JavaScript")] {
        let out = author_command(dir.path(), &["plugins", "build", name, "--out", "plugins"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains(&format!("plugins/{name}/plugin.toml: ok (")), "{name}: {stdout}");
        assert!(!stdout.contains("warning:"), "{name}: {stdout}");
        let note = format!(
            "note: the component imports zeroclaw:host/kv@1.1.0 (which needs `kv`), as every {language} component does whether its code calls it or not; if the code calls it, add \"kv\""
        );
        assert!(stdout.contains(&note), "{name}: {stdout}");
    }
}

#[test]
fn a_python_syntax_error_fails_the_build_naming_the_file_and_line() {
    let _ = interpreted();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("zeroclaw.toml"), "state_dir = \"state\"\n").unwrap();
    let out = author_command(dir.path(), &["plugins", "new", "broken", "--kind", "tool", "--lang", "python"]);
    assert!(out.status.success());
    let app = dir.path().join("broken/app.py");
    let text =
        std::fs::read_to_string(&app).unwrap().replace("return args[\"text\"][::-1]", "return args[\"text\"[::-1]");
    std::fs::write(&app, text).unwrap();
    let out = author_command(dir.path(), &["plugins", "build", "broken", "--out", "plugins"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("componentize-py 0.25.1 could not build broken"), "{stderr}");
    assert!(stderr.contains("app.py") && stderr.contains("SyntaxError"), "{stderr}");
    assert!(!dir.path().join("plugins/broken").exists(), "nothing is installed");
}
