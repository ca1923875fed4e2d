//! `zeroclaw plugins new NAME --kind hook|tool|provider`: a plugin crate that builds and
//! loads as is, to be edited from there.

use std::path::{Path, PathBuf};

use super::Kind;
use crate::cli::CliError;
use crate::config::LoadedConfig;
use crate::plugins::manifest::{Manifest, discover};
use crate::plugins::{PluginRuntime, Snapshot};

/// The PDK in this zeroclaw's source tree, when there is one.
fn default_pdk() -> Option<PathBuf> {
    let pdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("wasm-plugins/pdk");
    pdk.join("Cargo.toml").is_file().then_some(pdk)
}

/// `plugins new`.
pub async fn run(
    config: Option<&Path>,
    name: &str,
    kind: Kind,
    dir: Option<PathBuf>,
    pdk: Option<PathBuf>,
) -> Result<(), CliError> {
    let valid = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid {
        return Err(CliError(format!(
            "`{name}` is not a plugin id: start with a lowercase letter, use only a-z, 0-9, `-` and `_`"
        )));
    }
    // The names the new plugin would take must be free in the config in force: a clash
    // builds, then fails at load (an id) or is skipped (a tool or provider already served).
    // The native entries come from a native-only start (nothing is compiled), the
    // installed plugins' from their manifests (loaded or not).
    let loaded = LoadedConfig::discover(config)?;
    let mut native = loaded.clone();
    native.config.plugins.enabled = false;
    let runtime = PluginRuntime::start(native).await?;
    let installed: Vec<Manifest> =
        discover(&loaded.plugin_dirs()).iter().filter_map(|m| Manifest::load(m).ok()).collect();
    if let Some(taken) = taken(&runtime.snapshot(), &installed, name, kind) {
        return Err(CliError(format!("`{name}` cannot be used: {taken}; choose another name")));
    }
    let dir = dir.unwrap_or_else(|| PathBuf::from(name));
    if dir.exists() && std::fs::read_dir(&dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(CliError(format!("{} exists and is not empty; choose another --dir", dir.display())));
    }
    let pdk = pdk.or_else(default_pdk).ok_or_else(|| {
        CliError("cannot find zeroclaw-pdk; pass --pdk <path to wasm-plugins/pdk of a zeroclaw checkout>".into())
    })?;
    let pdk = std::path::absolute(&pdk).map_err(|e| CliError(format!("{}: {e}", pdk.display())))?;
    if !pdk.join("Cargo.toml").is_file() {
        return Err(CliError(format!("{} is not the zeroclaw-pdk crate (no Cargo.toml)", pdk.display())));
    }
    // The checkout the PDK is in: its harness crate and lock file, when it has them.
    let checkout = pdk.parent().and_then(Path::parent).filter(|root| root.join("plugin-test/Cargo.toml").is_file());
    let files = files(name, kind, &pdk, checkout);
    for sub in ["src", "tests", ".cargo"] {
        std::fs::create_dir_all(dir.join(sub))
            .map_err(|e| CliError(format!("cannot create {}: {e}", dir.display())))?;
    }
    for (path, text) in &files {
        let path = dir.join(path);
        std::fs::write(&path, text).map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))?;
    }
    println!("created {}: a {} plugin `{name}`", dir.display(), format!("{kind:?}").to_lowercase());
    println!("next: zeroclaw plugins test {}   (then: zeroclaw plugins build {})", dir.display(), dir.display());
    Ok(())
}

/// What already holds a name the plugin `name` of `kind` would take, if anything: its id,
/// and the tool or provider it serves (named after the id, `-` as `_`).
fn taken(snapshot: &Snapshot, installed: &[Manifest], name: &str, kind: Kind) -> Option<String> {
    if let Some(plugin) = snapshot.plugins().iter().find(|p| p.id == name) {
        return Some(format!("a {} plugin of that id exists (plugin ids are unique)", plugin.backend));
    }
    if let Some(plugin) = installed.iter().find(|m| m.id == name) {
        return Some(format!("an installed plugin has that id ({}; plugin ids are unique)", plugin.path.display()));
    }
    let served = name.replace('-', "_");
    let by = |owner: String| {
        format!("the {} `{served}` it would serve is served by {owner} (a second one is skipped)", kind.noun())
    };
    match kind {
        Kind::Hook => None,
        Kind::Tool => snapshot.tool(&served).map(|tool| by(tool.owner.to_string())).or_else(|| {
            installed
                .iter()
                .find(|m| m.tools.iter().any(|t| t.name == served))
                .map(|m| by(format!("plugin `{}`", m.id)))
        }),
        Kind::Provider => {
            snapshot.providers().find(|p| p.name == served).map(|provider| by(provider.owner.to_string())).or_else(
                || {
                    installed
                        .iter()
                        .find(|m| m.providers.iter().any(|p| p.name == served))
                        .map(|m| by(format!("plugin `{}`", m.id)))
                },
            )
        }
    }
}

/// The crate's files, by relative path. With `checkout` (the zeroclaw source tree holding
/// the PDK), the crate also gets a `cargo test` through `zeroclaw-plugin-test`, the
/// checkout's lock file (so the host it tests against resolves to the same versions and
/// its build is shared), and one build directory with every other plugin crate.
fn files(name: &str, kind: Kind, pdk: &Path, checkout: Option<&Path>) -> Vec<(&'static str, String)> {
    let ident = name.replace('-', "_");
    let slashes = |path: &Path| path.display().to_string().replace('\\', "/");
    let pdk = slashes(pdk);
    let needs_serde = kind == Kind::Tool;
    let serde = if needs_serde { "serde = { version = \"1\", features = [\"derive\"] }\n" } else { "" };
    let harness = match checkout {
        Some(root) => format!(
            "\n[dev-dependencies]\n# `cargo test` loads the built plugin through the host (the first run compiles it).\nzeroclaw-plugin-test = {{ path = \"{}\" }}\n",
            slashes(&root.join("plugin-test"))
        ),
        None => String::new(),
    };
    let cargo = format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"

[lib]
crate-type = ["cdylib"]

[dependencies]
zeroclaw-pdk = {{ path = "{pdk}" }}
{serde}{harness}
[profile.release]
opt-level = "s"
strip = true
codegen-units = 1
panic = "abort"

# A standalone crate, even when created inside another workspace.
[workspace]
"#
    );
    let (lib, manifest_tail, package, what) = match kind {
        Kind::Hook => {
            (hook_lib(name), hook_manifest(), "zeroclaw:hooks@1.0.0", "a hook on agent_end that logs each turn")
        }
        Kind::Tool => {
            (tool_lib(&ident), tool_manifest(&ident), "zeroclaw:tools@1.0.0", "a read tool that reverses a text")
        }
        Kind::Provider => (
            provider_lib(name, &ident),
            provider_manifest(&ident),
            "zeroclaw:providers@1.0.0",
            "a provider that greets",
        ),
    };
    let manifest = format!(
        r#"id = "{name}"
version = "0.1.0"
description = "{what}"
component = "{ident}.wasm"
wit = ["{package}"]
{manifest_tail}"#
    );
    let readme = format!(
        "# {name}\n\nA zeroclaw plugin: {what}.\n\n```sh\nzeroclaw plugins test .         # builds it and runs tests/*.toml, each case in a fresh sandbox\nzeroclaw plugins build .        # builds for wasm32-wasip2, installs, validates\nzeroclaw plugins list\n```\n\nSee docs/writing-wasm-plugins.md in the zeroclaw repository.\n"
    );
    let tests = match kind {
        Kind::Hook => hook_tests(),
        Kind::Tool => tool_tests(&ident),
        Kind::Provider => provider_tests(name, &ident),
    };
    let mut files = vec![
        ("Cargo.toml", cargo),
        ("src/lib.rs", lib),
        ("plugin.toml", manifest),
        ("tests/cases.toml", tests),
        ("README.md", readme),
        (".gitignore", "/target\n".to_string()),
    ];
    if let Some(root) = checkout {
        let test = match kind {
            Kind::Hook => hook_harness_test(),
            Kind::Tool => tool_harness_test(&ident),
            Kind::Provider => provider_harness_test(name, &ident),
        };
        files.push(("tests/plugin.rs", test));
        if let Ok(lock) = std::fs::read_to_string(root.join("Cargo.lock")) {
            files.push(("Cargo.lock", lock));
        }
    }
    if let Some(target) = crate::plugins::build::plugin_target_dir() {
        let config = format!(
            "# Every plugin crate builds in one directory, so a second one reuses what the first\n# compiled (the PDK, and the host `cargo test` loads the plugin through).\n[build]\ntarget-dir = \"{}\"\n",
            slashes(&target)
        );
        files.push((".cargo/config.toml", config));
    }
    files
}

/// The hook template's `cargo test`.
fn hook_harness_test() -> String {
    r#"//! `cargo test`: the plugin built and loaded as the host loads it, alone, in a sandbox.

use zeroclaw_plugin_test::{AgentEnd, Fired, HookPayload, TestPlugin, TokenUsage};

#[test]
fn a_turns_end_is_observed_and_logged() {
    let plugin = TestPlugin::build(env!("CARGO_MANIFEST_DIR")).unwrap();
    let end = HookPayload::AgentEnd(AgentEnd {
        reply: "done".into(),
        iterations: 1,
        tool_calls: 0,
        usage: TokenUsage { prompt_tokens: 3, completion_tokens: 1 },
        duration_ms: 5,
        cancelled: None,
    });
    assert_eq!(plugin.fire(end).unwrap(), Fired::Continue);
    assert!(plugin.logs().iter().any(|line| line.message.contains("turn ended")), "{:?}", plugin.logs());
}
"#
    .to_string()
}

/// The tool template's `cargo test`.
fn tool_harness_test(ident: &str) -> String {
    format!(
        r#"//! `cargo test`: the plugin built and loaded as the host loads it, alone, in a sandbox.

use zeroclaw_plugin_test::TestPlugin;
use zeroclaw_plugin_test::serde_json::json;

#[test]
fn reverses_a_text_and_refuses_arguments_off_its_schema() {{
    let plugin = TestPlugin::build(env!("CARGO_MANIFEST_DIR")).unwrap();
    assert_eq!(plugin.call("{ident}", json!({{"text": "abc"}})).unwrap(), "cba");
    let refused = plugin.call("{ident}", json!({{}})).unwrap_err();
    assert!(refused.contains("text"), "{{refused}}");
}}
"#
    )
}

/// The provider template's `cargo test`.
fn provider_harness_test(name: &str, ident: &str) -> String {
    format!(
        r#"//! `cargo test`: the plugin built and loaded as the host loads it, alone, in a sandbox.

use zeroclaw_plugin_test::{{ChatMessage, ChatRequest, TestPlugin}};

#[test]
fn greets_and_repeats_the_user() {{
    let plugin = TestPlugin::build(env!("CARGO_MANIFEST_DIR")).unwrap();
    let request = ChatRequest {{ messages: vec![ChatMessage::user("hi")], ..Default::default() }};
    assert_eq!(plugin.chat("{ident}", request).unwrap().text, "Hello from {name}! You said: hi");
}}
"#
    )
}

/// The hook template's test cases: `zeroclaw plugins test` runs them.
fn hook_tests() -> String {
    r#"# Test cases for `zeroclaw plugins test .`: each fires a hook at this plugin, alone, in a
# fresh sandbox. `expect` is continue, modify, cancel, refused or error; `zeroclaw plugins
# hooks` lists every point's payload fields.

[[hook]]
name = "a turn's end is observed and passed on"
point = "agent_end"
payload = { reply = "done", iterations = 1, tool_calls = 0, usage = { prompt_tokens = 3, completion_tokens = 1 }, duration_ms = 5 }
expect = "continue"
"#
    .to_string()
}

/// The tool template's test cases.
fn tool_tests(ident: &str) -> String {
    format!(
        r#"# Test cases for `zeroclaw plugins test .`: each calls a tool of this plugin, alone, in a
# fresh sandbox; the host checks the arguments against the tool's schema first.

[[tool]]
name = "reverses a text"
tool = "{ident}"
args = {{ text = "abc" }}
expect_output = "cba"

[[tool]]
name = "arguments without `text` fail the schema"
tool = "{ident}"
args = {{}}
expect_error = "text"
"#
    )
}

/// The provider template's test cases.
fn provider_tests(name: &str, ident: &str) -> String {
    format!(
        r#"# Test cases for `zeroclaw plugins test .`: each sends messages to a provider of this
# plugin, alone, in a fresh sandbox.

[[provider]]
name = "greets and repeats the user"
provider = "{ident}"
messages = [{{ role = "user", content = "hi" }}]
expect_reply = "Hello from {name}! You said: hi"
"#
    )
}

fn hook_lib(name: &str) -> String {
    format!(
        r#"//! {name}: a zeroclaw hook plugin.
//!
//! It observes `agent_end` and logs each turn. To rewrite a payload instead, subscribe to a
//! modifying hook in plugin.toml (e.g. `message_sending`), request its capability
//! (`messages:modify`), and return `Outcome::Modify(HookEvent::MessageSending(changed))`.

use zeroclaw_pdk::{{HookContext, HookEvent, Hooks, Outcome}};

struct Plugin;

impl Hooks for Plugin {{
    fn handle(ctx: &HookContext, event: HookEvent) -> Result<Outcome, String> {{
        if let HookEvent::AgentEnd(end) = event {{
            let session = ctx.session_id.as_deref().unwrap_or("-");
            zeroclaw_pdk::log::info(&format!(
                "session {{session}}: turn ended after {{}} model call(s) and {{}} tool call(s)",
                end.iterations, end.tool_calls
            ));
        }}
        Ok(Outcome::Continue)
    }}
}}

zeroclaw_pdk::plugin!(hooks = Plugin);
"#
    )
}

fn hook_manifest() -> String {
    "\n[[hooks]]\npoint = \"agent_end\"\npriority = 0\n".to_string()
}

fn tool_lib(ident: &str) -> String {
    format!(
        r#"//! {ident}: a zeroclaw tool plugin.

use serde::Deserialize;
use zeroclaw_pdk::serde_json::{{self, json}};
use zeroclaw_pdk::{{ToolEffect, ToolError, ToolSpec, Tools, tool_spec}};

#[derive(Deserialize)]
struct Args {{
    text: String,
}}

struct Plugin;

impl Tools for Plugin {{
    fn specs() -> Vec<ToolSpec> {{
        vec![tool_spec(
            "{ident}",
            "Reverses a text.",
            json!({{
                "type": "object",
                "properties": {{ "text": {{ "type": "string" }} }},
                "required": ["text"],
                "additionalProperties": false
            }}),
            ToolEffect::Read,
        )]
    }}

    fn invoke(name: &str, args: serde_json::Value) -> Result<String, ToolError> {{
        match name {{
            "{ident}" => {{
                let args: Args = zeroclaw_pdk::args(args)?;
                Ok(args.text.chars().rev().collect())
            }}
            other => Err(ToolError::Execution(format!("no tool `{{other}}`"))),
        }}
    }}
}}

zeroclaw_pdk::plugin!(tools = Plugin);
"#
    )
}

fn tool_manifest(ident: &str) -> String {
    format!("\n[[tools]]\nname = \"{ident}\"\neffect = \"read\"\n")
}

fn provider_lib(name: &str, ident: &str) -> String {
    format!(
        r#"//! {name}: a zeroclaw provider plugin (a greeter, not a language model).

use zeroclaw_pdk::{{ChatRequest, ChatResponse, ProviderError, Providers, Role, TokenUsage}};

struct Plugin;

impl Providers for Plugin {{
    fn chat(name: &str, request: ChatRequest) -> Result<ChatResponse, ProviderError> {{
        if name != "{ident}" {{
            return Err(ProviderError::Permanent(format!("no provider `{{name}}`")));
        }}
        let said = request.messages.iter().rev().find(|m| m.role == Role::User).map(|m| m.content.clone());
        let text = format!("Hello from {name}! You said: {{}}", said.unwrap_or_default());
        Ok(ChatResponse {{
            usage: TokenUsage {{ prompt_tokens: 0, completion_tokens: text.split_whitespace().count() as u32 }},
            text,
            tool_calls: Vec::new(),
            model: request.model,
        }})
    }}
}}

zeroclaw_pdk::plugin!(providers = Plugin);
"#
    )
}

fn provider_manifest(ident: &str) -> String {
    format!("\n[[providers]]\nname = \"{ident}\"\n")
}
