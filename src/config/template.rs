//! The commented default config written by `zeroclaw config init`.
//!
//! Every value shown is the default; a test parses this text and compares it with
//! `Config::default()`, so the two cannot drift apart.

/// The text of a default `zeroclaw.toml`.
pub const DEFAULT_CONFIG: &str = r#"# zeroclaw configuration. Every value below is the default.
# Reference: docs/config-reference.md

# The agent's workspace (relative paths resolve against this file's directory).
# workspace = "."
# Host state: databases, logs, compile cache. Default: <workspace>/.zeroclaw
# state_dir = ".zeroclaw"

[hooks]
# Master switch for every hook, native and wasm.
enabled = true
# Timeout of one native hook handler call, in milliseconds.
timeout_ms = 2000

[hooks.builtin]
# Built-in native hooks; unset ones use their own default (see `zeroclaw plugins list`).
# session_memory = true
# boot_script = true
# command_logger = false

# Config sections of native plugins, by name:
# [native.command_logger]
# path = ".zeroclaw/commands.jsonl"

[plugins]
# Load WebAssembly plugins. Off: the host behaves exactly as the native-only build.
enabled = false
# Directories holding one subdirectory per plugin (with plugin.toml).
dirs = ["plugins"]
# Watch the plugin directories and reload changed plugins.
hot_reload = false
# Compiled component cache. Default: <state_dir>/cache
# cache_dir = ".zeroclaw/cache"

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
