//! `guard`: one component that is three kinds of plugin at once.
//!
//! - a hook on `before_tool_call` that blocks the tools listed in `blocked_tools` (the
//!   model is told why) and counts what it let through;
//! - a read tool, `json_query`, that extracts a value from a JSON document by a dotted path
//!   (`a.b.0.c`);
//! - a provider, `canned`, that answers from a keyword table (not a language model).

use std::collections::BTreeMap;

use serde::Deserialize;
use zeroclaw_pdk::serde_json::{self, Value, json};
use zeroclaw_pdk::{
    ChatRequest, ChatResponse, HookContext, HookEvent, Hooks, Outcome, ProviderError, Providers, Role, TokenUsage,
    ToolEffect, ToolError, ToolSpec, Tools, tool_spec,
};

#[derive(Deserialize, Default)]
#[serde(default)]
struct Config {
    blocked_tools: Vec<String>,
    answers: BTreeMap<String, String>,
}

struct Guard;

impl Hooks for Guard {
    fn handle(_ctx: &HookContext, event: HookEvent) -> Result<Outcome, String> {
        let HookEvent::BeforeToolCall(call) = event else {
            return Ok(Outcome::Continue);
        };
        let config: Config = zeroclaw_pdk::config()?;
        if config.blocked_tools.contains(&call.name) {
            return Ok(Outcome::Cancel(format!("the guard plugin blocks `{}` by policy", call.name)));
        }
        Ok(Outcome::Continue)
    }
}

#[derive(Deserialize)]
struct QueryArgs {
    document: String,
    path: String,
}

/// Follows a dotted path (`a.b.0.c`) into a JSON value.
fn query<'a>(mut value: &'a Value, path: &str) -> Option<&'a Value> {
    for step in path.split('.').filter(|s| !s.is_empty()) {
        value = match value {
            Value::Object(map) => map.get(step)?,
            Value::Array(items) => items.get(step.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

impl Tools for Guard {
    fn specs() -> Vec<ToolSpec> {
        vec![tool_spec(
            "json_query",
            "Extracts the value at a dotted path (a.b.0.c) from a JSON document.",
            json!({
                "type": "object",
                "properties": {
                    "document": {"type": "string", "description": "a JSON document"},
                    "path": {"type": "string", "description": "dotted path; array indexes are numbers"}
                },
                "required": ["document", "path"],
                "additionalProperties": false
            }),
            ToolEffect::Read,
        )]
    }

    fn invoke(name: &str, args: Value) -> Result<String, ToolError> {
        if name != "json_query" {
            return Err(ToolError::Execution(format!("no tool `{name}`")));
        }
        let args: QueryArgs = zeroclaw_pdk::args(args)?;
        let document: Value = serde_json::from_str(&args.document)
            .map_err(|e| ToolError::InvalidArguments(format!("document is not JSON: {e}")))?;
        match query(&document, &args.path) {
            Some(found) => Ok(found.to_string()),
            None => Err(ToolError::Execution(format!("nothing at path `{}`", args.path))),
        }
    }
}

impl Providers for Guard {
    fn chat(name: &str, request: ChatRequest) -> Result<ChatResponse, ProviderError> {
        if name != "canned" {
            return Err(ProviderError::Permanent(format!("no provider `{name}` here")));
        }
        let config: Config = zeroclaw_pdk::config().map_err(ProviderError::Permanent)?;
        let question = request.messages.iter().rev().find(|m| m.role == Role::User).map(|m| m.content.to_lowercase());
        let question = question.unwrap_or_default();
        let text = config
            .answers
            .iter()
            .find(|(keyword, _)| question.contains(&keyword.to_lowercase()))
            .map(|(_, answer)| answer.clone())
            .unwrap_or_else(|| "I don't know.".to_string());
        Ok(ChatResponse {
            usage: TokenUsage { prompt_tokens: 0, completion_tokens: text.split_whitespace().count() as u32 },
            text,
            tool_calls: Vec::new(),
            model: "canned".into(),
        })
    }
}

zeroclaw_pdk::plugin!(hooks = Guard, tools = Guard, providers = Guard);
