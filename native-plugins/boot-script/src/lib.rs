//! `boot_script`: a built-in native hook that puts the workspace's `BOOT.md` into every
//! session's system prompt, the way operators keep standing instructions or a checklist.
//!
//! At a session's first turn it reads the file (once per session), fills in the template
//! variables `{{date}}` (UTC, `YYYY-MM-DD`), `{{session_id}}`, `{{channel}}` and
//! `{{workspace}}`, and appends it to the system prompt on `before_agent_start`. A missing
//! or empty file is skipped; an unreadable or oversized one is a logged error for that
//! session, never a crash.
//!
//! With `run_on_gateway_start = true` it also runs BOOT.md once as an isolated agent turn
//! when the gateway starts (its own session, nothing delivered) and logs the result.
//!
//! ```toml
//! [hooks.builtin]
//! boot_script = true             # on by default (a workspace without BOOT.md is a no-op)
//!
//! [native.boot_script]
//! path = "BOOT.md"               # relative to the workspace
//! max_bytes = 65536
//! run_on_gateway_start = false
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use parking_lot::Mutex;
use serde::Deserialize;
use zeroclaw_plugin_api::{
    FactoryError, HookContext, HookError, HookHandler, HookOutcome, HookPayload, HookPoint, HostLink, PluginContext,
    PluginLogger, Subscription, async_trait, register_hook,
};

/// The plugin name: `hooks.builtin.boot_script`, `[native.boot_script]`.
pub const PLUGIN: &str = "boot_script";

/// The channel of the isolated gateway-start turn (its prompt is not given BOOT.md twice).
pub const BOOT_CHANNEL: &str = "boot";

register_hook! {
    plugin: PLUGIN,
    description: "adds the workspace's BOOT.md (with variables filled in) to every session's system prompt",
    enabled_by_default: true,
    factory: build,
}

/// `[native.boot_script]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BootScriptConfig {
    /// The file, relative to the workspace.
    pub path: PathBuf,
    /// Largest file read.
    pub max_bytes: u64,
    /// Run BOOT.md once as an isolated turn when the gateway starts.
    pub run_on_gateway_start: bool,
}

impl Default for BootScriptConfig {
    fn default() -> Self {
        BootScriptConfig { path: PathBuf::from("BOOT.md"), max_bytes: 64 * 1024, run_on_gateway_start: false }
    }
}

fn build(ctx: &PluginContext) -> Result<Vec<Arc<dyn HookHandler>>, FactoryError> {
    let config: BootScriptConfig = ctx.config()?;
    if config.max_bytes == 0 {
        return Err(FactoryError::Config("max_bytes must be at least 1".into()));
    }
    Ok(vec![Arc::new(BootScript {
        file: ctx.workspace_dir().join(&config.path),
        workspace: ctx.workspace_dir().display().to_string(),
        config,
        host: ctx.host().clone(),
        logger: ctx.logger().clone(),
        sessions: Mutex::default(),
        booted: AtomicBool::new(false),
    })])
}

/// What the file gave a session.
#[derive(Clone, Debug, PartialEq)]
enum Boot {
    /// Missing, empty, or unusable (already reported): nothing to add.
    Nothing,
    /// The rendered text.
    Text(String),
}

/// The handler.
struct BootScript {
    config: BootScriptConfig,
    file: PathBuf,
    workspace: String,
    host: HostLink,
    logger: PluginLogger,
    sessions: Mutex<HashMap<String, Boot>>,
    booted: AtomicBool,
}

/// Fills `{{name}}` variables; unknown ones are left as written.
fn render(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in vars {
        out = out.replace(&format!("{{{{{name}}}}}"), value);
    }
    out
}

/// Reads the boot file: `Ok(None)` when missing or empty, an error when unusable.
async fn read_file(file: &Path, max_bytes: u64) -> Result<Option<String>, String> {
    let meta = match tokio::fs::metadata(file).await {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
    };
    if meta.len() > max_bytes {
        return Err(format!(
            "{} is {} bytes, over max_bytes = {max_bytes} ([native.boot_script]); it is skipped",
            file.display(),
            meta.len()
        ));
    }
    let bytes = tokio::fs::read(file).await.map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", file.display()))?;
    Ok((!text.trim().is_empty()).then_some(text))
}

/// Today's date, UTC, `YYYY-MM-DD`.
fn today() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()[..10].to_string()
}

impl BootScript {
    /// Renders `text` for a session.
    fn render_for(&self, text: &str, session: &str, channel: &str) -> String {
        let date = today();
        render(text, &[("date", &date), ("session_id", session), ("channel", channel), ("workspace", &self.workspace)])
    }

    /// The session's boot text, read at its first turn.
    async fn for_session(&self, session: &str, channel: &str) -> Result<Boot, HookError> {
        if let Some(known) = self.sessions.lock().get(session) {
            return Ok(known.clone());
        }
        let read = read_file(&self.file, self.config.max_bytes).await;
        let boot = match &read {
            Ok(Some(text)) => Boot::Text(self.render_for(text, session, channel)),
            Ok(None) | Err(_) => Boot::Nothing,
        };
        self.sessions.lock().insert(session.to_string(), boot.clone());
        match read {
            Err(e) => Err(HookError::Handler(e)),
            Ok(_) => Ok(boot),
        }
    }

    /// Runs BOOT.md once as an isolated turn, in the background.
    fn boot_on_gateway_start(&self) {
        if self.booted.swap(true, Ordering::SeqCst) {
            return;
        }
        let Some(host) = self.host.get() else {
            self.logger.warn("run_on_gateway_start: the host is not reachable; the boot turn is skipped");
            return;
        };
        let (file, max_bytes, logger) = (self.file.clone(), self.config.max_bytes, self.logger.clone());
        let date = today();
        let vars = [
            ("date", date),
            ("session_id", "boot".to_string()),
            ("channel", BOOT_CHANNEL.to_string()),
            ("workspace", self.workspace.clone()),
        ];
        tokio::spawn(async move {
            let text = match read_file(&file, max_bytes).await {
                Ok(Some(text)) => {
                    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    render(&text, &vars)
                }
                Ok(None) => {
                    logger.info("run_on_gateway_start: no BOOT.md (or it is empty); nothing to run");
                    return;
                }
                Err(e) => {
                    logger.error(&format!("run_on_gateway_start: {e}"));
                    return;
                }
            };
            match host.run_isolated_turn(BOOT_CHANNEL, &text).await {
                Ok(reply) => logger.info(&format!("boot turn done: {reply}")),
                Err(e) => logger.error(&format!("boot turn failed: {e}")),
            }
        });
    }
}

#[async_trait]
impl HookHandler for BootScript {
    fn name(&self) -> &str {
        "boot"
    }

    fn subscriptions(&self) -> Vec<Subscription> {
        let mut subs =
            vec![Subscription::new(HookPoint::BeforeAgentStart, 100), Subscription::new(HookPoint::SessionEnd, 0)];
        if self.config.run_on_gateway_start {
            subs.push(Subscription::new(HookPoint::GatewayStart, 0));
        }
        subs
    }

    async fn handle(&self, ctx: &HookContext, payload: &HookPayload) -> Result<HookOutcome, HookError> {
        let session = ctx.session_id.as_deref().unwrap_or("-");
        let channel = ctx.channel.as_deref().unwrap_or("-");
        match payload {
            HookPayload::BeforeAgentStart(start) if channel != BOOT_CHANNEL => {
                match self.for_session(session, channel).await? {
                    Boot::Text(text) => {
                        let mut start = start.clone();
                        start.system_prompt = format!("{}\n\n{}", start.system_prompt, text.trim_end());
                        Ok(HookOutcome::Modify(HookPayload::BeforeAgentStart(start)))
                    }
                    Boot::Nothing => Ok(HookOutcome::Continue),
                }
            }
            HookPayload::SessionEnd(end) => {
                self.sessions.lock().remove(&end.session_id);
                Ok(HookOutcome::Continue)
            }
            HookPayload::GatewayStart(_) => {
                self.boot_on_gateway_start();
                Ok(HookOutcome::Continue)
            }
            _ => Ok(HookOutcome::Continue),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroclaw_plugin_api::{AgentStart, Owner};

    fn handler(dir: &std::path::Path, config: serde_json::Value) -> Arc<dyn HookHandler> {
        let ctx = PluginContext::new(Owner::native(PLUGIN), config, dir.to_path_buf(), dir.join(".zeroclaw"));
        build(&ctx).unwrap().remove(0)
    }

    fn start() -> HookPayload {
        HookPayload::BeforeAgentStart(AgentStart {
            system_prompt: "base".into(),
            context: vec![],
            user_message: "hi".into(),
        })
    }

    async fn prompt(handler: &Arc<dyn HookHandler>, session: &str) -> Result<String, HookError> {
        let ctx = HookContext::session("z", session, "cli");
        Ok(match handler.handle(&ctx, &start()).await? {
            HookOutcome::Modify(HookPayload::BeforeAgentStart(s)) => s.system_prompt,
            _ => "base".into(),
        })
    }

    #[tokio::test]
    async fn the_file_and_its_variables_reach_the_prompt() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("BOOT.md"),
            "Session {{session_id}} on {{channel}} in {{workspace}}, {{date}}. {{unknown}}\n",
        )
        .unwrap();
        let h = handler(dir.path(), serde_json::json!({}));
        let p = prompt(&h, "s1").await.unwrap();
        let today = today();
        assert_eq!(p, format!("base\n\nSession s1 on cli in {}, {today}. {{{{unknown}}}}", dir.path().display()));
    }

    #[tokio::test]
    async fn missing_and_empty_files_are_skipped_and_oversized_ones_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let h = handler(dir.path(), serde_json::json!({}));
        assert_eq!(prompt(&h, "missing").await.unwrap(), "base");
        std::fs::write(dir.path().join("BOOT.md"), "  \n").unwrap();
        assert_eq!(prompt(&h, "empty").await.unwrap(), "base");
        std::fs::write(dir.path().join("BOOT.md"), "x".repeat(100)).unwrap();
        let h = handler(dir.path(), serde_json::json!({"max_bytes": 10}));
        let err = prompt(&h, "big").await.unwrap_err().to_string();
        assert!(err.contains("100 bytes, over max_bytes = 10"), "{err}");
        assert_eq!(prompt(&h, "big").await.unwrap(), "base", "reported once per session, then skipped");
        std::fs::remove_file(dir.path().join("BOOT.md")).unwrap();
        std::fs::create_dir(dir.path().join("BOOT.md")).unwrap();
        let h = handler(dir.path(), serde_json::json!({}));
        assert!(prompt(&h, "dir").await.unwrap_err().to_string().contains("cannot read"));
    }

    #[tokio::test]
    async fn the_file_is_read_once_per_session() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("BOOT.md"), "first").unwrap();
        let h = handler(dir.path(), serde_json::json!({}));
        assert!(prompt(&h, "s").await.unwrap().ends_with("first"));
        std::fs::write(dir.path().join("BOOT.md"), "second").unwrap();
        assert!(prompt(&h, "s").await.unwrap().ends_with("first"), "the same session keeps its boot text");
        assert!(prompt(&h, "t").await.unwrap().ends_with("second"), "a new session reads it again");
    }
}
