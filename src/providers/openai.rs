//! `openai`: any server that speaks the OpenAI chat-completions API (OpenAI itself, or a
//! local server such as llama.cpp, vLLM, Ollama), with tool calling.
//!
//! ```toml
//! [native.openai]
//! base_url = "http://127.0.0.1:8080/v1"   # default https://api.openai.com/v1
//! api_key_env = "OPENAI_API_KEY"          # no key: no Authorization header (local servers)
//! timeout_ms = 60000
//! ```
//!
//! Errors are classified for the `reliable` wrapper: 429 is rate limited (with the
//! server's `retry-after`), 5xx, timeouts and connection failures are transient, other
//! 4xx and malformed answers are permanent.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use zeroclaw_plugin_api::{
    ChatMessage, ChatRequest, ChatResponse, FactoryError, PluginContext, Provider, ProviderError, Role, TokenUsage,
    ToolCall, async_trait, register_provider,
};

register_provider! {
    plugin: "openai",
    description: "OpenAI-compatible chat-completions HTTP API (any local server that speaks it)",
    factory: build,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct OpenAiConfig {
    base_url: String,
    api_key_env: String,
    timeout_ms: u64,
}

impl Default for OpenAiConfig {
    fn default() -> Self {
        OpenAiConfig {
            base_url: "https://api.openai.com/v1".into(),
            api_key_env: "OPENAI_API_KEY".into(),
            timeout_ms: 60_000,
        }
    }
}

fn build(ctx: &PluginContext) -> Result<Vec<Arc<dyn Provider>>, FactoryError> {
    let config: OpenAiConfig = ctx.config()?;
    if config.timeout_ms == 0 {
        return Err(FactoryError::Config("timeout_ms must be at least 1".into()));
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(config.timeout_ms))
        .build()
        .map_err(|e| FactoryError::Init(format!("cannot build the HTTP client: {e}")))?;
    Ok(vec![Arc::new(OpenAi {
        endpoint: format!("{}/chat/completions", config.base_url.trim_end_matches('/')),
        api_key: std::env::var(&config.api_key_env).ok().filter(|k| !k.is_empty()),
        client,
    })])
}

/// The provider.
pub struct OpenAi {
    endpoint: String,
    api_key: Option<String>,
    client: reqwest::Client,
}

fn message_json(message: &ChatMessage) -> Value {
    let mut m = json!({"role": message.role.as_str(), "content": message.content});
    if !message.tool_calls.is_empty() {
        m["tool_calls"] = message
            .tool_calls
            .iter()
            .map(|c| json!({"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments.to_string()}}))
            .collect();
    }
    if let Some(id) = &message.tool_call_id {
        m["tool_call_id"] = json!(id);
    }
    if message.role == Role::Assistant && message.content.is_empty() && !message.tool_calls.is_empty() {
        m["content"] = Value::Null;
    }
    m
}

/// The request body.
pub fn request_body(request: &ChatRequest) -> Value {
    let mut body = json!({
        "model": request.model,
        "messages": request.messages.iter().map(message_json).collect::<Vec<_>>(),
    });
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|t| json!({"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}))
            .collect();
    }
    if let Some(t) = request.temperature {
        body["temperature"] = json!(t);
    }
    body
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
    #[serde(default)]
    model: String,
}

#[derive(Deserialize)]
struct Choice {
    message: AnswerMessage,
}

#[derive(Deserialize)]
struct AnswerMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<AnswerCall>,
}

#[derive(Deserialize)]
struct AnswerCall {
    id: String,
    function: AnswerFunction,
}

#[derive(Deserialize)]
struct AnswerFunction {
    name: String,
    arguments: String,
}

#[derive(Deserialize)]
struct Usage {
    prompt_tokens: u32,
    completion_tokens: u32,
}

/// Reads a chat-completions answer.
pub fn parse_response(text: &str) -> Result<ChatResponse, ProviderError> {
    let completion: Completion =
        serde_json::from_str(text).map_err(|e| ProviderError::Permanent(format!("malformed answer: {e}")))?;
    let choice = completion
        .choices
        .into_iter()
        .next()
        .ok_or_else(|| ProviderError::Permanent("the answer has no choices".into()))?;
    let tool_calls = choice
        .message
        .tool_calls
        .into_iter()
        .map(|c| {
            let arguments = if c.function.arguments.trim().is_empty() {
                json!({})
            } else {
                serde_json::from_str(&c.function.arguments).map_err(|e| {
                    ProviderError::Permanent(format!(
                        "tool call `{}` has arguments that are not JSON: {e}",
                        c.function.name
                    ))
                })?
            };
            Ok(ToolCall { id: c.id, name: c.function.name, arguments })
        })
        .collect::<Result<_, ProviderError>>()?;
    let usage = completion.usage.map_or_else(TokenUsage::default, |u| TokenUsage {
        prompt_tokens: u.prompt_tokens,
        completion_tokens: u.completion_tokens,
    });
    Ok(ChatResponse { text: choice.message.content.unwrap_or_default(), tool_calls, usage, model: completion.model })
}

#[async_trait]
impl Provider for OpenAi {
    fn name(&self) -> &str {
        "openai"
    }

    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let mut http = self.client.post(&self.endpoint).json(&request_body(request));
        if let Some(key) = &self.api_key {
            http = http.bearer_auth(key);
        }
        let response = http.send().await.map_err(|e| ProviderError::Transient(format!("{}: {e}", self.endpoint)))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .map(|secs| secs * 1000);
        let text = response.text().await.map_err(|e| ProviderError::Transient(format!("reading the answer: {e}")))?;
        let excerpt: String = text.chars().take(300).collect();
        match status.as_u16() {
            200..=299 => parse_response(&text),
            429 => Err(ProviderError::RateLimited { message: format!("429: {excerpt}"), retry_after_ms: retry_after }),
            500..=599 => Err(ProviderError::Transient(format!("{status}: {excerpt}"))),
            _ => Err(ProviderError::Permanent(format!("{status}: {excerpt}"))),
        }
    }
}
