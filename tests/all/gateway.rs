//! The HTTP gateway: routes, the token guard, limits, and graceful shutdown.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use zeroclaw::agent::Agent;
use zeroclaw::gateway::{GatewaySettings, serve};
use zeroclaw_plugin_api::{HookPayload, SessionEndReason};

use crate::agent::config;
use crate::recorder;

struct Running {
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    served: tokio::task::JoinHandle<Result<(), zeroclaw::gateway::GatewayError>>,
}

async fn start(agent: Arc<Agent>) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let settings = GatewaySettings::from_agent(&agent).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(serve(agent, listener, settings, async move {
        let _ = stopped.await;
        "test".to_string()
    }));
    Running { base, stop, served }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fire_gateway_stop_is_called_on_shutdown_path() {
    let dir = tempfile::tempdir().unwrap();
    let rest = "[native.test_recorder]\ndelay = { before_llm_call = 400 }\n";
    let agent = Agent::start(config(dir.path(), "gw-stop", false, "", rest)).await.unwrap();
    let running = start(agent.clone()).await;
    let client = reqwest::Client::new();
    let url = format!("{}/v1/chat", running.base);
    // One request completes, leaving its session open; a second is in flight at shutdown.
    let first =
        client.post(&url).json(&serde_json::json!({"session_id": "one", "message": "hi"})).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let in_flight = tokio::spawn(
        client.post(&url).json(&serde_json::json!({"session_id": "two", "message": "still there?"})).send(),
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    running.stop.send(()).unwrap();
    let answer = in_flight.await.unwrap().expect("the request in flight is finished, not cut");
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["reply"], "You said: still there?");
    running.served.await.unwrap().expect("serve returns cleanly");

    let records = recorder::recorded("gw-stop");
    let stops: Vec<&HookPayload> = records.iter().filter(|p| matches!(p, HookPayload::GatewayStop(_))).collect();
    assert_eq!(stops.len(), 1, "gateway_stop fires exactly once");
    let HookPayload::GatewayStop(stop) = stops[0] else { unreachable!() };
    assert_eq!(stop.reason, "test");
    assert_eq!(records.iter().filter(|p| matches!(p, HookPayload::GatewayStart(_))).count(), 1);
    let ends: Vec<(String, SessionEndReason)> = records
        .iter()
        .filter_map(|p| match p {
            HookPayload::SessionEnd(e) => Some((e.session_id.clone(), e.reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        ends,
        [("one".to_string(), SessionEndReason::Shutdown), ("two".to_string(), SessionEndReason::Shutdown)]
    );
    let last = records.last().unwrap();
    assert!(
        matches!(last, HookPayload::GatewayStop(_)) || matches!(last, HookPayload::ObserverEvent(_)),
        "gateway_stop comes after the session ends"
    );
    assert!(
        client.post(&url).json(&serde_json::json!({"session_id": "x", "message": "late"})).send().await.is_err(),
        "no longer accepting"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_guard_limits_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    // SAFETY: read once by this test's agent; no other test reads this variable.
    unsafe { std::env::set_var("ZEROCLAW_GATEWAY_TEST_TOKEN", "s3cret") };
    let rest = "[gateway]\ntoken_env = \"ZEROCLAW_GATEWAY_TEST_TOKEN\"\nmax_body_bytes = 1024\n";
    let agent = Agent::start(config(dir.path(), "gw-routes", false, "", rest)).await.unwrap();
    let running = start(agent).await;
    let client = reqwest::Client::new();
    let base = &running.base;
    let health = client.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200, "health needs no token");
    for path in ["/plugins", "/metrics"] {
        assert_eq!(client.get(format!("{base}{path}")).send().await.unwrap().status(), 401, "{path}");
        assert_eq!(
            client.get(format!("{base}{path}")).bearer_auth("wrong").send().await.unwrap().status(),
            401,
            "{path}"
        );
    }
    let chat =
        |body: serde_json::Value| client.post(format!("{base}/v1/chat")).bearer_auth("s3cret").json(&body).send();
    assert_eq!(
        client
            .post(format!("{base}/v1/chat"))
            .json(&serde_json::json!({"session_id": "a", "message": "hi"}))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let ok = chat(serde_json::json!({"session_id": "a", "message": "calculate 2+2"})).await.unwrap();
    assert_eq!(ok.status(), 200);
    let body: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(body["reply"], "`calculator`: 4");
    assert_eq!(
        body["tool_calls"][0],
        serde_json::json!({"name": "calculator", "owner": "native:calculator", "ok": true})
    );
    let bad = chat(serde_json::json!({"session_id": "a b", "message": "x"})).await.unwrap();
    assert_eq!(bad.status(), 400);
    let empty = chat(serde_json::json!({"session_id": "a", "message": " "})).await.unwrap();
    assert_eq!(empty.status(), 400);
    let unknown = chat(serde_json::json!({"session_id": "a", "message": "x", "extra": 1})).await.unwrap();
    assert_eq!(unknown.status(), 422);
    assert!(unknown.text().await.unwrap().contains("unknown field `extra`"));
    let huge = chat(serde_json::json!({"session_id": "a", "message": "x".repeat(4096)})).await.unwrap();
    assert_eq!(huge.status(), 413, "the body limit holds");
    let plugins: serde_json::Value =
        client.get(format!("{base}/plugins")).bearer_auth("s3cret").send().await.unwrap().json().await.unwrap();
    assert_eq!(plugins["generation"], 1);
    assert!(plugins["plugins"].as_array().unwrap().iter().any(|p| p["id"] == "calculator" && p["status"] == "active"));
    let metrics =
        client.get(format!("{base}/metrics")).bearer_auth("s3cret").send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("zeroclaw_turns_total 1"), "{metrics}");
    assert!(
        metrics.contains("zeroclaw_tool_calls_total{plugin=\"native:calculator\",tool=\"calculator\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "zeroclaw_hook_calls_total{plugin=\"native:test_recorder\",hook=\"before_llm_call\",handler=\"record\"} 2"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("zeroclaw_hook_duration_seconds_bucket{plugin=\"native:test_recorder\",hook=\"agent_end\",handler=\"record\",le=\"+Inf\"} 1"), "{metrics}");
    let provider_calls = metrics
        .lines()
        .find_map(|l| l.strip_prefix("zeroclaw_provider_calls_total{plugin=\"native:offline\",provider=\"offline\"} "))
        .and_then(|n| n.parse::<u64>().ok());
    assert_eq!(provider_calls, Some(2), "the turn's two provider calls are counted: {metrics}");
    running.stop.send(()).unwrap();
    running.served.await.unwrap().unwrap();
}

#[test]
fn the_gateway_process_exits_0_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_zeroclaw"))
        .args(["gateway", "--bind", &format!("127.0.0.1:{port}")])
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env_remove("XDG_DATA_HOME")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(up, "the gateway came up");
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit 0: {stderr}");
    assert!(stderr.contains("zeroclaw gateway stopped"), "{stderr}");
}
