//! The built-in native plugins: session_memory and boot_script, end to end.

use std::time::Duration;

use zeroclaw::agent::Agent;
use zeroclaw_plugin_api::{HookContext, HookPayload, SessionEndReason};
use zeroclaw_session_memory::{RECALL_HEADING, SummaryStore};

use crate::agent::{config, say};
use crate::recorder;

/// The system prompts of every model request recorded for `agent_id`, by session.
fn system_prompts(agent_id: &str, session: &str) -> Vec<String> {
    recorder::recorded(agent_id)
        .into_iter()
        .filter_map(|p| match p {
            HookPayload::BeforeLlmCall(call) => Some(call),
            _ => None,
        })
        .filter(|call| call.request.messages.iter().any(|m| m.content.contains(session)) || session.is_empty())
        .map(|call| call.request.messages[0].content.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_memory_hook_persists_and_recalls_expected_context() {
    let dir = tempfile::tempdir().unwrap();
    let agent_lines = "compaction_threshold = 4\ncompaction_keep = 2";
    {
        let agent = Agent::start(config(dir.path(), "memory-1", false, agent_lines, "")).await.unwrap();
        say(&agent, "garden", "my favourite flower is the turquoise delphinium").await;
        say(&agent, "garden", "we plant them in april").await;
        say(&agent, "garden", "water twice a week").await;
        agent.end_session("garden", SessionEndReason::Closed).await;
        let summaries = SummaryStore::new(&dir.path().join("state/memory.sqlite3")).list(Some("garden")).unwrap();
        let sources: Vec<&str> = summaries.iter().map(|s| s.source.as_str()).collect();
        assert!(sources.contains(&"compaction") && sources.contains(&"session_end"), "{sources:?}");
        assert!(summaries.iter().any(|s| s.summary.contains("turquoise")), "{summaries:?}");
    }
    // A restart: a new runtime on the same database file.
    let agent = Agent::start(config(dir.path(), "memory-2", false, agent_lines, "")).await.unwrap();
    say(&agent, "garden", "which colour was the delphinium?").await;
    say(&agent, "elsewhere", "which colour was the delphinium?").await;
    let records = recorder::recorded("memory-2");
    let calls: Vec<(String, String)> = records
        .iter()
        .filter_map(|p| match p {
            HookPayload::BeforeLlmCall(call) => Some(call.request.messages.clone()),
            _ => None,
        })
        .map(|messages| (messages[0].content.clone(), messages.last().unwrap().content.clone()))
        .collect();
    assert_eq!(calls.len(), 2);
    let (garden_prompt, _) = &calls[0];
    assert!(garden_prompt.contains(RECALL_HEADING), "the same session recalls: {garden_prompt}");
    assert!(garden_prompt.contains("turquoise"), "{garden_prompt}");
    let (other_prompt, _) = &calls[1];
    assert!(
        !other_prompt.contains(RECALL_HEADING) && !other_prompt.contains("turquoise"),
        "another session does not: {other_prompt}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_session_memory_off_nothing_is_written_or_recalled() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "memory-off", false, "compaction_threshold = 4\ncompaction_keep = 2", "");
    // `config` writes [hooks.builtin] itself: switch session_memory off in the loaded value.
    cfg.config.hooks.builtin.insert("session_memory".into(), toml::Spanned::new(0..0, false));
    let agent = Agent::start(cfg.clone()).await.unwrap();
    for i in 0..3 {
        say(&agent, "s", &format!("remember the secret word zebra {i}")).await;
    }
    agent.end_session("s", SessionEndReason::Closed).await;
    let db = rusqlite::Connection::open(dir.path().join("state/memory.sqlite3")).unwrap();
    let tables: i64 =
        db.query_row("SELECT COUNT(*) FROM sqlite_master WHERE name = 'memory_summaries'", [], |r| r.get(0)).unwrap();
    assert_eq!(tables, 0, "session_memory never touched the database");
    let agent = Agent::start(cfg).await.unwrap();
    say(&agent, "s", "zebra?").await;
    let prompts = system_prompts("memory-off", "");
    assert!(prompts.iter().all(|p| !p.contains(RECALL_HEADING)), "{prompts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_memory_database_stops_the_agent_at_start_and_is_left_untouched() {
    // Its transcripts live there: an agent that started anyway would answer turns it never
    // stored.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("state")).unwrap();
    let garbage = vec![0x5a; 8192];
    std::fs::write(dir.path().join("state/memory.sqlite3"), &garbage).unwrap();
    let error = Agent::start(config(dir.path(), "memory-corrupt", false, "", "")).await.err().unwrap().to_string();
    assert!(error.contains("memory.sqlite3") && error.contains("not a database"), "{error}");
    assert!(error.contains("does not start without its transcripts"), "{error}");
    assert_eq!(std::fs::read(dir.path().join("state/memory.sqlite3")).unwrap(), garbage, "nothing was overwritten");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boot_md_and_its_variables_reach_the_providers_system_prompt() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("BOOT.md"),
        "Checklist for {{session_id}} on {{channel}}: be brief. Workspace {{workspace}}.",
    )
    .unwrap();
    let agent = Agent::start(config(dir.path(), "boot", false, "", "")).await.unwrap();
    say(&agent, "morning", "hello").await;
    let prompts = system_prompts("boot", "");
    let workspace = dir.path().display().to_string();
    assert_eq!(prompts.len(), 1);
    assert!(
        prompts[0].contains(&format!("Checklist for morning on test: be brief. Workspace {workspace}.")),
        "{}",
        prompts[0]
    );
    assert!(prompts[0].starts_with("You are zeroclaw"), "appended to the configured prompt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_start_boot_turn_runs_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("BOOT.md"), "calculate 40+2").unwrap();
    let rest = "[native.boot_script]\nrun_on_gateway_start = true\n";
    let agent = Agent::start(config(dir.path(), "boot-gw", false, "", rest)).await.unwrap();
    let ctx = HookContext::agent("boot-gw");
    let start = HookPayload::GatewayStart(zeroclaw_plugin_api::GatewayStart { bind_addr: "127.0.0.1:1".into() });
    agent.runner().fire_payload(&ctx, &start).await;
    agent.runner().fire_payload(&ctx, &start).await;
    // The boot turn runs in the background: wait for its session to close.
    for _ in 0..300 {
        if recorder::hooks("boot-gw").contains(&"session_end") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let turns: Vec<String> = recorder::recorded("boot-gw")
        .into_iter()
        .filter_map(|p| match p {
            HookPayload::AgentEnd(end) => Some(end.reply),
            _ => None,
        })
        .collect();
    assert_eq!(turns, ["`calculator`: 42"], "one isolated turn ran BOOT.md");
    let sessions: Vec<String> = recorder::recorded("boot-gw")
        .into_iter()
        .filter_map(|p| match p {
            HookPayload::SessionEnd(end) => Some(format!("{} {}", end.session_id, end.channel)),
            _ => None,
        })
        .collect();
    assert_eq!(sessions, ["boot-1 boot"], "its own session, closed afterwards");
    assert!(recorder::hooks("boot-gw").iter().all(|h| *h != "message_sent"), "nothing was delivered");
}
