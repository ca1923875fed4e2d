//! What the wasm and sandbox benches share: their config and their hook payload.

use std::path::Path;

use zeroclaw::config::LoadedConfig;
use zeroclaw_plugin_api::{AgentStart, HookPayload};

/// A config loading the plugins of `root/plugins`, with `extra` appended.
pub fn config(root: &Path, extra: &str) -> LoadedConfig {
    // The built-in hooks (session_memory's recall, boot_script) are off: these benches
    // measure the wasm backend, not SQLite.
    let text = format!(
        "state_dir = \"state\"\n[hooks.builtin]\nsession_memory = false\nboot_script = false\n\
         [plugins]\nenabled = true\ndirs = [\"plugins\"]\n{extra}\n"
    );
    let path = root.join("zeroclaw.toml");
    std::fs::write(&path, &text).unwrap();
    LoadedConfig::parse(&text, &path).unwrap()
}

/// The `before_agent_start` payload every hook bench sends.
pub fn agent_start() -> HookPayload {
    HookPayload::BeforeAgentStart(AgentStart {
        system_prompt: "You are helpful.".into(),
        context: vec!["memory".into()],
        user_message: "hello".into(),
    })
}
