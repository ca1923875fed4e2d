//! `offline`: a deterministic, rule-based provider for demos and tests. It is **not** a
//! language model: the same request always gets the same answer, and it needs no network.
//!
//! Rules, on the last message of the request:
//! - a tool result → "`<tool>`: <result>" for each result since the model's last call;
//! - a compaction request (the system prompt is [`SUMMARIZE_PROMPT`](super::SUMMARIZE_PROMPT))
//!   → "Summary of N messages: the user said: …" built from the conversation's user lines;
//! - a user message, when a tool it names is available:
//!   `use <tool> <json args>` → that call; `… time …` → `clock`; `calculate <expr>` →
//!   `calculator`; `read <path>` → `file_read`; `write <path>: <text>` → `file_write`;
//!   `stats: <text>` → `text_stats`; `query <path> in <json>` → `json_query`;
//! - otherwise a plain answer that repeats the message.

use std::sync::Arc;

use zeroclaw_plugin_api::{
    ChatMessage, ChatRequest, ChatResponse, FactoryError, PluginContext, Provider, ProviderError, Role, TokenUsage,
    ToolCall, async_trait, register_provider,
};

use super::SUMMARIZE_PROMPT;

register_provider! {
    plugin: "offline",
    description: "deterministic rule-based responder for demos and tests (not a language model)",
    factory: build,
}

fn build(_ctx: &PluginContext) -> Result<Vec<Arc<dyn Provider>>, FactoryError> {
    Ok(vec![Arc::new(Offline)])
}

/// The offline provider.
pub struct Offline;

fn words(text: &str) -> u32 {
    text.split_whitespace().count() as u32
}

fn call(request: &ChatRequest, name: &str, arguments: serde_json::Value) -> Option<ToolCall> {
    request.tools.iter().any(|t| t.name == name).then(|| ToolCall {
        id: format!("call_{}_{}", request.messages.len(), name),
        name: name.to_string(),
        arguments,
    })
}

/// The tool call a user message asks for, if an available tool fits.
fn wanted_call(request: &ChatRequest, text: &str) -> Option<ToolCall> {
    let lower = text.to_lowercase();
    if let Some(rest) = text.strip_prefix("use ") {
        let (name, args) = rest.split_once(' ').unwrap_or((rest, "{}"));
        let args = serde_json::from_str(args).unwrap_or_else(|_| serde_json::json!({}));
        return call(request, name.trim(), args);
    }
    if let Some(expr) = lower.strip_prefix("calculate ").or_else(|| lower.strip_prefix("compute ")) {
        return call(request, "calculator", serde_json::json!({"expression": expr.trim()}));
    }
    if let Some(path) = text.strip_prefix("read ") {
        return call(request, "file_read", serde_json::json!({"path": path.trim()}));
    }
    if let Some(rest) = text.strip_prefix("write ")
        && let Some((path, content)) = rest.split_once(": ")
    {
        return call(request, "file_write", serde_json::json!({"path": path.trim(), "content": content}));
    }
    if let Some(body) = text.strip_prefix("stats: ") {
        return call(request, "text_stats", serde_json::json!({"text": body}));
    }
    if let Some(rest) = text.strip_prefix("query ")
        && let Some((path, document)) = rest.split_once(" in ")
    {
        return call(request, "json_query", serde_json::json!({"path": path.trim(), "document": document.trim()}));
    }
    if lower.contains("time") {
        return call(request, "clock", serde_json::json!({}));
    }
    None
}

/// Answers tool results since the model's last tool call.
fn answer_results(messages: &[ChatMessage]) -> String {
    let start = messages.iter().rposition(|m| m.role == Role::Assistant).map_or(0, |i| i + 1);
    let names: Vec<(String, String)> =
        messages[..start].iter().flat_map(|m| m.tool_calls.iter().map(|c| (c.id.clone(), c.name.clone()))).collect();
    messages[start..]
        .iter()
        .filter(|m| m.role == Role::Tool)
        .map(|m| {
            let name = names
                .iter()
                .find(|(id, _)| Some(id) == m.tool_call_id.as_ref())
                .map_or("tool", |(_, name)| name.as_str());
            format!("`{name}`: {}", m.content)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Summarises a compaction request: the conversation arrives rendered as `role: text`
/// lines in the user message.
fn summarize(messages: &[ChatMessage]) -> String {
    let text: Vec<&str> = messages.iter().filter(|m| m.role == Role::User).flat_map(|m| m.content.lines()).collect();
    let said: Vec<String> = text
        .iter()
        .filter_map(|line| line.strip_prefix("user: "))
        .map(|line| line.split_whitespace().take(8).collect::<Vec<_>>().join(" "))
        .collect();
    format!("Summary of {} messages: the user said: {}.", text.len(), said.join("; "))
}

#[async_trait]
impl Provider for Offline {
    fn name(&self) -> &str {
        "offline"
    }

    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let prompt_tokens = request.messages.iter().map(|m| words(&m.content)).sum();
        let respond = |text: String, tool_calls: Vec<ToolCall>| ChatResponse {
            usage: TokenUsage { prompt_tokens, completion_tokens: words(&text) },
            text,
            tool_calls,
            model: "offline".into(),
        };
        let Some(last) = request.messages.last() else {
            return Err(ProviderError::Permanent("the request has no messages".into()));
        };
        if request.messages.first().is_some_and(|m| m.role == Role::System && m.content == SUMMARIZE_PROMPT) {
            return Ok(respond(summarize(&request.messages), Vec::new()));
        }
        if last.role == Role::Tool {
            return Ok(respond(answer_results(&request.messages), Vec::new()));
        }
        if last.role == Role::User
            && let Some(call) = wanted_call(request, &last.content)
        {
            return Ok(respond(String::new(), vec![call]));
        }
        Ok(respond(format!("You said: {}", last.content), Vec::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroclaw_plugin_api::{ToolEffect, ToolResult, ToolSpec};

    fn request(messages: Vec<ChatMessage>) -> ChatRequest {
        let tool = |name: &str| ToolSpec {
            name: name.into(),
            description: String::new(),
            parameters: serde_json::json!({}),
            effect: ToolEffect::Read,
        };
        ChatRequest {
            model: "offline".into(),
            messages,
            tools: vec![tool("clock"), tool("calculator")],
            temperature: None,
        }
    }

    #[tokio::test]
    async fn calls_tools_when_asked_and_answers_plainly_otherwise() {
        let r = Offline.chat(&request(vec![ChatMessage::user("what time is it?")])).await.unwrap();
        assert_eq!(r.tool_calls[0].name, "clock");
        let r = Offline.chat(&request(vec![ChatMessage::user("calculate 2+2")])).await.unwrap();
        assert_eq!(r.tool_calls[0].arguments, serde_json::json!({"expression": "2+2"}));
        let r = Offline.chat(&request(vec![ChatMessage::user("read x.txt")])).await.unwrap();
        assert!(r.tool_calls.is_empty(), "file_read is not offered here");
        assert_eq!(r.text, "You said: read x.txt");
        let call = ToolCall { id: "c1".into(), name: "clock".into(), arguments: serde_json::json!({}) };
        let result = ToolResult { call_id: "c1".into(), name: "clock".into(), content: "noon".into(), is_error: false };
        let r = Offline
            .chat(&request(vec![
                ChatMessage::user("time?"),
                ChatMessage::assistant_calls("", vec![call]),
                ChatMessage::tool_result(&result),
            ]))
            .await
            .unwrap();
        assert_eq!(r.text, "`clock`: noon");
    }

    #[tokio::test]
    async fn the_same_request_gets_the_same_answer() {
        let req = request(vec![ChatMessage::user("hello")]);
        assert_eq!(Offline.chat(&req).await.unwrap(), Offline.chat(&req).await.unwrap());
    }

    /// The first `code` span of a Markdown table cell.
    fn code(cell: &str) -> &str {
        cell.split('`').nth(1).unwrap_or_default()
    }

    #[tokio::test]
    async fn the_documented_rules_are_the_rules() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/builtins.md")).unwrap();
        let table = doc.split("The tool rules").nth(1).expect("docs/builtins.md has the offline rules");
        let rows: Vec<Vec<&str>> = table
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .skip(2) // header and rule
            .map(|l| l.trim_matches('|').split(" | ").collect())
            .collect();
        assert!(rows.len() >= 7, "{rows:?}");
        let tools: Vec<&str> = rows.iter().map(|r| code(r[1])).collect();
        for row in &rows {
            let (message, tool, args) = (code(row[0]), code(row[1]), code(row[2]));
            let mut req = request(vec![ChatMessage::user(message)]);
            req.tools = tools
                .iter()
                .map(|name| ToolSpec {
                    name: (*name).into(),
                    description: String::new(),
                    parameters: serde_json::json!({}),
                    effect: ToolEffect::Read,
                })
                .collect();
            let answer = Offline.chat(&req).await.unwrap();
            assert_eq!(answer.tool_calls.len(), 1, "`{message}` calls one tool");
            assert_eq!(answer.tool_calls[0].name, tool, "`{message}`");
            let expected: serde_json::Value = serde_json::from_str(args).unwrap();
            assert_eq!(answer.tool_calls[0].arguments, expected, "`{message}`");
        }
    }
}
