//! The agent host: the turn loop, tools by owner under the policy, providers and their
//! wrappers, compaction, channels, and every hook at its call site.

use std::path::Path;
use std::sync::Arc;

use zeroclaw::agent::{Agent, AgentOptions};
use zeroclaw::channels::{Incoming, Reply, delivered, receive};
use zeroclaw::config::LoadedConfig;
use zeroclaw::observability::{Event, Observer};
use zeroclaw::providers::ProviderFactory;
use zeroclaw_plugin_api::{ChatMessage, ChatRequest, HookPayload, HookPoint, SessionEndReason};

use crate::guests::{install_guest, shared_cache};
use crate::recorder;

/// A config for a test agent in `root` (its workspace), with the test recorder on.
/// `agent` adds lines to `[agent]`; `rest` adds tables.
pub fn config(root: &Path, id: &str, plugins: bool, agent: &str, rest: &str) -> LoadedConfig {
    let text = format!(
        "workspace = \".\"\nstate_dir = \"state\"\n[agent]\nid = \"{id}\"\n{agent}\n[hooks.builtin]\ntest_recorder = true\n\
         [plugins]\nenabled = {plugins}\ndirs = [\"plugins\"]\ncache_dir = {:?}\n{rest}\n",
        shared_cache()
    );
    let path = root.join("zeroclaw.toml");
    std::fs::write(&path, &text).unwrap();
    LoadedConfig::parse(&text, &path).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Sends `text` on the CLI-like channel `test` and returns the delivered reply.
pub async fn say(agent: &Agent, session: &str, text: &str) -> Reply {
    let incoming =
        Incoming { session_id: session.into(), channel: "test".into(), sender: "tester".into(), text: text.into() };
    let reply = receive(agent, incoming).await;
    if let Reply::Send { text, .. } = &reply {
        delivered(agent, session, "test", "tester", text).await;
    }
    reply
}

/// The text of a delivered reply (panics on any other outcome).
pub fn text(reply: &Reply) -> &str {
    match reply {
        Reply::Send { text, .. } => text,
        other => panic!("expected a reply, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugin_tool_spec_is_visible_and_executable() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("text-stats", &dir.path().join("plugins"));
    let agent = Agent::start(config(dir.path(), "tool-visible", true, "", "")).await.unwrap();
    let reply = say(&agent, "s", "stats: one two two").await;
    assert!(text(&reply).starts_with("`text_stats`: {"), "{reply:?}");
    assert!(text(&reply).contains("\"words\":3"), "{reply:?}");
    let calls = recorder::recorded("tool-visible");
    let request = calls.iter().find_map(|p| match p {
        HookPayload::BeforeLlmCall(call) => Some(call.request.clone()),
        _ => None,
    });
    let tools: Vec<String> = request.unwrap().tools.into_iter().map(|t| t.name).collect();
    assert!(tools.contains(&"text_stats".to_string()) && tools.contains(&"clock".to_string()), "{tools:?}");
    let Reply::Send { turn, .. } = reply else { unreachable!() };
    assert_eq!(turn.tool_calls[0].owner, "wasm:text-stats@0.1.0", "resolved by name to its owner");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn factory_can_create_plugin_provider() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("echo-provider", &dir.path().join("plugins"));
    let agent = Agent::start(config(dir.path(), "factory", true, "provider = \"echo\"", "")).await.unwrap();
    let snapshot = agent.runtime().snapshot();
    let factory = ProviderFactory::new(&snapshot, &agent.config().config.providers);
    let provider = factory.provider("echo").expect("the plugin provider resolves by name");
    let request = ChatRequest { model: "m".into(), messages: vec![ChatMessage::user("ping")], ..Default::default() };
    assert_eq!(provider.chat(&request).await.unwrap().text, "echo: ping");
    assert!(factory.provider("nope").err().unwrap().to_string().contains("providers: echo, offline, openai"));
    // And the agent uses it when configured to.
    assert_eq!(text(&say(&agent, "s", "hello").await), "echo: hello");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trapping_plugin_provider_falls_back_to_the_native_one() {
    let dir = tempfile::tempdir().unwrap();
    crate::guests::install_guest("fault-zoo", &dir.path().join("plugins"));
    let rest = "[providers]\nfallbacks = [\"offline\"]\nretries = 2\nbackoff_ms = 1\n[plugins.entries.fault-zoo.config]\nprovider_fault = \"trap\"\n";
    let agent = Agent::start(config(dir.path(), "fallback", true, "provider = \"faulty\"", rest)).await.unwrap();
    let reply = say(&agent, "s", "hello").await;
    assert_eq!(text(&reply), "You said: hello", "the native provider answered");
    let output = recorder::recorded("fallback").into_iter().find_map(|p| match p {
        HookPayload::LlmOutput(out) => Some(out),
        _ => None,
    });
    assert_eq!(output.unwrap().response.model, "offline");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redacting_hook_keeps_a_secret_out_of_the_next_request_and_the_transcript() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("redact", &dir.path().join("plugins"));
    std::fs::write(dir.path().join("keys.txt"), "deploy key sk-live-0123456789abcdef please").unwrap();
    let rest = "[plugins.entries.redact]\ngrant = [\"tool-results:modify\"]\n";
    let agent = Agent::start(config(dir.path(), "redacting", true, "", rest)).await.unwrap();
    let reply = say(&agent, "s", "read keys.txt").await;
    assert_eq!(text(&reply), "`file_read`: deploy key [REDACTED] please");
    // The second model request of the turn carries the tool result: redacted.
    let requests: Vec<ChatRequest> = recorder::recorded("redacting")
        .into_iter()
        .filter_map(|p| match p {
            HookPayload::BeforeLlmCall(call) => Some(call.request),
            _ => None,
        })
        .collect();
    assert_eq!(requests.len(), 2);
    let sent = serde_json::to_string(&requests[1].messages).unwrap();
    assert!(sent.contains("[REDACTED]") && !sent.contains("sk-live"), "{sent}");
    let stored = serde_json::to_string(&agent.transcripts().unwrap().messages("s").unwrap()).unwrap();
    assert!(stored.contains("[REDACTED]") && !stored.contains("sk-live"), "{stored}");
    let raw = std::fs::read(dir.path().join("state/memory.sqlite3")).unwrap();
    assert!(!raw.windows(7).any(|w| w == b"sk-live"), "not in the database file either");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_tool_call_never_runs_and_the_model_is_told_why() {
    let dir = tempfile::tempdir().unwrap();
    install_guest("guard", &dir.path().join("plugins"));
    let rest = "[plugins.entries.guard]\ngrant = [\"tool-calls:modify\"]\n[plugins.entries.guard.config]\nblocked_tools = [\"calculator\"]\n";
    let agent = Agent::start(config(dir.path(), "blocked", true, "", rest)).await.unwrap();
    let reply = say(&agent, "s", "calculate 6*7").await;
    assert!(text(&reply).contains("blocked by wasm:guard@0.1.0: the guard plugin blocks `calculator`"), "{reply:?}");
    let snapshot = agent.runtime().snapshot();
    assert_eq!(snapshot.tool("calculator").unwrap().stats.view().calls, 0, "the tool never ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_autonomy_blocks_act_tools_native_and_plugin() {
    let dir = tempfile::tempdir().unwrap();
    crate::guests::install_guest("fault-zoo", &dir.path().join("plugins"));
    let rest = "[security]\nautonomy = \"read_only\"\nallow_tools = [\"file_write\", \"fault\"]\n";
    let agent = Agent::start(config(dir.path(), "readonly", true, "", rest)).await.unwrap();
    let native = say(&agent, "s", "write out.txt: hello").await;
    assert!(
        text(&native).contains("not permitted: `file_write` acts, and security.autonomy is read_only"),
        "{native:?}"
    );
    assert!(!dir.path().join("out.txt").exists());
    let plugin = say(&agent, "s", "use fault {\"kind\": \"ok\"}").await;
    assert!(text(&plugin).contains("not permitted: `fault` acts, and security.autonomy is read_only"), "{plugin:?}");
    assert_eq!(agent.runtime().snapshot().tool("fault").unwrap().stats.view().calls, 0);
    // A read tool still runs.
    assert_eq!(text(&say(&agent, "s", "calculate 1+1").await), "`calculator`: 2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_summarises_old_history_and_a_cancel_keeps_it_intact() {
    for cancel in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let id = if cancel { "compact-cancel" } else { "compact" };
        let rest = if cancel { "[native.test_recorder]\ncancel = [\"before_compaction\"]\n" } else { "" };
        let agent = Agent::start(config(dir.path(), id, false, "compaction_threshold = 4\ncompaction_keep = 2", rest))
            .await
            .unwrap();
        for i in 0..3 {
            say(&agent, "s", &format!("message number {i}")).await;
        }
        let session = agent.session("s", "test").await;
        let history = session.lock().await.history.clone();
        let hooks = recorder::hooks(id);
        if cancel {
            assert_eq!(history.len(), 6, "history intact: {history:?}");
            assert!(hooks.contains(&"before_compaction") && !hooks.contains(&"after_compaction"));
        } else {
            assert!(history[0].content.starts_with("Summary of the earlier conversation: Summary of"), "{history:?}");
            assert!(history[0].content.contains("message number 0"), "{history:?}");
            assert!(history.len() < 6);
            assert!(hooks.contains(&"after_compaction"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_hooks_drop_messages_and_suppress_replies() {
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(config(
        dir.path(),
        "drop",
        false,
        "",
        "[native.test_recorder]\ncancel = [\"message_received\"]\n",
    ))
    .await
    .unwrap();
    let reply = say(&agent, "s", "hello").await;
    assert_eq!(reply, Reply::Dropped { reason: "native:test_recorder: test_recorder cancels message_received".into() });
    assert!(!recorder::hooks("drop").contains(&"before_agent_start"), "no turn ran");

    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(config(
        dir.path(),
        "suppress",
        false,
        "",
        "[native.test_recorder]\ncancel = [\"message_sending\"]\n",
    ))
    .await
    .unwrap();
    let reply = say(&agent, "s", "hello").await;
    assert!(matches!(reply, Reply::Suppressed { .. }), "{reply:?}");
    assert!(!recorder::hooks("suppress").contains(&"message_sent"), "nothing was delivered");
}

struct Collect(parking_lot::Mutex<Vec<String>>);

impl Observer for Collect {
    fn record(&self, event: &Event) {
        self.0.lock().push(event.name().to_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observer_bridge_emits_hook_events_for_legacy_observer_stream() {
    let dir = tempfile::tempdir().unwrap();
    let legacy = Arc::new(Collect(parking_lot::Mutex::new(Vec::new())));
    let options = AgentOptions { observers: vec![legacy.clone()], ..Default::default() };
    let agent = Agent::start_with(config(dir.path(), "bridge", false, "", ""), options).await.unwrap();
    say(&agent, "s", "what time is it?").await;
    // The legacy observer got the stream as before...
    let seen = legacy.0.lock().clone();
    for name in
        ["agent_start", "llm_request", "llm_response", "tool_call_start", "tool_call_end", "agent_end", "turn_complete"]
    {
        assert!(seen.iter().any(|n| n == name), "{name} in {seen:?}");
    }
    // ...and the same events reached observer_event handlers through the bridge.
    let mut forwarded = Vec::new();
    for _ in 0..200 {
        forwarded = recorder::recorded("bridge")
            .into_iter()
            .filter_map(|p| match p {
                HookPayload::ObserverEvent(e) => Some(e),
                _ => None,
            })
            .collect();
        if forwarded.len() >= seen.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let names: Vec<&str> = forwarded.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, seen, "every event, in order");
    let end = forwarded.iter().find(|e| e.name == "tool_call_end").unwrap();
    assert_eq!(end.fields["tool"], "clock");
    assert_eq!(end.fields["owner"], "native:clock");
    assert_eq!(agent.bridge().dropped(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_start_once_and_end_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(config(dir.path(), "sessions", false, "", "")).await.unwrap();
    say(&agent, "a", "one").await;
    say(&agent, "a", "two").await;
    say(&agent, "b", "three").await;
    assert_eq!(agent.open_sessions(), ["a", "b"]);
    agent.end_session("a", SessionEndReason::Reset).await;
    agent.end_all_sessions(SessionEndReason::Shutdown).await;
    let records = recorder::recorded("sessions");
    let starts = records.iter().filter(|p| p.point() == HookPoint::SessionStart).count();
    assert_eq!(starts, 2);
    let ends: Vec<(String, SessionEndReason, u32)> = records
        .into_iter()
        .filter_map(|p| match p {
            HookPayload::SessionEnd(e) => Some((e.session_id, e.reason, e.turns)),
            _ => None,
        })
        .collect();
    assert_eq!(ends, [("a".to_string(), SessionEndReason::Reset, 2), ("b".to_string(), SessionEndReason::Shutdown, 1)]);
    assert!(agent.open_sessions().is_empty());
}
