//! What a plugin of every language has: its `plugin.toml`, its `plugins test` cases, a
//! README and a `.gitignore`. The cases are the same in every language: the templates
//! behave the same.

use super::{Kind, Lang};

/// The language-independent files, by relative path.
pub(super) fn files(name: &str, kind: Kind, lang: Lang) -> Vec<(&'static str, String)> {
    let ident = name.replace('-', "_");
    let (manifest_tail, package, what) = match kind {
        Kind::Hook => (hook_manifest(), "zeroclaw:hooks@1.1.0", "a hook on agent_end that logs each turn"),
        Kind::Tool => (tool_manifest(&ident), "zeroclaw:tools@1.1.0", "a read tool that reverses a text"),
        Kind::Provider => (provider_manifest(&ident), "zeroclaw:providers@1.1.0", "a provider that greets"),
    };
    // The interpreter a Python or JavaScript component embeds needs more memory than a
    // Rust guest; declaring it makes a lower operator limit fail at load, naming the key.
    let memory = match lang {
        Lang::Rust => "",
        Lang::Python => {
            "# componentize-py embeds CPython: it needs this much linear memory to start.\nmemory_mb = 32\n"
        }
        Lang::Js => "# componentize-qjs embeds QuickJS: it needs this much linear memory to start.\nmemory_mb = 8\n",
    };
    let manifest = format!(
        "id = \"{name}\"\nversion = \"0.1.0\"\ndescription = \"{what}\"\ncomponent = \"{ident}.wasm\"\nwit = [\"{package}\"]\n{memory}{manifest_tail}"
    );
    let (language, page) = match lang {
        Lang::Rust => ("Rust", "writing-wasm-plugins.md"),
        Lang::Python => ("Python", "python-plugins.md"),
        Lang::Js => ("JavaScript", "javascript-plugins.md"),
    };
    let readme = format!(
        "# {name}\n\nA zeroclaw plugin in {language}: {what}.\n\n```sh\nzeroclaw plugins test .         # builds it and runs tests/*.toml, each case in a fresh sandbox\nzeroclaw plugins build .        # builds for wasm32-wasip2, installs, validates\nzeroclaw plugins list\n```\n\nSee docs/{page} in the zeroclaw repository.\n"
    );
    let tests = match kind {
        Kind::Hook => hook_tests(),
        Kind::Tool => tool_tests(&ident),
        Kind::Provider => provider_tests(name, &ident),
    };
    let ignore = match lang {
        Lang::Rust | Lang::Js => "/target\n",
        Lang::Python => "/target\n__pycache__/\n",
    };
    vec![
        ("plugin.toml", manifest),
        ("tests/cases.toml", tests),
        ("README.md", readme),
        (".gitignore", ignore.to_string()),
    ]
}

/// The hook template's test cases: `zeroclaw plugins test` runs them.
pub(super) fn hook_tests() -> String {
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

fn hook_manifest() -> String {
    "\n[[hooks]]\npoint = \"agent_end\"\npriority = 0\n".to_string()
}

fn tool_manifest(ident: &str) -> String {
    format!("\n[[tools]]\nname = \"{ident}\"\neffect = \"read\"\n")
}

fn provider_manifest(ident: &str) -> String {
    format!("\n[[providers]]\nname = \"{ident}\"\n")
}
