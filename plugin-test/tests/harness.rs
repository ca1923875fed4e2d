//! The harness on the repository's own guests, as a plugin crate's `cargo test` uses it.

use std::path::{Path, PathBuf};

use zeroclaw_plugin_test::{
    ChatMessage, ChatRequest, Fired, GatewayStart, HookPayload, OutboundMessage, TestPlugin, ToolCall, ToolResult,
    ToolResultPersist,
};

fn guest(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../wasm-plugins").join(path)
}

/// Where the host's tests build the guest workspace: the PDK is compiled there already.
fn target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("../wasm-guests")
}

fn reply(content: &str) -> HookPayload {
    HookPayload::MessageSending(OutboundMessage {
        channel: "cli".into(),
        recipient: "me".into(),
        content: content.into(),
    })
}

#[test]
fn a_hook_is_fired_with_a_typed_payload_and_its_rewrite_comes_back() {
    let shout = TestPlugin::build_in(guest("examples/shout"), &target()).unwrap();
    let Fired::Modify(HookPayload::MessageSending(sent)) = shout.fire(reply("hi")).unwrap() else {
        panic!("shout rewrites the reply")
    };
    assert_eq!(sent.content, "HI");
    // The grants are the runtime's: without conversation:read, which shout requests, it
    // does not load, and the error says so.
    let narrow = TestPlugin::build_in(guest("examples/shout"), &target()).unwrap().grant(["messages:modify"]).unwrap();
    let error = narrow.fire(reply("hi")).unwrap_err();
    assert!(error.contains("`conversation:read` requested but not granted"), "{error}");
    let bad = TestPlugin::build_in(guest("examples/shout"), &target()).unwrap().grant(["root"]);
    assert_eq!(bad.err().as_deref(), Some("`root` is not a capability"));
}

#[test]
fn config_logs_and_tools_and_providers() {
    // redact: configured, it logs at info what it redacted.
    let redact = TestPlugin::build_in(guest("examples/redact"), &target())
        .unwrap()
        .config(serde_json::json!({"prefixes": ["zz-"], "replacement": "***"}));
    let persist = HookPayload::ToolResultPersist(ToolResultPersist {
        call: ToolCall { id: "1".into(), name: "file_read".into(), arguments: serde_json::json!({}) },
        result: ToolResult {
            call_id: "1".into(),
            name: "file_read".into(),
            content: "key zz-12345".into(),
            is_error: false,
        },
    });
    let fired = redact.fire(persist).unwrap();
    let Fired::Modify(HookPayload::ToolResultPersist(kept)) = fired else { panic!("{fired:?}") };
    assert_eq!(kept.result.content, "key ***");
    let logs = redact.logs();
    assert!(logs.iter().any(|l| l.message.contains("redacted 1 secret(s)")), "{logs:?}");

    let stats = TestPlugin::build_in(guest("examples/text-stats"), &target()).unwrap();
    let counted = stats.call("text_stats", serde_json::json!({"text": "a b a"})).unwrap();
    assert!(counted.contains("\"words\":3"), "{counted}");
    let refused = stats.call("text_stats", serde_json::json!({})).unwrap_err();
    assert!(refused.contains("arguments do not match the schema"), "{refused}");

    let echo = TestPlugin::build_in(guest("examples/echo-provider"), &target()).unwrap();
    let request = ChatRequest { messages: vec![ChatMessage::user("hello")], ..Default::default() };
    let answer = echo.chat("echo", request).unwrap();
    assert!(answer.text.contains("hello"), "{answer:?}");
}

#[test]
fn a_session_keeps_the_kv_store_between_calls() {
    let recorder = TestPlugin::build_in(guest("fixtures/recorder"), &target()).unwrap();
    let keys = recorder
        .session(async |trial| {
            trial.fire(&HookPayload::GatewayStart(GatewayStart { bind_addr: "127.0.0.1:1".into() })).await?;
            trial.fire(&reply("bye")).await?;
            trial.kv_keys()
        })
        .unwrap();
    assert_eq!(keys.len(), 2, "one entry per event: {keys:?}");
    // A new call is a new sandbox: an empty store.
    let fresh = recorder.session(async |trial| trial.kv_keys()).unwrap();
    assert!(fresh.is_empty());
}
