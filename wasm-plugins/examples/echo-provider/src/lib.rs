//! `echo-provider`: a deterministic offline chat provider. It is not a language model: it
//! answers every request with the last user message behind a configurable prefix, and
//! counts "tokens" as whitespace-separated words.

use serde::Deserialize;
use zeroclaw_pdk::{ChatRequest, ChatResponse, ProviderError, Providers, Role, TokenUsage};

#[derive(Deserialize)]
#[serde(default)]
struct Config {
    prefix: String,
}

impl Default for Config {
    fn default() -> Self {
        Config { prefix: "echo: ".into() }
    }
}

struct Echo;

impl Providers for Echo {
    fn chat(name: &str, request: ChatRequest) -> Result<ChatResponse, ProviderError> {
        if name != "echo" {
            return Err(ProviderError::Permanent(format!("no provider `{name}` here")));
        }
        let config: Config = zeroclaw_pdk::config().map_err(ProviderError::Permanent)?;
        let last =
            request.messages.iter().rev().find(|m| m.role == Role::User).map(|m| m.content.as_str()).unwrap_or("");
        let prompt_tokens: usize = request.messages.iter().map(|m| m.content.split_whitespace().count()).sum();
        let text = format!("{}{last}", config.prefix);
        let completion_tokens = text.split_whitespace().count();
        Ok(ChatResponse {
            usage: TokenUsage { prompt_tokens: prompt_tokens as u32, completion_tokens: completion_tokens as u32 },
            text,
            tool_calls: Vec::new(),
            model: format!("echo/{}", request.model),
        })
    }
}

zeroclaw_pdk::plugin!(providers = Echo);
