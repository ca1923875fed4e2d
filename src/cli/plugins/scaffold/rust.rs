//! The Rust templates: a crate using the PDK, with `plugins test` cases and a `cargo test`
//! through zeroclaw-plugin-test when the PDK comes from a zeroclaw checkout.

use std::path::Path;

use super::Kind;

/// The crate's own files, by relative path (the manifest, cases and README are the
/// language's common ones). With `checkout` (the zeroclaw source tree holding
/// the PDK), the crate also gets a `cargo test` through `zeroclaw-plugin-test`, the
/// checkout's lock file (so the host it tests against resolves to the same versions and
/// its build is shared), and one build directory with every other plugin crate.
pub(super) fn files(name: &str, kind: Kind, pdk: &Path, checkout: Option<&Path>) -> Vec<(&'static str, String)> {
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
    let lib = match kind {
        Kind::Hook => hook_lib(name),
        Kind::Tool => tool_lib(&ident),
        Kind::Provider => provider_lib(name, &ident),
    };
    let mut files = vec![("Cargo.toml", cargo), ("src/lib.rs", lib)];
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
