//! The OpenAI-compatible provider against a stub server on 127.0.0.1, tool calls included.

use std::sync::Arc;

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use parking_lot::Mutex;
use serde_json::{Value, json};
use zeroclaw::agent::Agent;

use crate::agent::{config, say};

/// What the stub received: the Authorization header and the body of each request.
type Seen = Arc<Mutex<Vec<(Option<String>, Value)>>>;

/// A stub that asks for `calculator` first, then answers with the tool's result.
async fn stub(requests: Seen) -> String {
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        post(move |headers: HeaderMap, Json(body): Json<Value>| {
            let requests = requests.clone();
            async move {
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(String::from);
                requests.lock().push((auth, body.clone()));
                let last = body["messages"].as_array().and_then(|m| m.last()).cloned().unwrap_or_default();
                if last["role"] == "tool" {
                    let answer = format!("The answer is {}.", last["content"].as_str().unwrap_or("?"));
                    return (StatusCode::OK, Json(json!({
                        "model": "stub-1",
                        "choices": [{"message": {"role": "assistant", "content": answer}}],
                        "usage": {"prompt_tokens": 20, "completion_tokens": 5}
                    })));
                }
                (StatusCode::OK, Json(json!({
                    "model": "stub-1",
                    "choices": [{"message": {"role": "assistant", "content": null, "tool_calls": [
                        {"id": "call_a", "type": "function", "function": {"name": "calculator", "arguments": "{\"expression\": \"6*7\"}"}}
                    ]}}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 3}
                })))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/v1")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openai_compatible_provider_works_against_a_local_stub_with_tool_calls() {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let base = stub(requests.clone()).await;
    // SAFETY: read once by this test's provider factory; no other test reads it.
    unsafe { std::env::set_var("ZEROCLAW_OPENAI_TEST_KEY", "sk-test") };
    let dir = tempfile::tempdir().unwrap();
    let rest = format!("[native.openai]\nbase_url = {base:?}\napi_key_env = \"ZEROCLAW_OPENAI_TEST_KEY\"\n");
    let agent = Agent::start(config(dir.path(), "openai", false, "provider = \"openai\"\nmodel = \"stub-1\"", &rest))
        .await
        .unwrap();
    let reply = say(&agent, "s", "what is six times seven?").await;
    let zeroclaw::channels::Reply::Send { text, turn } = reply else { panic!("{reply:?}") };
    assert_eq!(text, "The answer is 42.");
    assert_eq!(turn.usage.total(), 38);
    assert_eq!(turn.tool_calls[0].call.arguments, json!({"expression": "6*7"}));
    let requests = requests.lock().clone();
    assert_eq!(requests.len(), 2);
    let (auth, first) = &requests[0];
    assert_eq!(auth.as_deref(), Some("Bearer sk-test"));
    assert_eq!(first["model"], "stub-1");
    assert_eq!(first["messages"][0]["role"], "system");
    assert_eq!(first["messages"][1], json!({"role": "user", "content": "what is six times seven?"}));
    assert!(
        first["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["function"]["name"] == "calculator" && t["type"] == "function")
    );
    let (_, second) = &requests[1];
    let messages = second["messages"].as_array().unwrap();
    assert_eq!(messages[2]["tool_calls"][0]["function"]["arguments"], "{\"expression\":\"6*7\"}");
    assert_eq!(messages[3], json!({"role": "tool", "content": "42", "tool_call_id": "call_a"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_errors_are_classified_for_retries() {
    use zeroclaw_plugin_api::{ChatMessage, ChatRequest, ProviderError};
    let statuses = Arc::new(Mutex::new(vec![429u16, 503, 400]));
    let served = statuses.clone();
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        post(move || {
            let served = served.clone();
            async move {
                let status = served.lock().remove(0);
                let mut headers = HeaderMap::new();
                headers.insert("retry-after", "2".parse().unwrap());
                (StatusCode::from_u16(status).unwrap(), headers, "nope")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(config(
        dir.path(),
        "openai-errors",
        false,
        "",
        &format!("[native.openai]\nbase_url = {base:?}\n"),
    ))
    .await
    .unwrap();
    let provider = agent.runtime().snapshot().provider("openai").unwrap().provider.clone();
    let request = ChatRequest { model: "m".into(), messages: vec![ChatMessage::user("x")], ..Default::default() };
    assert_eq!(
        provider.chat(&request).await.unwrap_err(),
        ProviderError::RateLimited { message: "429: nope".into(), retry_after_ms: Some(2000) }
    );
    assert!(matches!(provider.chat(&request).await.unwrap_err(), ProviderError::Transient(m) if m.starts_with("503")));
    assert!(matches!(provider.chat(&request).await.unwrap_err(), ProviderError::Permanent(m) if m.starts_with("400")));
    drop(statuses);
}
