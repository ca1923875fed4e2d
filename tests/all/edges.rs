//! The host's edges against a hostile client and a careless operator: file tools that
//! cannot leave the workspace or touch the host's state.

use zeroclaw::agent::Agent;
use zeroclaw::channels::Reply;

use crate::agent::say;

/// A config for a test agent in `root` (its workspace, state in `root/state`), with the
/// test recorder on and session_memory off (so a resumed history is the transcript's,
/// not recalled memory). `agent` adds lines to `[agent]`; `rest` adds tables.
fn edge_config(root: &std::path::Path, id: &str, agent: &str, rest: &str) -> zeroclaw::config::LoadedConfig {
    let text = format!(
        "workspace = \".\"\nstate_dir = \"state\"\n[agent]\nid = \"{id}\"\n{agent}\n\
         [hooks.builtin]\ntest_recorder = true\nsession_memory = false\n{rest}\n"
    );
    let path = root.join("zeroclaw.toml");
    std::fs::write(&path, &text).unwrap();
    zeroclaw::config::LoadedConfig::parse(&text, &path).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn text(reply: &Reply) -> String {
    crate::agent::text(reply).to_string()
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

/// The user messages of the last provider request recorded for agent `id` in `session`.
fn last_request_users(id: &str) -> Vec<String> {
    let request = crate::recorder::recorded(id).into_iter().rev().find_map(|p| match p {
        zeroclaw_plugin_api::HookPayload::BeforeLlmCall(call) => Some(call.request),
        _ => None,
    });
    let request = request.expect("a provider call was recorded");
    request.messages.into_iter().filter(|m| m.role == zeroclaw_plugin_api::Role::User).map(|m| m.content).collect()
}

fn session_ends(id: &str) -> Vec<(String, zeroclaw_plugin_api::SessionEndReason)> {
    crate::recorder::recorded(id)
        .into_iter()
        .filter_map(|p| match p {
            zeroclaw_plugin_api::HookPayload::SessionEnd(end) => Some((end.session_id, end.reason)),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evicted_session_ends_and_resumes_from_its_transcript() {
    use zeroclaw_plugin_api::SessionEndReason;
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(edge_config(dir.path(), "evict", "", "[gateway]\nmax_sessions = 1\n")).await.unwrap();
    say(&agent, "first", "my name is Ada").await;
    say(&agent, "second", "hello").await;
    assert_eq!(agent.open_sessions(), vec!["second"], "at most max_sessions in memory");
    assert_eq!(session_ends("evict"), vec![("first".to_string(), SessionEndReason::Evicted)]);
    say(&agent, "first", "what is my name?").await;
    assert_eq!(last_request_users("evict"), vec!["my name is Ada", "what is my name?"], "resumed");

    assert_eq!(agent.end_idle_sessions(std::time::Duration::ZERO).await, 1);
    assert_eq!(session_ends("evict").last().unwrap(), &("first".to_string(), SessionEndReason::Idle));
    assert_eq!(agent.sessions_in_memory(), 0);
    say(&agent, "first", "still there?").await;
    assert_eq!(last_request_users("evict"), vec!["my name is Ada", "what is my name?", "still there?"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_keeps_its_bounded_history_across_compaction_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let agent_keys = "compaction_threshold = 6\ncompaction_keep = 2\nmax_history_messages = 5";
    let agent = Agent::start(edge_config(dir.path(), "bounded", agent_keys, "")).await.unwrap();
    for i in 0..6 {
        say(&agent, "s", &format!("message {i}")).await;
    }
    let live = agent.session("s", "test").await.lock().await.history.clone();
    assert!(live.len() <= 5, "{live:?}");
    agent.end_session("s", zeroclaw_plugin_api::SessionEndReason::Evicted).await;
    let resumed = agent.session("s", "test").await.lock().await.history.clone();
    assert_eq!(resumed, live, "the transcript replays to the same history");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_that_cannot_be_stored_is_not_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(edge_config(dir.path(), "full", "", "[memory]\nmax_size_mb = 1\n")).await.unwrap();
    let big = "x".repeat(100 * 1024);
    let mut unsaved = None;
    for i in 0..40 {
        match say(&agent, &format!("s{i}"), &big).await {
            Reply::Unsaved { reason } => {
                let id = format!("s{i}");
                assert!(!agent.open_sessions().contains(&id), "an unsaved session leaves memory");
                unsaved = Some(reason);
                break;
            }
            Reply::Send { .. } => {}
            other => panic!("{other:?}"),
        }
    }
    let reason = unsaved.expect("a 1 MiB database fills up");
    assert!(reason.contains("cannot store a transcript message") && reason.contains("full"), "{reason}");
    assert!(agent.degraded().is_some_and(|r| r.contains("full")), "the host says it is degraded");
}

/// A gateway process on a free port, serving the config in `dir`.
fn spawn_gateway(dir: &std::path::Path) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_zeroclaw"))
        .args(["gateway", "--bind", &format!("127.0.0.1:{port}")])
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("XDG_DATA_HOME")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..400 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (child, format!("http://127.0.0.1:{port}"));
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the gateway did not come up");
}

async fn chat(base: &str, session: &str, message: &str) -> (reqwest::StatusCode, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/chat"))
        .json(&serde_json::json!({"session_id": session, "message": message}))
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_continues_after_the_process_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("zeroclaw.toml"),
        "state_dir = \"state\"\n[hooks.builtin]\nsession_memory = false\n",
    )
    .unwrap();
    let (mut first, base) = spawn_gateway(dir.path());
    let (status, one) = chat(&base, "talk", "my name is Ada").await;
    assert_eq!(status, 200, "{one}");
    let (_, two) = chat(&base, "talk", "and I like tea").await;
    first.kill().unwrap(); // SIGKILL: nothing is flushed on the way out
    first.wait().unwrap();

    let (mut second, base) = spawn_gateway(dir.path());
    let (status, three) = chat(&base, "talk", "what do I like?").await;
    let (_, fresh) = chat(&base, "new", "what do I like?").await;
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(status, 200, "{three}");
    let prompt = |v: &serde_json::Value| v["usage"]["prompt_tokens"].as_u64().unwrap();
    assert!(prompt(&two) > prompt(&one), "the history grows within a process");
    assert!(prompt(&three) > prompt(&two), "and carries over the restart: {three} after {two}");
    assert!(prompt(&fresh) < prompt(&one) + 5, "a new session starts empty: {fresh}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_answers_503_and_health_is_degraded_when_the_transcript_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("zeroclaw.toml"), "state_dir = \"state\"\n[memory]\nmax_size_mb = 1\n").unwrap();
    let (mut gateway, base) = spawn_gateway(dir.path());
    let big = "y".repeat(200 * 1024);
    let mut refused = None;
    for i in 0..20 {
        let (status, body) = chat(&base, &format!("s{i}"), &big).await;
        if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
            refused = Some(body);
            break;
        }
        assert_eq!(status, 200, "{body}");
    }
    let health: serde_json::Value = reqwest::get(format!("{base}/health")).await.unwrap().json().await.unwrap();
    gateway.kill().unwrap();
    gateway.wait().unwrap();
    let refused = refused.expect("a 1 MiB database fills up");
    assert!(refused["error"].as_str().unwrap().contains("could not be stored"), "{refused}");
    assert_eq!(health["status"], "degraded", "{health}");
    assert!(health["reason"].as_str().unwrap().contains("full"), "{health}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_conversation_never_takes_an_id_an_earlier_run_left() {
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(edge_config(dir.path(), "fresh-ids", "", "")).await.unwrap();
    say(&agent, "boot-1", "left by an earlier run").await;
    agent.end_session("boot-1", zeroclaw_plugin_api::SessionEndReason::Shutdown).await;
    let restarted = Agent::start(edge_config(dir.path(), "fresh-ids", "", "")).await.unwrap();
    assert_eq!(restarted.fresh_session_id("boot"), "boot-2", "boot-1 has a transcript");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_live_session_has_its_summary_after_a_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let config = crate::agent::config(dir.path(), "live-summaries", false, "", "");
    let memory = config.memory_path();
    let agent = Agent::start(config).await.unwrap();
    for i in 0..200 {
        say(&agent, &format!("s{i}"), &format!("note number {i}")).await;
    }
    agent.end_all_sessions(zeroclaw_plugin_api::SessionEndReason::Shutdown).await;
    let summaries = zeroclaw_session_memory::SummaryStore::new(&memory).list(None).unwrap();
    assert_eq!(summaries.len(), 200, "one summary per session, none lost, none twice");
    assert!(summaries.iter().any(|s| s.session_id == "s7" && s.summary.contains("note number 7")));
}

mod gateway_edges {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    use zeroclaw::agent::Agent;
    use zeroclaw::gateway::{GatewaySettings, check_exposure, serve};

    /// An in-process gateway with `gateway` keys; returns its address and a stop switch.
    async fn gateway(gateway: &str) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let config = super::edge_config(dir.path(), "gw-edges", "", &format!("[gateway]\n{gateway}\n"));
        let agent = Agent::start(config).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let settings = GatewaySettings::from_agent(&agent).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve(agent, listener, settings, async move {
            let _ = stopped.await;
            "test".to_string()
        }));
        (addr, stop, dir)
    }

    /// Sends `request` raw and reads the whole answer (the server closes after it).
    fn raw(addr: std::net::SocketAddr, request: &str) -> String {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    }

    fn request(method: &str, path: &str, host: &str, headers: &str, body: &str) -> String {
        format!(
            "{method} {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\ncontent-length: {}\r\n{headers}\r\n{body}",
            body.len()
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn idle_and_slow_connections_are_closed_at_the_header_timeout() {
        let (addr, stop, _dir) = gateway("header_timeout_ms = 300").await;
        tokio::task::spawn_blocking(move || {
            // Says nothing: closed (an EOF, not the 60 s read timeout).
            let mut silent = TcpStream::connect(addr).unwrap();
            silent.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            let mut buf = [0u8; 64];
            assert!(matches!(silent.read(&mut buf), Ok(0)), "an idle connection is closed");
            // Half a header line, then nothing.
            let mut slow = TcpStream::connect(addr).unwrap();
            slow.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            slow.write_all(b"GET /health HTTP/1.1\r\nhost: local").unwrap();
            let mut answer = Vec::new();
            let _ = slow.read_to_end(&mut answer);
            assert!(!String::from_utf8_lossy(&answer).contains("200 OK"), "a slow header is cut");
            // A keep-alive connection idle after its request is closed too.
            let mut kept = TcpStream::connect(addr).unwrap();
            kept.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            kept.write_all(format!("GET /health HTTP/1.1\r\nhost: {addr}\r\n\r\n").as_bytes()).unwrap();
            let mut answer = Vec::new();
            let _ = kept.read_to_end(&mut answer);
            assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"), "answered, then closed when idle");
        })
        .await
        .unwrap();
        let _ = stop.send(());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn past_the_connection_cap_health_still_answers_and_the_rest_get_503() {
        let (addr, stop, _dir) = gateway("max_connections = 3\nheader_timeout_ms = 60000").await;
        tokio::task::spawn_blocking(move || {
            // Three keep-alive connections, each answered once: the server holds a slot for
            // each of them (no guessing how long accepting takes).
            let hogs: Vec<TcpStream> = (0..3)
                .map(|_| {
                    let mut hog = TcpStream::connect(addr).unwrap();
                    hog.write_all(format!("GET /health HTTP/1.1\r\nhost: {addr}\r\n\r\n").as_bytes()).unwrap();
                    let mut seen = Vec::new();
                    let mut buf = [0u8; 256];
                    while !String::from_utf8_lossy(&seen).contains("\"status\":\"ok\"}") {
                        let n = hog.read(&mut buf).unwrap();
                        assert!(n > 0, "answered before closing");
                        seen.extend_from_slice(&buf[..n]);
                    }
                    hog
                })
                .collect();
            let health = raw(addr, &format!("GET /health HTTP/1.1\r\nhost: {addr}\r\n\r\n"));
            assert!(health.starts_with("HTTP/1.1 200") && health.contains("\"status\":\"ok\""), "{health}");
            let chat = raw(addr, &request("GET", "/metrics", &addr.to_string(), "", ""));
            assert!(chat.starts_with("HTTP/1.1 503") && chat.contains("max_connections"), "{chat}");
            drop(hogs);
        })
        .await
        .unwrap();
        let _ = stop.send(());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_foreign_host_and_a_cross_site_post_are_refused() {
        let (addr, stop, _dir) = gateway("").await;
        tokio::task::spawn_blocking(move || {
            let port = addr.port();
            let rebound = raw(addr, &request("GET", "/plugins", "evil.example", "", ""));
            assert!(rebound.starts_with("HTTP/1.1 421") && rebound.contains("gateway.allowed_hosts"), "{rebound}");
            let local = raw(addr, &request("GET", "/health", &format!("localhost:{port}"), "", ""));
            assert!(local.starts_with("HTTP/1.1 200"), "{local}");
            let form = "content-type: application/x-www-form-urlencoded\r\n";
            let posted = raw(addr, &request("POST", "/plugins/reload", &format!("localhost:{port}"), form, "a=1"));
            assert!(posted.starts_with("HTTP/1.1 415"), "a form POST is refused: {posted}");
            let json = "content-type: application/json\r\norigin: http://evil.example\r\n";
            let foreign = raw(addr, &request("POST", "/plugins/reload", &format!("localhost:{port}"), json, "{}"));
            assert!(foreign.starts_with("HTTP/1.1 403"), "a foreign Origin is refused: {foreign}");
            let json = format!("content-type: application/json\r\norigin: http://localhost:{port}\r\n");
            let ok = raw(addr, &request("POST", "/plugins/reload", &format!("localhost:{port}"), &json, "{}"));
            assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
        })
        .await
        .unwrap();
        let _ = stop.send(());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_bearer_scheme_is_case_insensitive() {
        // SAFETY: set_var; this variable is read only by this test's gateway.
        unsafe { std::env::set_var("ZC_EDGE_TOKEN", "s3cret") };
        let (addr, stop, _dir) = gateway("token_env = \"ZC_EDGE_TOKEN\"").await;
        tokio::task::spawn_blocking(move || {
            let host = addr.to_string();
            for (auth, status) in
                [("bearer s3cret", "200"), ("BEARER s3cret", "200"), ("Bearer nope", "401"), ("", "401")]
            {
                let header = if auth.is_empty() { String::new() } else { format!("authorization: {auth}\r\n") };
                let answer = raw(addr, &request("GET", "/plugins", &host, &header, ""));
                assert!(answer.starts_with(&format!("HTTP/1.1 {status}")), "{auth}: {answer}");
            }
        })
        .await
        .unwrap();
        let _ = stop.send(());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn serving_beyond_loopback_without_a_token_is_refused_unless_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let agent = Agent::start(super::edge_config(dir.path(), "gw-exposure", "", "")).await.unwrap();
        let mut settings = GatewaySettings::from_agent(&agent).unwrap();
        let public: std::net::SocketAddr = "0.0.0.0:7878".parse().unwrap();
        let refused = check_exposure(public, &settings).unwrap_err().to_string();
        assert!(refused.contains("gateway.token_env") && refused.contains("allow_public_without_token"), "{refused}");
        assert!(check_exposure("127.0.0.1:7878".parse().unwrap(), &settings).is_ok());
        settings.allow_public_without_token = true;
        assert!(check_exposure(public, &settings).is_ok());
        settings.allow_public_without_token = false;
        settings.token = Some("t".into());
        assert!(check_exposure(public, &settings).is_ok());
    }

    #[test]
    fn the_open_file_limit_is_raised_to_the_hard_limit() {
        let soft = zeroclaw::gateway::raise_open_file_limit().expect("known on unix");
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: reads the limits into the struct.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) }, 0);
        #[allow(clippy::unnecessary_cast, reason = "rlim_t is u64 on Linux, not on every unix")]
        let current = limit.rlim_cur as u64;
        assert_eq!(soft, current);
        assert_eq!(limit.rlim_cur, limit.rlim_max, "soft raised to hard");
    }
}
