//! The host's edges against a hostile client and a careless operator: file tools that
//! cannot leave the workspace or touch the host's state.

use zeroclaw::agent::Agent;
use zeroclaw::channels::Reply;

use crate::agent::say;

fn text(reply: &Reply) -> String {
    match reply {
        Reply::Send { text, .. } => text.clone(),
        other => panic!("expected a reply, got {other:?}"),
    }
}

/// An agent whose state dir sits inside its workspace (`.zeroclaw`, as older defaults had
/// it), with every tool allowed.
async fn agent_with_state_inside(root: &std::path::Path) -> std::sync::Arc<Agent> {
    let text = "workspace = \".\"\nstate_dir = \".zeroclaw\"\n[security]\nautonomy = \"full\"\n";
    let path = root.join("zeroclaw.toml");
    std::fs::write(&path, text).unwrap();
    Agent::start(zeroclaw::config::LoadedConfig::parse(text, &path).unwrap()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_tools_never_reach_the_hosts_state_even_inside_the_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let agent = agent_with_state_inside(dir.path()).await;
    say(&agent, "other", "my password is hunter2").await;
    let db = dir.path().join(".zeroclaw/memory.sqlite3");
    let before = std::fs::read(&db).unwrap();

    let read = text(&say(&agent, "s", "read .zeroclaw/memory.sqlite3").await);
    assert!(read.contains("host's own files") && !read.contains("hunter2"), "{read}");
    let write = text(&say(&agent, "s", "write .zeroclaw/memory.sqlite3: garbage").await);
    assert!(write.contains("host's own files"), "{write}");
    let config = text(&say(&agent, "s", "write zeroclaw.toml: [security]").await);
    assert!(config.contains("host's own files"), "the config file is the host's too: {config}");
    assert!(std::fs::read(&db).unwrap().starts_with(&before[..16]), "the database is intact");
    assert_eq!(text(&say(&agent, "s", "hello").await), text(&say(&agent, "t", "hello").await), "chats go on");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dangling_link_in_the_workspace_does_not_write_outside() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("created-by-the-model");
    std::os::unix::fs::symlink(&target, dir.path().join("dangling")).unwrap();
    let agent = agent_with_state_inside(dir.path()).await;
    let reply = text(&say(&agent, "s", "write dangling: pwned").await);
    assert!(!target.exists(), "nothing was created outside: {reply}");
    assert!(reply.contains("leads outside the workspace, or through a link"), "{reply}");
}
