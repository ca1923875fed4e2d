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

/// An HTTP server on 127.0.0.1 that keeps every request's head, lowercased. A request for
/// `/redirect` is answered `302` to `redirect_to`.
fn server(redirect_to: Option<String>) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let kept = heads.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
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
            .env("ZEROCLAW_LOG", "trace")
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
