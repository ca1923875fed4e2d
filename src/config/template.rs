//! The commented default config written by `zeroclaw config init`.
//!
//! Every value shown is the default; a test parses this text and compares it with
//! `Config::default()`, so the two cannot drift apart.

/// The text of a default `zeroclaw.toml`.
pub const DEFAULT_CONFIG: &str = r#"# zeroclaw configuration. Every value below is the default.
# Reference: docs/config-reference.md

# The agent's workspace (relative paths resolve against this file's directory).
# workspace = "."
# Host state: databases, logs, compile cache; no tool can reach it. Default: outside the
# workspace, in ~/.local/share/zeroclaw/workspaces/<name>-<hash> ($XDG_DATA_HOME if set).
# state_dir = "/var/lib/zeroclaw"

[agent]
# The agent's id, in hook contexts.
id = "zeroclaw"
system_prompt = "You are zeroclaw, a helpful assistant. Use tools when they help."
# The provider serving turns: `offline` (deterministic, not a language model), `openai`
# (any OpenAI-compatible server, see [native.openai]), or a plugin provider's name.
provider = "offline"
# The model, or a route `hint:<name>` from [providers.routes].
model = "offline"
# Provider round trips per turn at most.
max_iterations = 8
# Compact the history past this many messages, keeping the newest `compaction_keep`.
compaction_threshold = 40
compaction_keep = 10
# compaction_model = "hint:cheap"     # default: `model`
max_history_messages = 200          # messages of a session kept in memory (the transcript keeps all)

[providers]
# Retries of transient errors per provider, with exponential backoff.
retries = 2
backoff_ms = 200
max_backoff_ms = 5000
# Providers tried, in order, when the chosen one fails.
fallbacks = []

[providers.routes]
# hint:<name> in agent.model → "provider/model"
# fast = "offline/offline"

[security]
# read_only: only read tools; supervised: read tools and the act tools in allow_tools;
# full: every tool not in deny_tools.
autonomy = "supervised"
allow_tools = []
deny_tools = []
max_actions_per_hour = 60

[gateway]
bind = "127.0.0.1:7878"
# token_env = "ZEROCLAW_TOKEN"        # require `Authorization: Bearer $ZEROCLAW_TOKEN`
max_body_bytes = 1048576
request_timeout_ms = 120000
shutdown_timeout_ms = 5000
# A session with no message for this long leaves memory; its next message resumes it.
session_idle_secs = 1800
# Sessions held in memory at most (the least recently used leaves first).
max_sessions = 1000
# Time a connection has to send a request's headers (also the keep-alive idle bound).
header_timeout_ms = 10000
# Connections served at once; more get 503 (GET /health is still answered).
max_connections = 512
# Host names requests may be addressed to, beyond the loopback names (DNS rebinding guard).
allowed_hosts = []
# Binding beyond loopback without token_env is refused unless this is true.
allow_public_without_token = false

[memory]
# path = "/var/lib/zeroclaw/memory.sqlite3"   # default: <state_dir>/memory.sqlite3

[hooks]
# Master switch for every hook, native and wasm.
enabled = true
# Timeout of one native hook handler call, in milliseconds.
timeout_ms = 2000

[hooks.builtin]
# Built-in native hooks; unset ones use their own default (see `zeroclaw plugins list`).
# session_memory = true             # summaries in the memory database, recalled into later turns
# boot_script = true                # the workspace's BOOT.md in every session's system prompt
# command_logger = false            # one JSON line per tool call

# Config sections of native plugins, by name:
# [native.command_logger]
# path = "commands.jsonl"           # relative to the state directory
# [native.session_memory]
# recall_limit = 5
# recall_budget_chars = 2000
# include_channel = false
# session_end_turns = 3
# [native.boot_script]
# path = "BOOT.md"
# max_bytes = 65536
# run_on_gateway_start = false
# [native.openai]
# base_url = "https://api.openai.com/v1"
# api_key_env = "OPENAI_API_KEY"
# timeout_ms = 60000

[plugins]
# Load WebAssembly plugins. Off: the host behaves exactly as the native-only build.
enabled = false
# Directories holding one subdirectory per plugin (with plugin.toml).
dirs = ["plugins"]
# Watch the plugin directories (and this file) and reload changed plugins.
hot_reload = false
# How long files must be quiet before a reload (a file still being written waits).
reload_debounce_ms = 500
# Compiled component cache. Default: <state_dir>/cache
# cache_dir = "/var/cache/zeroclaw"
# Largest component file loaded, in MiB (1 to 4096).
max_component_mb = 64

[plugins.limits]
# Defaults for every plugin call; override per plugin in [plugins.entries.<id>.limits].
timeout_ms = 2000
memory_mb = 64
max_concurrency = 8
# fuel = 100000000          # unset: no fuel metering
max_payload_bytes = 4194304
max_output_bytes = 4194304
max_host_calls = 10000
max_log_lines = 100
max_stack_kb = 512
kv_max_keys = 1000
kv_max_bytes = 1048576
warm_instances = 2
failure_threshold = 5
quarantine_ms = 30000

[plugins.capabilities]
# When not empty, plugins may only be granted capabilities on this list.
allow = []
# Never granted to any plugin. Deny wins over everything.
deny = []

# One table per plugin id. Nothing is granted unless listed here.
# [plugins.entries.redact]
# enabled = true
# grant = ["tool-results:modify"]   # must also be requested in the plugin's manifest
# http_allow = []                    # hosts for http:outbound
# fs_read = []                       # directories for fs:read
# fs_write = []                      # directories for fs:write
# env = []                           # variable names for env
# on_error = "fail-open"             # or "fail-closed": a failure cancels the hook
# override_native = false            # let its tools replace native tools of the same name
# priority = 0                       # overrides the manifest's hook priorities
# instances = "fresh"                # or "warm"
# [plugins.entries.redact.limits]
# timeout_ms = 500
# [plugins.entries.redact.config]
# patterns = ["sk-[A-Za-z0-9]+"]
# [plugins.entries.redact.tools.some_tool]
# effect = "read"                    # the operator confirms a plugin tool only reads
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::schema::Config;

    #[test]
    fn template_is_exactly_the_defaults() {
        let parsed: Config = toml::from_str(DEFAULT_CONFIG).expect("the template parses");
        assert_eq!(parsed, Config::default());
    }
}
