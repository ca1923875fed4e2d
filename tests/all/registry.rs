//! Native registration, snapshots and the registry pointer.

use std::sync::Arc;

use async_trait::async_trait;
use zeroclaw::config::{Autonomy, Config, LoadedConfig, SecurityConfig};
use zeroclaw::hooks::HookRunner;
use zeroclaw::observability::Observers;
use zeroclaw::plugins::native::native_plugin_names;
use zeroclaw::plugins::stats::CallStats;
use zeroclaw::plugins::{PluginRuntime, PluginStatus, Precedence, Registry, RegistryError, SnapshotBuilder, ToolEntry};
use zeroclaw::security::SecurityPolicy;
use zeroclaw::tools::{Executed, ToolExecutor};
use zeroclaw_plugin_api::{
    HookContext, HookPoint, HookRegistration, Owner, ProviderRegistration, Tool, ToolCall, ToolEffect, ToolError,
    ToolRegistration, ToolSpec,
};

fn config_with(text: &str) -> LoadedConfig {
    let dir = std::env::temp_dir();
    LoadedConfig::parse(text, &dir.join("zeroclaw.toml")).expect("valid config")
}

#[test]
fn the_exact_native_registration_set_of_the_binary() {
    // The binary, not this test process: the test binary links a test-only recorder too.
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zeroclaw"))
        .args(["plugins", "list", "--json"])
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env_remove("XDG_DATA_HOME")
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut plugins: Vec<String> = doc["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{}:{}", p["backend"].as_str().unwrap(), p["id"].as_str().unwrap()))
        .collect();
    plugins.sort();
    assert_eq!(
        plugins,
        [
            "native:boot_script",
            "native:calculator",
            "native:clock",
            "native:command_logger",
            "native:files",
            "native:offline",
            "native:openai",
            "native:session_memory"
        ]
    );
    let mut entries: Vec<String> = doc["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {}",
                e["kind"].as_str().unwrap(),
                e["name"].as_str().unwrap(),
                e["owner"].as_str().unwrap(),
                e["status"].as_str().unwrap()
            )
        })
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        [
            "hook after_compaction/memory native:session_memory active",
            "hook before_agent_start/boot native:boot_script active",
            "hook before_agent_start/memory native:session_memory active",
            "hook message_received/memory native:session_memory active",
            "hook message_sent/memory native:session_memory active",
            "hook session_end/boot native:boot_script active",
            "hook session_end/memory native:session_memory active",
            "plugin command_logger native:command_logger disabled",
            "provider offline native:offline active",
            "provider openai native:openai active",
            "tool calculator native:calculator active",
            "tool clock native:clock active",
            "tool file_read native:files active",
            "tool file_write native:files active",
        ]
    );
    // In this process the same natives are registered, plus the test recorder.
    let mut here: Vec<&str> = HookRegistration::all().map(|r| r.plugin).collect();
    here.sort();
    assert_eq!(here, ["boot_script", "command_logger", "session_memory", "test_recorder"]);
    let mut tools: Vec<&str> = ToolRegistration::all().map(|r| r.plugin).collect();
    tools.sort();
    assert_eq!(tools, ["calculator", "clock", "files"]);
    let mut providers: Vec<&str> = ProviderRegistration::all().map(|r| r.plugin).collect();
    providers.sort();
    assert_eq!(providers, ["offline", "openai"]);
    assert_eq!(native_plugin_names().unwrap().len(), 9);
}

#[tokio::test]
async fn with_plugins_disabled_the_snapshot_holds_exactly_the_native_entries() {
    let runtime = PluginRuntime::start(config_with("[hooks.builtin]\ncommand_logger = true\n")).await.unwrap();
    #[cfg(feature = "wasm")]
    assert!(runtime.wasm().is_none(), "no wasm engine when plugins are disabled");
    let snapshot = runtime.snapshot();
    assert_eq!(snapshot.generation(), 1);
    let hooks: Vec<(String, String, Option<i32>)> = snapshot
        .rows()
        .into_iter()
        .filter(|r| r.kind == "hook" && r.owner == "native:command_logger")
        .map(|r| (r.name, r.owner, r.priority))
        .collect();
    assert_eq!(hooks, [("after_tool_call/log_tool_call".to_string(), "native:command_logger".to_string(), Some(0))]);
    assert_eq!(snapshot.hook_count(), 8, "command_logger's one, session_memory's five, boot_script's two");
    assert_eq!(snapshot.tools().count(), 4);
    assert_eq!(snapshot.providers().count(), 2);
    assert!(snapshot.plugins().iter().all(|p| p.backend == "native"));
    assert!(snapshot.plugins().iter().filter(|p| p.id != "test_recorder").all(|p| p.status == PluginStatus::Active));
    assert!(snapshot.diagnostics().is_empty());
}

#[tokio::test]
async fn a_builtin_switched_off_is_listed_as_disabled_with_the_fix() {
    let runtime =
        PluginRuntime::start(LoadedConfig::from_config(Config::default(), std::env::temp_dir())).await.unwrap();
    let snapshot = runtime.snapshot();
    assert!(
        snapshot.rows().iter().all(|r| r.owner != "native:command_logger" || r.kind == "plugin"),
        "no command_logger hook"
    );
    assert!(snapshot.tools().count() > 0, "tools and providers are not switched by hooks.builtin");
    let logger = snapshot.plugins().iter().find(|p| p.id == "command_logger").unwrap();
    assert_eq!(logger.status, PluginStatus::Disabled("set hooks.builtin.command_logger = true to enable it".into()));
}

#[tokio::test]
async fn a_bad_native_config_section_fails_with_file_and_line() {
    let config = config_with("[hooks.builtin]\ncommand_logger = true\n\n[native.command_logger]\npaht = \"x\"\n");
    let err = PluginRuntime::start(config).await.err().expect("unknown key must fail").to_string();
    assert!(err.contains("zeroclaw.toml:4:"), "{err}");
    assert!(err.contains("[native.command_logger]") && err.contains("unknown field `paht`"), "{err}");
}

#[test]
fn plugin_registry_empty_by_default() {
    let registry = Registry::default();
    let snapshot = registry.current();
    assert_eq!(snapshot.generation(), 0);
    for point in HookPoint::ALL {
        assert!(snapshot.hooks(*point).is_empty(), "{point:?}");
    }
    assert_eq!(snapshot.tools().count(), 0);
    assert_eq!(snapshot.providers().count(), 0);
    assert!(snapshot.plugins().is_empty() && snapshot.rows().is_empty());
}

struct Named(ToolSpec);

#[async_trait]
impl Tool for Named {
    fn spec(&self) -> &ToolSpec {
        &self.0
    }
    async fn invoke(&self, _args: &serde_json::Value) -> Result<String, ToolError> {
        Ok(String::new())
    }
}

fn tool(name: &str, owner: Owner) -> ToolEntry {
    let spec = ToolSpec {
        name: name.into(),
        description: String::new(),
        parameters: serde_json::json!({"type": "object"}),
        effect: ToolEffect::Read,
    };
    ToolEntry::new(spec.clone(), owner, Arc::new(Named(spec)), Arc::new(CallStats::default()))
}

#[test]
fn duplicate_native_tool_names_are_an_error_naming_both_owners() {
    let mut builder = SnapshotBuilder::new(1);
    builder.add_tool(Precedence::Native, tool("clock", Owner::native("time_a")));
    builder.add_tool(Precedence::Native, tool("clock", Owner::native("time_b")));
    let err = builder.build().err().unwrap();
    assert!(matches!(err, RegistryError::DuplicateTool { .. }));
    let message = err.to_string();
    assert!(message.contains("native:time_a") && message.contains("native:time_b"), "{message}");
}

#[test]
fn a_plugin_tool_yields_to_a_native_one_unless_it_overrides() {
    for (precedence, expected_owner, fallback) in
        [(Precedence::Plugin, "native:clock", false), (Precedence::PluginOverridesNative, "wasm:clock2@1.0.0", true)]
    {
        // Plugin first: registration order must not matter.
        let mut builder = SnapshotBuilder::new(1);
        builder.add_tool(precedence, tool("clock", Owner::wasm("clock2", "1.0.0", 1)));
        builder.add_tool(Precedence::Native, tool("clock", Owner::native("clock")));
        let snapshot = builder.build().unwrap();
        let entry = snapshot.tool("clock").unwrap();
        assert_eq!(entry.owner.to_string(), expected_owner);
        assert_eq!(entry.fallback.as_ref().map(|f| f.owner.to_string()), fallback.then(|| "native:clock".to_string()));
        assert_eq!(snapshot.diagnostics().len(), 1, "the clash is reported either way");
    }
}

#[test]
fn readers_keep_their_snapshot_across_a_publish() {
    let registry = Registry::default();
    let before = registry.current();
    let generation = registry.next_generation();
    registry.publish(SnapshotBuilder::new(generation).build().unwrap());
    assert_eq!(before.generation(), 0, "the held snapshot is unchanged");
    assert_eq!(registry.current().generation(), generation);
}

/// A tool whose runtime always fails, as a trapping plugin's does.
struct Trapping(ToolSpec);

#[async_trait]
impl Tool for Trapping {
    fn spec(&self) -> &ToolSpec {
        &self.0
    }
    async fn invoke(&self, _args: &serde_json::Value) -> Result<String, ToolError> {
        let owner = Owner::wasm("clock2", "1.0.0", 1);
        Err(zeroclaw_plugin_api::RuntimeFailure::new(owner, zeroclaw_plugin_api::FailureKind::Trap, "unreachable")
            .into())
    }
}

/// A snapshot where plugin `clock2` (always trapping, judged `plugin_effect`) overrides the
/// native `clock` (judged `native_effect`, with `native_schema`).
fn overridden_clock(
    plugin_effect: ToolEffect,
    native_effect: ToolEffect,
    native_schema: serde_json::Value,
) -> zeroclaw::plugins::Snapshot {
    let mut builder = SnapshotBuilder::new(1);
    let mut spec = tool("clock", Owner::native("clock")).spec;
    spec.parameters = native_schema;
    let mut native = ToolEntry::new(spec.clone(), Owner::native("clock"), Arc::new(Named(spec)), Arc::default());
    native.effect = native_effect;
    let mut plugin = tool("clock", Owner::wasm("clock2", "1.0.0", 1));
    plugin.tool = Arc::new(Trapping(plugin.spec.clone()));
    plugin.effect = plugin_effect;
    builder.add_tool(Precedence::PluginOverridesNative, plugin);
    builder.add_tool(Precedence::Native, native);
    builder.build().unwrap()
}

fn policy(autonomy: Autonomy) -> SecurityPolicy {
    SecurityPolicy::new(SecurityConfig { autonomy, max_actions_per_hour: 100, ..SecurityConfig::default() })
}

async fn execute(snapshot: &zeroclaw::plugins::Snapshot, policy: &SecurityPolicy, args: serde_json::Value) -> Executed {
    let runner = HookRunner::new(Arc::new(Registry::default()));
    let executor = ToolExecutor { runner: &runner, policy, observer: &Observers::new() };
    let call = ToolCall { id: "c1".into(), name: "clock".into(), arguments: args };
    executor.execute(snapshot, &HookContext::session("zeroclaw", "s", "test"), call).await
}

#[tokio::test]
async fn an_overriding_plugin_tool_that_fails_falls_back_to_the_native_one() {
    let snapshot = overridden_clock(ToolEffect::Read, ToolEffect::Read, serde_json::json!({"type": "object"}));
    let entry = snapshot.tool("clock").unwrap();
    let done = execute(&snapshot, &policy(Autonomy::ReadOnly), serde_json::json!({})).await;
    assert_eq!(done.result.content, "", "the native tool answered: {done:?}");
    assert!(!done.result.is_error);
    assert_eq!(done.owner, "native:clock", "the fallback is recorded as the native owner");
    assert_eq!(entry.stats.view().errors, 1, "the plugin's failure is counted");
    assert_eq!(entry.fallback.as_ref().unwrap().stats.view().calls, 1);
}

#[test]
fn an_overriding_tool_is_judged_at_least_as_strictly_as_the_native_one() {
    let snapshot = overridden_clock(ToolEffect::Read, ToolEffect::Act, serde_json::json!({"type": "object"}));
    assert_eq!(snapshot.tool("clock").unwrap().effect, ToolEffect::Act, "a read claim does not shadow an act tool");
    let snapshot = overridden_clock(ToolEffect::Act, ToolEffect::Read, serde_json::json!({"type": "object"}));
    assert_eq!(snapshot.tool("clock").unwrap().effect, ToolEffect::Act, "nor is a plugin's act weakened");
}

#[tokio::test]
async fn a_fallback_passes_the_policy_and_the_native_schema_like_any_call() {
    // The policy refuses the overriding tool itself: it is judged `act`, like the native one.
    let snapshot = overridden_clock(ToolEffect::Read, ToolEffect::Act, serde_json::json!({"type": "object"}));
    let done = execute(&snapshot, &policy(Autonomy::ReadOnly), serde_json::json!({})).await;
    assert!(!done.ran, "nothing ran: {done:?}");
    assert!(done.result.content.contains("security.autonomy is read_only"), "{}", done.result.content);
    assert_eq!(snapshot.tool("clock").unwrap().fallback.as_ref().unwrap().stats.view().calls, 0);

    // The plugin's schema accepts the arguments, the native one's does not: the fallback is refused.
    let strict = serde_json::json!({"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]});
    let snapshot = overridden_clock(ToolEffect::Read, ToolEffect::Read, strict);
    let done = execute(&snapshot, &policy(Autonomy::Full), serde_json::json!({})).await;
    assert!(done.result.is_error);
    assert!(
        done.result.content.contains("its fallback native:clock was not run: Invalid arguments"),
        "{}",
        done.result.content
    );
    assert_eq!(snapshot.tool("clock").unwrap().fallback.as_ref().unwrap().stats.view().calls, 0);
}
