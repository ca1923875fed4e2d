//! `command_logger`: a built-in native hook that appends one JSON line per tool call.
//!
//! On `after_tool_call` it writes `{"ts", "session", "tool", "call_id", "owner", "success",
//! "duration_ms"}` to a JSON-lines file in the host's state directory (where no tool can
//! reach it), so an operator can audit what the agent ran. Enable it with `hooks.builtin.command_logger = true`; configure it in
//! `[native.command_logger]`:
//!
//! ```toml
//! [native.command_logger]
//! path = "commands.jsonl"             # relative to the state directory
//! max_bytes = 10485760                # rotate to <path>.1 past this size
//! ```
//!
//! It is also the smallest complete example of a native built-in: a config struct, a
//! factory, a handler, and one `register_hook!`.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use zeroclaw_plugin_api::{
    FactoryError, HookContext, HookError, HookHandler, HookOutcome, HookPayload, HookPoint, PluginContext,
    Subscription, async_trait, register_hook,
};

/// The plugin name: `hooks.builtin.command_logger`, `[native.command_logger]`.
pub const PLUGIN: &str = "command_logger";

register_hook! {
    plugin: PLUGIN,
    description: "appends one JSON line per tool call to a log file in the state directory",
    enabled_by_default: false,
    factory: build,
}

/// `[native.command_logger]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommandLoggerConfig {
    /// The log file, relative to the host's state directory.
    pub path: PathBuf,
    /// Rotate to `<path>.1` once the file passes this size.
    pub max_bytes: u64,
}

impl Default for CommandLoggerConfig {
    fn default() -> Self {
        CommandLoggerConfig { path: PathBuf::from("commands.jsonl"), max_bytes: 10 * 1024 * 1024 }
    }
}

/// One line of the log.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct CommandRecord {
    /// RFC 3339 UTC time the call finished.
    pub ts: String,
    /// The session, when there is one.
    pub session: Option<String>,
    /// The tool name.
    pub tool: String,
    /// The provider's call id.
    pub call_id: String,
    /// Who served the tool (`native:clock`, `wasm:stats@0.1.0`).
    pub owner: String,
    /// False when the call failed or was refused.
    pub success: bool,
    /// How long it took.
    pub duration_ms: u64,
}

fn build(ctx: &PluginContext) -> Result<Vec<Arc<dyn HookHandler>>, FactoryError> {
    let config: CommandLoggerConfig = ctx.config()?;
    if config.max_bytes == 0 {
        return Err(FactoryError::Config("max_bytes must be at least 1".into()));
    }
    let path = ctx.state_dir().join(&config.path);
    Ok(vec![Arc::new(CommandLogger { path, max_bytes: config.max_bytes, lock: Arc::default() })])
}

/// The handler.
struct CommandLogger {
    path: PathBuf,
    max_bytes: u64,
    /// Serialises appends and rotation, so lines never interleave or get lost in a rename.
    lock: Arc<parking_lot::Mutex<()>>,
}

impl CommandLogger {
    fn append(path: &PathBuf, max_bytes: u64, line: &str) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        if std::fs::metadata(path).is_ok_and(|m| m.len() >= max_bytes) {
            let mut rotated = path.clone().into_os_string();
            rotated.push(".1");
            std::fs::rename(path, rotated)?;
        }
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        // One write per line: with O_APPEND the line lands whole.
        file.write_all(line.as_bytes())
    }
}

#[async_trait]
impl HookHandler for CommandLogger {
    fn name(&self) -> &str {
        "log_tool_call"
    }

    fn subscriptions(&self) -> Vec<Subscription> {
        vec![Subscription::new(HookPoint::AfterToolCall, 0)]
    }

    async fn handle(&self, ctx: &HookContext, payload: &HookPayload) -> Result<HookOutcome, HookError> {
        let HookPayload::AfterToolCall(done) = payload else {
            return Ok(HookOutcome::Continue);
        };
        let record = CommandRecord {
            ts: humantime::format_rfc3339_millis(SystemTime::now()).to_string(),
            session: ctx.session_id.clone(),
            tool: done.call.name.clone(),
            call_id: done.call.id.clone(),
            owner: done.owner.clone(),
            success: !done.result.is_error,
            duration_ms: done.duration_ms,
        };
        let mut line = serde_json::to_string(&record).map_err(|e| HookError::Handler(e.to_string()))?;
        line.push('\n');
        let (path, max_bytes, lock) = (self.path.clone(), self.max_bytes, self.lock.clone());
        tokio::task::spawn_blocking(move || {
            let _guard = lock.lock();
            Self::append(&path, max_bytes, &line)
                .map_err(|e| HookError::Handler(format!("cannot append to {}: {e}", path.display())))
        })
        .await
        .map_err(|e| HookError::Handler(format!("log writer stopped: {e}")))??;
        Ok(HookOutcome::Continue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroclaw_plugin_api::{AfterToolCall, Owner, ToolCall, ToolResult};

    fn context(dir: &std::path::Path, config: serde_json::Value) -> PluginContext {
        PluginContext::new(Owner::native(PLUGIN), config, dir.join("workspace"), dir.to_path_buf())
    }

    fn done(tool: &str, is_error: bool) -> HookPayload {
        HookPayload::AfterToolCall(AfterToolCall {
            call: ToolCall { id: "c1".into(), name: tool.into(), arguments: serde_json::json!({}) },
            result: ToolResult { call_id: "c1".into(), name: tool.into(), content: "ok".into(), is_error },
            owner: "native:clock".into(),
            duration_ms: 3,
        })
    }

    #[tokio::test]
    async fn appends_one_json_line_per_tool_call() {
        let dir = tempfile::tempdir().unwrap();
        let handler = build(&context(dir.path(), serde_json::json!({}))).unwrap().remove(0);
        let ctx = HookContext::session("zeroclaw", "s1", "cli");
        handler.handle(&ctx, &done("clock", false)).await.unwrap();
        handler.handle(&ctx, &done("file_read", true)).await.unwrap();
        let text = std::fs::read_to_string(dir.path().join("commands.jsonl")).unwrap();
        let records: Vec<CommandRecord> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(records.len(), 2);
        assert_eq!((records[0].tool.as_str(), records[0].success), ("clock", true));
        assert_eq!((records[1].tool.as_str(), records[1].success), ("file_read", false));
        assert_eq!(records[0].session.as_deref(), Some("s1"));
        assert_eq!(records[0].owner, "native:clock");
        assert_eq!(records[0].duration_ms, 3);
        assert!(records[0].ts.ends_with('Z'));
    }

    #[tokio::test]
    async fn rotates_past_max_bytes_without_losing_lines() {
        let dir = tempfile::tempdir().unwrap();
        let handler =
            build(&context(dir.path(), serde_json::json!({"path": "log.jsonl", "max_bytes": 10}))).unwrap().remove(0);
        let ctx = HookContext::agent("zeroclaw");
        for _ in 0..3 {
            handler.handle(&ctx, &done("clock", false)).await.unwrap();
        }
        let current = std::fs::read_to_string(dir.path().join("log.jsonl")).unwrap();
        let rotated = std::fs::read_to_string(dir.path().join("log.jsonl.1")).unwrap();
        assert_eq!(current.lines().count(), 1);
        assert_eq!(rotated.lines().count(), 1, "one rotation keeps one older file");
    }

    #[test]
    fn unknown_config_key_is_a_config_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = build(&context(dir.path(), serde_json::json!({"paht": "x"}))).err().unwrap();
        assert!(matches!(err, FactoryError::Config(ref m) if m.contains("unknown field `paht`")), "{err}");
    }

    #[tokio::test]
    async fn unwritable_path_is_a_handler_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("file"), "x").unwrap();
        let handler = build(&context(dir.path(), serde_json::json!({"path": "file/log.jsonl"}))).unwrap().remove(0);
        let err = handler.handle(&HookContext::agent("z"), &done("clock", false)).await.unwrap_err();
        assert!(err.to_string().contains("cannot append"), "{err}");
    }
}
