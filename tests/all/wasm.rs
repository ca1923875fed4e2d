//! The wasm backend end to end: the example plugins load and work through the same
//! runner, tool table and provider table as native entries.

use std::sync::Arc;

use zeroclaw::hooks::{HookFlow, HookRunner};
use zeroclaw::plugins::PluginRuntime;
use zeroclaw_plugin_api::{ChatMessage, ChatRequest, HookContext, HookPayload, ToolCall, ToolResult, ToolResultPersist};

use crate::guests::{install_guest, plugin_config};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redact_hook_rewrites_a_tool_result_through_the_runner() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("redact", &dir.path().join("plugins"));
    let config = plugin_config(dir.path(), "[plugins.entries.redact]\ngrant = [\"tool-results:modify\"]\n");
    let runtime = PluginRuntime::start(config).await.unwrap();
    let snapshot = runtime.snapshot();
    assert!(snapshot.diagnostics().is_empty(), "{:?}", snapshot.diagnostics());
    let runner = HookRunner::new(runtime.registry().clone());
    let payload = HookPayload::ToolResultPersist(ToolResultPersist {
        call: ToolCall { id: "1".into(), name: "env".into(), arguments: serde_json::json!({}) },
        result: ToolResult { call_id: "1".into(), name: "env".into(), content: "key sk-abcdef123456 password=hunter2 ok".into(), is_error: false },
    });
    let HookFlow::Continue(HookPayload::ToolResultPersist(out)) = runner.run(&HookContext::agent("t"), payload).await else {
        panic!("expected a rewritten result")
    };
    assert_eq!(out.result.content, "key [REDACTED] password=[REDACTED] ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_stats_tool_and_echo_provider_work_through_the_tables() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("text-stats", &dir.path().join("plugins"));
    install_guest("echo-provider", &dir.path().join("plugins"));
    let runtime = PluginRuntime::start(plugin_config(dir.path(), "")).await.unwrap();
    let snapshot = runtime.snapshot();
    let tool = snapshot.tool("text_stats").expect("the plugin tool is in the table");
    assert_eq!(tool.owner.to_string(), "wasm:text-stats@0.1.0");
    let out = tool.tool.invoke(serde_json::json!({"text": "a b a\nc"})).await.unwrap();
    let stats: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(stats["words"], 4);
    assert_eq!(stats["lines"], 2);
    assert_eq!(stats["top_words"][0], serde_json::json!({"word": "a", "count": 2}));
    let provider = snapshot.provider("echo").expect("the plugin provider is in the table");
    let request = ChatRequest { model: "m".into(), messages: vec![ChatMessage::user("hello there")], ..Default::default() };
    let response = provider.provider.chat(&request).await.unwrap();
    assert_eq!(response.text, "echo: hello there");
    let _ = Arc::clone(runtime.registry());
}
