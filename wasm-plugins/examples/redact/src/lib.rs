//! `redact`: a modifying hook on `tool_result_persist` that removes secrets from tool
//! results before they enter the history, the transcript and the next model request.
//!
//! A word is a secret when it starts with one of the configured prefixes (API keys such as
//! `sk-…`), or when it is the value of a configured key (`password=…`, `token: …`).

use serde::Deserialize;
use zeroclaw_pdk::{HookContext, HookEvent, Hooks, Outcome};

/// `plugins.entries.redact.config`.
#[derive(Deserialize)]
#[serde(default)]
struct Config {
    prefixes: Vec<String>,
    keys: Vec<String>,
    replacement: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            prefixes: vec!["sk-".into(), "ghp_".into(), "AKIA".into()],
            keys: vec!["password".into(), "secret".into(), "token".into()],
            replacement: "[REDACTED]".into(),
        }
    }
}

/// Replaces every secret in `text`; returns the new text and how many were replaced.
fn redact(text: &str, config: &Config) -> (String, usize) {
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut redact_next_value = false;
    for piece in text.split_inclusive(|c: char| c.is_whitespace()) {
        let word = piece.trim_end();
        let tail = &piece[word.len()..];
        let lower = word.to_ascii_lowercase();
        let key_value = config.keys.iter().find_map(|key| {
            let rest = lower.strip_prefix(key.as_str())?;
            let sep = rest.chars().next().filter(|c| *c == '=' || *c == ':')?;
            Some(key.len() + sep.len_utf8())
        });
        if redact_next_value && !word.is_empty() {
            out.push_str(&config.replacement);
            count += 1;
            redact_next_value = false;
        } else if let Some(split) = key_value {
            out.push_str(&word[..split]);
            if split < word.len() {
                out.push_str(&config.replacement);
                count += 1;
            } else {
                // `token: abc` — the value is the next word.
                redact_next_value = true;
            }
        } else if config.prefixes.iter().any(|p| word.starts_with(p.as_str()) && word.len() > p.len() + 3) {
            out.push_str(&config.replacement);
            count += 1;
        } else {
            out.push_str(word);
        }
        out.push_str(tail);
    }
    (out, count)
}

struct Redact;

impl Hooks for Redact {
    fn handle(_ctx: &HookContext, event: HookEvent) -> Result<Outcome, String> {
        let HookEvent::ToolResultPersist(mut persist) = event else {
            return Ok(Outcome::Continue);
        };
        let config: Config = zeroclaw_pdk::config()?;
        let (content, count) = redact(&persist.result.content, &config);
        if count == 0 {
            return Ok(Outcome::Continue);
        }
        zeroclaw_pdk::log::info(&format!("redacted {count} secret(s) from the result of `{}`", persist.call.name));
        persist.result.content = content;
        Ok(Outcome::Modify(HookEvent::ToolResultPersist(persist)))
    }
}

zeroclaw_pdk::plugin!(hooks = Redact);
