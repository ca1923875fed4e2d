//! `text-stats`: a read tool that counts words, lines and characters of a text and names
//! its most frequent words.

use std::collections::BTreeMap;

use serde::Deserialize;
use zeroclaw_pdk::serde_json::{self, json};
use zeroclaw_pdk::{ToolEffect, ToolError, ToolSpec, Tools, tool_spec};

#[derive(Deserialize)]
struct Args {
    text: String,
    #[serde(default = "default_top")]
    top: usize,
}

fn default_top() -> usize {
    3
}

/// The statistics of `text`, as a JSON value.
fn stats(text: &str, top: usize) -> serde_json::Value {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        *counts.entry(word.to_lowercase()).or_default() += 1;
    }
    let mut frequent: Vec<(&String, &usize)> = counts.iter().collect();
    // Most frequent first; ties alphabetical, so the answer is deterministic.
    frequent.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let top_words: Vec<serde_json::Value> =
        frequent.into_iter().take(top).map(|(w, n)| json!({"word": w, "count": n})).collect();
    json!({
        "words": text.split_whitespace().count(),
        "lines": text.lines().count(),
        "chars": text.chars().count(),
        "bytes": text.len(),
        "top_words": top_words,
    })
}

struct TextStats;

impl Tools for TextStats {
    fn specs() -> Vec<ToolSpec> {
        vec![tool_spec(
            "text_stats",
            "Counts the words, lines and characters of a text and lists its most frequent words.",
            json!({
                "type": "object",
                "properties": {
                    "text": {"type": "string", "description": "the text to analyse"},
                    "top": {"type": "integer", "minimum": 0, "maximum": 50, "description": "how many frequent words to list (default 3)"}
                },
                "required": ["text"],
                "additionalProperties": false
            }),
            ToolEffect::Read,
        )]
    }

    fn invoke(name: &str, args: serde_json::Value) -> Result<String, ToolError> {
        match name {
            "text_stats" => {
                let args: Args = zeroclaw_pdk::args(args)?;
                Ok(stats(&args.text, args.top).to_string())
            }
            other => Err(ToolError::Execution(format!("no tool `{other}`"))),
        }
    }
}

zeroclaw_pdk::plugin!(tools = TextStats);
