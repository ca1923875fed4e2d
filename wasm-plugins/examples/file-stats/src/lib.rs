//! `file-stats`: a tool built on another tool. It reads a workspace file by calling the
//! agent's native `file_read` (contract 1.1, `tools:invoke`), so the host's workspace
//! confinement, security policy and hooks judge the read, and the plugin needs no
//! filesystem capability of its own.

use serde::Deserialize;
use zeroclaw_pdk::serde_json::{self, json};
use zeroclaw_pdk::{ToolEffect, ToolError, ToolSpec, Tools, invoke, tool_spec};

#[derive(Deserialize)]
struct Args {
    path: String,
}

struct FileStats;

impl Tools for FileStats {
    fn specs() -> Vec<ToolSpec> {
        vec![tool_spec(
            "file_stats",
            "Counts the lines, words and characters of a file in the workspace.",
            json!({
                "type": "object",
                "properties": {"path": {"type": "string", "description": "the file, relative to the workspace"}},
                "required": ["path"],
                "additionalProperties": false
            }),
            ToolEffect::Read,
        )]
    }

    fn invoke(name: &str, args: serde_json::Value) -> Result<String, ToolError> {
        if name != "file_stats" {
            return Err(ToolError::Execution(format!("no tool `{name}`")));
        }
        let args: Args = zeroclaw_pdk::args(args)?;
        // The host answers with what the model would see; a refusal says why.
        let text = invoke::call("file_read", &json!({"path": args.path}))
            .map_err(|e| ToolError::Execution(format!("cannot read {}: {}", args.path, invoke::describe(&e))))?;
        Ok(json!({
            "path": args.path,
            "lines": text.lines().count(),
            "words": text.split_whitespace().count(),
            "chars": text.chars().count(),
        })
        .to_string())
    }
}

zeroclaw_pdk::plugin!(tools = FileStats);
