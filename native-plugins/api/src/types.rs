//! The values that flow between the agent, its providers and its tools.

use serde::{Deserialize, Serialize};

use crate::tool::ToolSpec;

/// Who wrote a chat message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions to the model.
    System,
    /// The human (or channel) side.
    User,
    /// The model.
    Assistant,
    /// A tool's result, answering an assistant tool call.
    Tool,
}

impl Role {
    /// The lowercase wire name (`system`, `user`, `assistant`, `tool`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who wrote it.
    pub role: Role,
    /// Its text.
    pub content: String,
    /// Tool calls requested by an assistant message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// For a `Role::Tool` message: the id of the call it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    fn new(role: Role, content: impl Into<String>) -> Self {
        ChatMessage { role, content: content.into(), tool_calls: Vec::new(), tool_call_id: None }
    }

    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Self::new(Role::System, content)
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self::new(Role::User, content)
    }

    /// An assistant message without tool calls.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new(Role::Assistant, content)
    }

    /// An assistant message that requests tool calls.
    pub fn assistant_calls(content: impl Into<String>, calls: Vec<ToolCall>) -> Self {
        ChatMessage { tool_calls: calls, ..Self::new(Role::Assistant, content) }
    }

    /// The message that carries a tool's result back to the model.
    pub fn tool_result(result: &ToolResult) -> Self {
        ChatMessage { tool_call_id: Some(result.call_id.clone()), ..Self::new(Role::Tool, result.content.clone()) }
    }
}

/// A call the model asks the agent to make.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// Provider-assigned id; the result message refers to it.
    pub id: String,
    /// The tool name, as in its [`ToolSpec`].
    pub name: String,
    /// Arguments, a JSON value checked against the tool's schema before the call.
    pub arguments: serde_json::Value,
}

/// What a tool call produced, as it enters the history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolResult {
    /// The id of the [`ToolCall`] it answers.
    pub call_id: String,
    /// The tool name.
    pub name: String,
    /// The text the model sees.
    pub content: String,
    /// True when the call failed or was refused; `content` then says why.
    pub is_error: bool,
}

/// Token counts reported by a provider.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Tokens in the request.
    pub prompt_tokens: u32,
    /// Tokens in the response.
    pub completion_tokens: u32,
}

impl TokenUsage {
    /// Sum of both counts.
    pub fn total(&self) -> u32 {
        self.prompt_tokens.saturating_add(self.completion_tokens)
    }

    /// Adds another usage into this one.
    pub fn add(&mut self, other: TokenUsage) {
        self.prompt_tokens = self.prompt_tokens.saturating_add(other.prompt_tokens);
        self.completion_tokens = self.completion_tokens.saturating_add(other.completion_tokens);
    }
}

/// A request to a chat model.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The model name, or a routing hint such as `hint:fast`.
    pub model: String,
    /// The conversation, system message first.
    pub messages: Vec<ChatMessage>,
    /// The tools the model may call.
    #[serde(default)]
    pub tools: Vec<ToolSpec>,
    /// Sampling temperature, when the caller sets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
}

/// A chat model's answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The reply text (may be empty when the model only calls tools).
    pub text: String,
    /// Tool calls the model requests.
    #[serde(default)]
    pub tool_calls: Vec<ToolCall>,
    /// Token counts.
    #[serde(default)]
    pub usage: TokenUsage,
    /// The model that answered.
    #[serde(default)]
    pub model: String,
}
