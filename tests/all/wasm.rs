//! The example plugins, loaded from source-built components, work through the same
//! runner, tool table and provider table as native entries.

use zeroclaw::hooks::{HookFlow, HookRunner};
use zeroclaw::plugins::{PluginRuntime, PluginStatus};
use zeroclaw_plugin_api::{
    ChatMessage, ChatRequest, HookContext, HookPayload, ToolCall, ToolError, ToolResult, ToolResultPersist,
};

use crate::guests::{install_guest, plugin_config};

/// Installs the plugin `id` into a plugins directory: built from source
/// ([`install_guest`]), or a frozen build of an older contract (`contract.rs`).
pub type Install = fn(&str, &std::path::Path) -> std::path::PathBuf;

fn persist(content: &str) -> HookPayload {
    HookPayload::ToolResultPersist(ToolResultPersist {
        call: ToolCall { id: "1".into(), name: "env".into(), arguments: serde_json::json!({}) },
        result: ToolResult { call_id: "1".into(), name: "env".into(), content: content.into(), is_error: false },
    })
}

fn content(flow: HookFlow) -> String {
    match flow {
        HookFlow::Continue(HookPayload::ToolResultPersist(p)) => p.result.content,
        other => panic!("expected a tool result, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redact_hook_rewrites_a_tool_result_through_the_runner() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("redact", &dir.path().join("plugins"));
    let config = plugin_config(dir.path(), "[plugins.entries.redact]\ngrant = [\"tool-results:modify\"]\n");
    let runtime = PluginRuntime::start(config).await.unwrap();
    let snapshot = runtime.snapshot();
    assert!(snapshot.diagnostics().is_empty(), "{:?}", snapshot.diagnostics());
    let row = snapshot.rows().into_iter().find(|r| r.kind == "hook" && r.owner.starts_with("wasm:")).unwrap();
    assert_eq!(
        (row.name.as_str(), row.owner.as_str(), row.priority),
        ("tool_result_persist/tool_result_persist", "wasm:redact@0.1.0", Some(100))
    );
    let runner = HookRunner::new(runtime.registry().clone());
    let ctx = HookContext::agent("t");
    let out = content(runner.run_payload(&ctx, persist("key sk-abcdef123456 password=hunter2 token: abc ok")).await);
    assert_eq!(out, "key [REDACTED] password=[REDACTED] token: [REDACTED] ok");
    let clean = content(runner.run_payload(&ctx, persist("nothing secret here")).await);
    assert_eq!(clean, "nothing secret here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redact_follows_its_operator_config() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("redact", &dir.path().join("plugins"));
    let extra = "[plugins.entries.redact]\ngrant = [\"tool-results:modify\"]\n[plugins.entries.redact.config]\nprefixes = [\"zz-\"]\nkeys = []\nreplacement = \"***\"\n";
    let runtime = PluginRuntime::start(plugin_config(dir.path(), extra)).await.unwrap();
    let runner = HookRunner::new(runtime.registry().clone());
    let out = content(runner.run_payload(&HookContext::agent("t"), persist("zz-12345678 sk-abcdef123456")).await);
    assert_eq!(out, "*** sk-abcdef123456");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_stats_tool_and_echo_provider_work_through_the_tables() {
    text_stats_and_echo_provider_behave(install_guest).await;
}

/// text-stats and echo-provider, installed by `install`, answer as documented.
pub async fn text_stats_and_echo_provider_behave(install: Install) {
    let dir = tempfile::tempdir().unwrap();
    install("text-stats", &dir.path().join("plugins"));
    install("echo-provider", &dir.path().join("plugins"));
    let runtime = PluginRuntime::start(plugin_config(dir.path(), "")).await.unwrap();
    let snapshot = runtime.snapshot();
    let tool = snapshot.tool("text_stats").expect("the plugin tool is in the table");
    assert_eq!(tool.owner.to_string(), "wasm:text-stats@0.1.0");
    assert_eq!(tool.spec.parameters["required"], serde_json::json!(["text"]));
    let out = tool.invoke(&serde_json::json!({"text": "a b a\nc"})).await;
    let stats: serde_json::Value = serde_json::from_str(&out.unwrap()).unwrap();
    assert_eq!(stats["words"], 4);
    assert_eq!(stats["lines"], 2);
    assert_eq!(stats["top_words"][0], serde_json::json!({"word": "a", "count": 2}));
    let bad = tool.invoke(&serde_json::json!({"text": 5})).await;
    assert!(matches!(bad, Err(ToolError::InvalidArguments(_))), "{bad:?}");

    let provider = snapshot.provider("echo").expect("the plugin provider is in the table");
    let request =
        ChatRequest { model: "m".into(), messages: vec![ChatMessage::user("hello there")], ..Default::default() };
    let response = provider.provider.chat(&request).await.unwrap();
    assert_eq!(response.text, "echo: hello there");
    assert_eq!(response.model, "echo/m");
    assert_eq!(response.usage.prompt_tokens, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guard_is_a_hook_a_tool_and_a_provider_at_once() {
    guard_behaves(install_guest).await;
}

/// guard, installed by `install`, blocks, queries and answers as documented.
pub async fn guard_behaves(install: Install) {
    let dir = tempfile::tempdir().unwrap();
    install("guard", &dir.path().join("plugins"));
    let extra = "[plugins.entries.guard]\ngrant = [\"tool-calls:modify\"]\n[plugins.entries.guard.config]\nblocked_tools = [\"shell\"]\nanswers = { weather = \"It is sunny.\" }\n";
    let runtime = PluginRuntime::start(plugin_config(dir.path(), extra)).await.unwrap();
    let snapshot = runtime.snapshot();
    let runner = HookRunner::new(runtime.registry().clone());
    let call = |name: &str| {
        HookPayload::BeforeToolCall(ToolCall { id: "1".into(), name: name.into(), arguments: serde_json::json!({}) })
    };
    let flow = runner.run_payload(&HookContext::agent("t"), call("shell")).await;
    assert!(
        matches!(&flow, HookFlow::Cancelled { reason, by } if reason.contains("blocks `shell`") && by.plugin_id() == "guard"),
        "{flow:?}"
    );
    assert_eq!(runner.run_payload(&HookContext::agent("t"), call("clock")).await, HookFlow::Continue(call("clock")));

    let found = snapshot
        .tool("json_query")
        .unwrap()
        .invoke(&serde_json::json!({"document": "{\"a\": [1, {\"b\": 2}]}", "path": "a.1.b"}))
        .await;
    assert_eq!(found.unwrap(), "2");

    let canned = &snapshot.provider("canned").unwrap().provider;
    let ask = |q: &str| ChatRequest { messages: vec![ChatMessage::user(q)], ..Default::default() };
    assert_eq!(canned.chat(&ask("How is the weather?")).await.unwrap().text, "It is sunny.");
    assert_eq!(canned.chat(&ask("What?")).await.unwrap().text, "I don't know.");
    let wrong = snapshot.plugins().iter().find(|p| p.id == "guard").unwrap();
    assert_eq!(wrong.status, PluginStatus::Active);
}
