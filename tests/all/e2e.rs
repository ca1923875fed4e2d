//! End to end: a recording plugin of each backend subscribed to every hook, a
//! conversation through the gateway, and every hook of the catalog fired at its call
//! site, in the documented order, with the documented payload.

use std::time::Duration;

use zeroclaw::agent::Agent;
use zeroclaw::gateway::{GatewaySettings, serve};
use zeroclaw::plugins::kv::KvStore;
use zeroclaw_plugin_api::{HookPayload, HookPoint, SessionEndReason};

use crate::agent::config;
use crate::guests::install_guest;
use crate::recorder;

/// The documented order for: a turn with one tool call, a turn that compacts, a turn whose
/// provider call fails, shutdown.
const EXPECTED: [&str; 34] = [
    "gateway_start",
    // Turn 1: "calculate 1+2".
    "message_received",
    "session_start",
    "before_agent_start",
    "before_llm_call",
    "llm_output",
    "before_tool_call",
    "tool_result_persist",
    "after_tool_call",
    "before_llm_call",
    "llm_output",
    "agent_end",
    "message_sending",
    "message_sent",
    // Turn 2: "hello", past the compaction bound.
    "message_received",
    "before_agent_start",
    "before_compaction",
    "after_compaction",
    "before_llm_call",
    "llm_output",
    "agent_end",
    "message_sending",
    "message_sent",
    // Turn 3: "break the model" (the native recorder empties its request: the provider fails).
    "message_received",
    "before_agent_start",
    "before_compaction",
    "after_compaction",
    "before_llm_call",
    "llm_error",
    "agent_end",
    "message_sending",
    "message_sent",
    // Shutdown.
    "session_end",
    "gateway_stop",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hook_in_the_catalog_fires_at_its_call_site_for_both_backends() {
    every_hook_fires_for_both_backends("e2e", install_guest, &[]).await;
}

/// Drives agent `id` end to end with the native recorder and the wasm `recorder`
/// installed by `install`, and checks that every hook fired, in order, with its payload;
/// the wasm recorder gets every one but `unseen` (the points its contract lacks).
pub async fn every_hook_fires_for_both_backends(id: &str, install: crate::wasm::Install, unseen: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    install("recorder", &dir.path().join("plugins"));
    let rest = "[plugins.entries.recorder]\ngrant = [\"kv\", \"conversation:read\"]\n[plugins.entries.recorder.limits]\nkv_max_bytes = 10000000\n\
                [native.test_recorder]\nfail_llm_on = \"break the model\"\n";
    let agent = Agent::start(config(dir.path(), id, true, "compaction_threshold = 4\ncompaction_keep = 2", rest))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1/chat", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served =
        tokio::spawn(serve(agent.clone(), listener, GatewaySettings::from_agent(&agent).unwrap(), async move {
            let _ = stopped.await;
            "test".to_string()
        }));
    let client = reqwest::Client::new();
    for message in ["calculate 1+2", "hello", "break the model"] {
        let answer =
            client.post(&url).json(&serde_json::json!({"session_id": "e2e", "message": message})).send().await.unwrap();
        assert_eq!(answer.status(), 200);
    }
    // Let the ObserverBridge deliver before shutting down.
    for _ in 0..200 {
        if recorder::hooks(id).contains(&"observer_event") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(()).unwrap();
    served.await.unwrap().unwrap();

    // Native backend: the recorder linked into this binary.
    let records = recorder::recorded(id);
    let native: Vec<&str> = records.iter().map(|p| p.point().name()).filter(|n| *n != "observer_event").collect();
    assert_eq!(native, EXPECTED);
    let fired: Vec<HookPoint> = records.iter().map(|p| p.point()).collect();
    for point in HookPoint::ALL {
        assert!(fired.contains(point), "{} fired", point.name());
    }
    // The documented payloads.
    let find = |point: HookPoint| records.iter().find(|p| p.point() == point).unwrap().clone();
    let HookPayload::GatewayStart(start) = find(HookPoint::GatewayStart) else { unreachable!() };
    assert!(start.bind_addr.starts_with("127.0.0.1:"));
    let HookPayload::MessageReceived(received) = find(HookPoint::MessageReceived) else { unreachable!() };
    assert_eq!((received.channel.as_str(), received.content.as_str()), ("gateway", "calculate 1+2"));
    let HookPayload::SessionStart(session) = find(HookPoint::SessionStart) else { unreachable!() };
    assert_eq!((session.session_id.as_str(), session.channel.as_str()), ("e2e", "gateway"));
    let HookPayload::BeforeAgentStart(agent_start) = find(HookPoint::BeforeAgentStart) else { unreachable!() };
    assert_eq!(agent_start.user_message, "calculate 1+2");
    let HookPayload::BeforeLlmCall(llm) = find(HookPoint::BeforeLlmCall) else { unreachable!() };
    assert_eq!(llm.provider, "offline");
    assert_eq!(llm.request.messages.last().unwrap().content, "calculate 1+2");
    let HookPayload::LlmOutput(output) = find(HookPoint::LlmOutput) else { unreachable!() };
    assert_eq!(output.response.tool_calls[0].name, "calculator");
    let HookPayload::BeforeToolCall(call) = find(HookPoint::BeforeToolCall) else { unreachable!() };
    assert_eq!((call.name.as_str(), &call.arguments), ("calculator", &serde_json::json!({"expression": "1+2"})));
    let HookPayload::ToolResultPersist(persist) = find(HookPoint::ToolResultPersist) else { unreachable!() };
    assert_eq!(persist.result.content, "3");
    let HookPayload::AfterToolCall(after) = find(HookPoint::AfterToolCall) else { unreachable!() };
    assert_eq!((after.owner.as_str(), after.result.is_error), ("native:calculator", false));
    let HookPayload::AgentEnd(end) = find(HookPoint::AgentEnd) else { unreachable!() };
    assert_eq!((end.reply.as_str(), end.iterations, end.tool_calls), ("`calculator`: 3", 2, 1));
    let HookPayload::MessageSending(sending) = find(HookPoint::MessageSending) else { unreachable!() };
    assert_eq!(sending.content, "`calculator`: 3");
    let HookPayload::MessageSent(sent) = find(HookPoint::MessageSent) else { unreachable!() };
    assert_eq!(sent.content, "`calculator`: 3");
    let HookPayload::BeforeCompaction(compaction) = find(HookPoint::BeforeCompaction) else { unreachable!() };
    assert_eq!(compaction.messages.len(), 3, "all but the newest two (never splitting a tool call from its result)");
    let HookPayload::AfterCompaction(summary) = find(HookPoint::AfterCompaction) else { unreachable!() };
    assert_eq!(summary.compacted_messages, 3);
    assert!(summary.summary.contains("calculate 1+2"), "{}", summary.summary);
    let HookPayload::SessionEnd(session_end) = find(HookPoint::SessionEnd) else { unreachable!() };
    assert_eq!((session_end.reason, session_end.turns), (SessionEndReason::Shutdown, 3));
    let HookPayload::LlmError(failed) = find(HookPoint::LlmError) else { unreachable!() };
    assert_eq!(failed.provider, "offline");
    assert!(failed.error.contains("the request has no messages"), "{}", failed.error);
    let HookPayload::GatewayStop(stop) = find(HookPoint::GatewayStop) else { unreachable!() };
    assert_eq!(stop.reason, "test");
    let HookPayload::ObserverEvent(observed) = find(HookPoint::ObserverEvent) else { unreachable!() };
    assert_eq!(observed.name, "agent_start");

    // Wasm backend: the recorder plugin kept its lines in its kv store.
    let store = KvStore::open(&dir.path().join("state/plugins-kv.sqlite3")).unwrap();
    let lines: Vec<String> = store
        .keys("recorder")
        .unwrap()
        .iter()
        .map(|k| String::from_utf8(store.get("recorder", k).unwrap().unwrap()).unwrap())
        .collect();
    let log = lines.join("\n");
    let wasm: Vec<&str> =
        log.lines().map(|l| l.split(' ').next().unwrap()).filter(|n| *n != "observer_event").collect();
    let expected: Vec<&str> = EXPECTED.iter().copied().filter(|p| !unseen.contains(p)).collect();
    assert_eq!(wasm, expected, "{log}");
    assert!(log.lines().any(|l| l.starts_with("observer_event - ")), "{log}");
    assert!(log.contains("after_tool_call e2e calculator native:calculator"), "{log}");
    assert!(log.contains("session_end e2e SessionEndReason::Shutdown 3"), "{log}");
    if !unseen.contains(&"llm_error") {
        assert!(log.contains("llm_error e2e provider error: the request has no messages"), "{log}");
    }
}
