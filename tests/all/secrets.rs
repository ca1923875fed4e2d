//! Secrets a plugin never sees (contract 1.1): the host adds them at egress to requests
//! for the hosts they are bound to, and nowhere else: not another allowed host, not a
//! redirect's target, not the guest's environment, kv, config, logs or `plugins inspect`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

use zeroclaw::plugins::PluginRuntime;

use crate::guests::plugin_config;
use crate::sandbox::{Zoo, install};

/// The value of the test's secret; nothing the guest can see may contain it.
const SECRET: &str = "zc-secret-3f9a1c";

/// An HTTP server on 127.0.0.1 that keeps every request, lowercased (head and body, the
/// body read to its end, sized or chunked). A request for `/redirect` is answered `302` to
/// `redirect_to`.
fn server(redirect_to: Option<String>) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let kept = heads.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            let complete = |bytes: &[u8]| {
                let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
                let head = String::from_utf8_lossy(&bytes[..end]).to_lowercase();
                if head.contains("transfer-encoding: chunked") {
                    return bytes.ends_with(b"0\r\n\r\n");
                }
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                bytes.len() >= end + 4 + length
            };
            while !complete(&head) {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let head = String::from_utf8_lossy(&head).to_lowercase();
            let answer = match &redirect_to {
                Some(to) if head.starts_with("get /redirect ") => {
                    format!("HTTP/1.1 302 Found\r\nlocation: {to}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                }
                _ => "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok".to_string(),
            };
            kept.lock().unwrap().push(head);
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (port, heads)
}

/// The zoo `holder` with `http:outbound` and `kv`, allowed to reach both ports, its
/// secret `token` (read from a file) bound to `bound` only.
fn config(root: &Path, bound: u16, other: u16) -> zeroclaw::config::LoadedConfig {
    let _ = crate::guests::built();
    install(root, &Zoo::new("holder").caps(&["http:outbound", "kv"]));
    std::fs::write(root.join("token.txt"), format!("{SECRET}\n")).unwrap();
    let extra = format!(
        "[plugins.entries.holder]\ngrant = [\"http:outbound\", \"kv\"]\nhttp_allow = [\"127.0.0.1:{bound}\", \"127.0.0.1:{other}\"]\n\
         [plugins.entries.holder.config]\ntool_name = \"fault_holder\"\n\
         [plugins.entries.holder.secrets.token]\nfile = \"token.txt\"\nhosts = [\"127.0.0.1:{bound}\"]\n"
    );
    plugin_config(root, &extra)
}

async fn fault(runtime: &PluginRuntime, args: serde_json::Value) -> String {
    let snapshot = runtime.snapshot();
    let tool = snapshot.tool("fault_holder").expect("the zoo is loaded");
    match tool.invoke(&args).await {
        Ok(out) => out,
        Err(e) => e.to_string(),
    }
}

fn get(url: String) -> serde_json::Value {
    serde_json::json!({"kind": "http_get", "url": url})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_reaches_its_host_only_and_a_redirect_drops_it() {
    let (other, other_heads) = server(None);
    let (bound, bound_heads) = server(Some(format!("http://127.0.0.1:{other}/landed")));
    let dir = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::start(config(dir.path(), bound, other)).await.unwrap();
    let header = format!("authorization: bearer {SECRET}");

    assert_eq!(fault(&runtime, get(format!("http://127.0.0.1:{bound}/"))).await, "status 200");
    assert!(bound_heads.lock().unwrap()[0].contains(&header), "{:?}", bound_heads.lock().unwrap());

    assert_eq!(fault(&runtime, get(format!("http://127.0.0.1:{other}/"))).await, "status 200");
    assert!(!other_heads.lock().unwrap()[0].contains(SECRET), "another allowed host never gets it");

    let follow = serde_json::json!({"kind": "http_follow", "url": format!("http://127.0.0.1:{bound}/redirect")});
    assert_eq!(fault(&runtime, follow).await, "status 302 then 200");
    assert!(bound_heads.lock().unwrap()[1].contains(&header), "the request to its host carries it");
    let landed = other_heads.lock().unwrap()[1].clone();
    assert!(landed.starts_with("get /landed "), "{landed}");
    assert!(!landed.contains(SECRET) && !landed.contains("authorization"), "the redirect's target: {landed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guest_knows_a_secret_exists_but_sees_no_trace_of_its_value() {
    let (bound, _) = server(None);
    let (other, _) = server(None);
    let dir = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::start(config(dir.path(), bound, other)).await.unwrap();
    let has = |name: &str| serde_json::json!({"kind": "has_secret", "name": name});
    assert_eq!(fault(&runtime, has("token")).await, "token: true");
    assert_eq!(fault(&runtime, has("other")).await, "other: false");
    assert_eq!(fault(&runtime, serde_json::json!({"kind": "kv_set", "key": "k", "value": "v"})).await, "set k");
    let seen = fault(&runtime, serde_json::json!({"kind": "see_everything"})).await;
    assert!(seen.contains("kv k=v") && seen.contains("config {"), "it reports what it sees: {seen}");
    assert!(!seen.contains(SECRET) && !seen.contains("token.txt"), "{seen}");
}

#[test]
fn neither_the_log_nor_inspect_nor_a_call_shows_the_value() {
    let (bound, heads) = server(None);
    let (other, _) = server(None);
    let dir = tempfile::tempdir().unwrap();
    drop(config(dir.path(), bound, other));
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_zeroclaw"))
            .args(args)
            .current_dir(dir.path())
            // Every line the host, the plugin, wasi-http and hyper write (cranelift's own
            // trace lines, about compiling, would only slow the test down).
            .env("ZEROCLAW_LOG", "zeroclaw=trace,plugin=trace,wasmtime_wasi_http=trace,hyper=trace,hyper_util=trace")
            .output()
            .unwrap();
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let args = get(format!("http://127.0.0.1:{bound}/")).to_string();
    let (stdout, stderr) = run(&["plugins", "call", "holder", "fault_holder", &args]);
    assert!(stdout.contains("status 200"), "{stdout}\n{stderr}");
    assert!(heads.lock().unwrap()[0].contains(SECRET), "the request carried it");
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET), "a trace-level log: {stderr}");
    let (stdout, stderr) = run(&["plugins", "inspect", "holder"]);
    assert!(stdout.contains("secrets       token (file token.txt; header Authorization to 127.0.0.1:"), "{stdout}");
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET), "{stdout}\n{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notify_example_posts_a_finished_turn_with_the_token_it_never_sees() {
    let (port, requests) = server(None);
    let dir = tempfile::tempdir().unwrap();
    crate::guests::install_guest("notify", &dir.path().join("plugins"));
    // SAFETY: set before the agent starts; no other test reads this variable.
    unsafe { std::env::set_var("ZEROCLAW_TEST_NOTIFY_TOKEN", SECRET) };
    let rest = format!(
        "[plugins.entries.notify]\ngrant = [\"http:outbound\", \"conversation:read\"]\nhttp_allow = [\"127.0.0.1:{port}\"]\n\
         config = {{ url = \"http://127.0.0.1:{port}/hook\" }}\n\
         [plugins.entries.notify.secrets.webhook]\nenv = \"ZEROCLAW_TEST_NOTIFY_TOKEN\"\nhosts = [\"127.0.0.1:{port}\"]\n"
    );
    let agent =
        zeroclaw::agent::Agent::start(crate::agent::config(dir.path(), "notify", true, "", &rest)).await.unwrap();
    let reply = crate::agent::say(&agent, "s1", "hello").await;
    let reply = crate::agent::text(&reply).to_lowercase();
    // agent_end runs beside the turn: wait for its request (bounded, not timed).
    let mut posted = None;
    for _ in 0..600 {
        if let Some(request) = requests.lock().unwrap().first().cloned() {
            posted = Some(request);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let posted = posted.expect("the webhook got the turn");
    assert!(posted.starts_with("post /hook "), "{posted}");
    assert!(posted.contains(&format!("authorization: bearer {SECRET}")), "{posted}");
    assert!(posted.contains("\"session\":\"s1\""), "{posted}");
    assert!(posted.contains(&reply), "the reply's text ({reply}): {posted}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_that_would_open_a_secret_to_the_guest_refuses_the_plugin() {
    let _ = crate::guests::built();
    let status = |caps: &'static [&'static str], lists: String| async move {
        let dir = tempfile::tempdir().unwrap();
        install(dir.path(), &Zoo::new("leaky").caps(caps));
        std::fs::create_dir_all(dir.path().join("shared")).unwrap();
        std::fs::write(dir.path().join("shared/token.txt"), SECRET).unwrap();
        let extra = format!(
            "[plugins.entries.leaky]\ngrant = {caps:?}\nhttp_allow = [\"127.0.0.1\"]\n{lists}\n\
             [plugins.entries.leaky.secrets.token]\nfile = \"shared/token.txt\"\nhosts = [\"127.0.0.1\"]\n\
             [plugins.entries.other.secrets.key]\nenv = \"ZEROCLAW_TEST_OTHER_KEY\"\nhosts = [\"a.example\"]\n"
        );
        let runtime = PluginRuntime::start(plugin_config(dir.path(), &extra)).await.unwrap();
        let snapshot = runtime.snapshot();
        format!("{:?}", snapshot.plugins().iter().find(|p| p.id == "leaky").unwrap().status)
    };
    let env = status(&["http:outbound", "env"], "env = [\"ZEROCLAW_TEST_OTHER_KEY\"]".into()).await;
    assert!(env.contains("plugins.entries.leaky.env: `ZEROCLAW_TEST_OTHER_KEY` holds a secret"), "{env}");
    let dir = status(&["http:outbound", "fs:read"], "fs_read = [\"shared\"]".into()).await;
    assert!(dir.contains("plugins.entries.leaky.fs_read: ") && dir.contains("holds the secret file"), "{dir}");
}
