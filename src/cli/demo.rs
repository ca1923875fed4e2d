//! `zeroclaw demo`: a scripted conversation in which native and wasm hooks, tools and a
//! provider all act, with a trace of every hook call and a summary table.
//!
//! It builds the example plugins from `wasm-plugins/` if needed, installs them in a
//! scratch workspace, and runs the agent with the offline provider (deterministic, not a
//! language model) and a demo config.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use zeroclaw_plugin_api::SessionEndReason;

use super::CliError;
use crate::agent::{Agent, AgentOptions};
use crate::channels::{Incoming, Reply, delivered, receive};
use crate::config::LoadedConfig;
use crate::hooks::{HandlerEvent, HookListener};
use crate::observability::{Event, Observer};
use crate::observability::{for_one_line, for_terminal};
use crate::plugins::build::{build_guests, ensure_wasm_target, install};

const SCRIPT: [&str; 6] = [
    "what time is it?",
    "stats: the quick brown fox jumps over the lazy dog and the end",
    "read secrets.txt",
    "write notes.txt: remember this",
    "query release.version in {\"release\": {\"version\": \"1.0.0\"}}",
    "thanks, that is all",
];

const EXAMPLES: [&str; 4] = ["redact", "text-stats", "echo-provider", "guard"];

const CONFIG: &str = r#"# The demo's config: every example plugin loaded, each granted what it needs.
# The tools work in workspace/; the host's state is beside it, out of their reach.
workspace = "workspace"
state_dir = "state"

[agent]
id = "demo"
compaction_threshold = 10
compaction_keep = 2
compaction_model = "hint:summarize"

[providers.routes]
summarize = "echo/echo-1"

[security]
autonomy = "full"

[hooks.builtin]
command_logger = true

[plugins]
enabled = true
dirs = ["plugins"]

[plugins.entries.redact]
grant = ["tool-results:modify"]

[plugins.entries.guard]
grant = ["tool-calls:modify"]

[plugins.entries.guard.config]
blocked_tools = ["file_write"]

[plugins.entries.echo-provider.config]
prefix = "(summary by the echo plugin) "
"#;

/// Calls per (hook, owner), by outcome.
type Counts = BTreeMap<(String, String), BTreeMap<&'static str, u32>>;

/// One trace line per hook handler call, and counts for the summary.
#[derive(Default)]
struct Trace {
    lines: Mutex<Vec<String>>,
    counts: Mutex<Counts>,
    compactions: Mutex<Vec<u32>>,
}

impl Observer for Trace {
    fn record(&self, event: &Event) {
        if let Event::Compaction { compacted, .. } = event {
            self.compactions.lock().push(*compacted);
        }
    }
}

impl HookListener for Trace {
    fn on_handler(&self, event: &HandlerEvent<'_>) {
        self.lines.lock().push(super::trace::line(event));
        let key = (event.point.name().to_string(), event.entry.owner.to_string());
        *self.counts.lock().entry(key).or_default().entry(event.outcome.label()).or_default() += 1;
    }
}

fn source_tree() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `zeroclaw demo [--dir DIR]`.
pub async fn run(dir: Option<PathBuf>) -> Result<(), CliError> {
    let scratch;
    let root = match dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).map_err(|e| CliError(format!("cannot create {}: {e}", dir.display())))?;
            dir
        }
        None => {
            scratch = tempfile::tempdir().map_err(|e| CliError(e.to_string()))?;
            scratch.path().to_path_buf()
        }
    };
    prepare(&root)?;
    let config = LoadedConfig::parse(CONFIG, &root.join("zeroclaw.toml"))?;
    let trace = Arc::new(Trace::default());
    let options = AgentOptions { listeners: vec![trace.clone()], observers: vec![trace.clone()] };
    let agent = Agent::start_with(config, options).await?;

    println!("\nzeroclaw demo: plugins loaded");
    for row in agent.runtime().snapshot().rows() {
        let priority = row.priority.map_or_else(String::new, |p| format!(" (priority {p})"));
        println!("  {:<9} {:<40} {}{priority}", row.kind, row.name, row.owner);
    }
    println!("\nThe provider is `offline`: deterministic rules, not a language model.\n");
    for message in SCRIPT {
        println!("you> {message}");
        trace.lines.lock().clear();
        let incoming =
            Incoming { session_id: "demo".into(), channel: "cli".into(), sender: "you".into(), text: message.into() };
        let reply = receive(&agent, incoming).await;
        if let Reply::Send { text, .. } = &reply {
            delivered(&agent, "demo", "cli", "you", text).await;
        }
        for line in trace.lines.lock().drain(..) {
            println!("{}", for_one_line(&line));
        }
        let compactions: Vec<u32> = trace.compactions.lock().drain(..).collect();
        for compacted in compactions {
            let session = agent.session("demo", "cli").await;
            let summary = session.lock().await.history.first().map(|m| m.content.clone()).unwrap_or_default();
            let summary: String = summary.chars().take(110).collect();
            println!(
                "    compaction: {compacted} messages replaced by a summary from the `summarize` route (wasm:echo-provider)"
            );
            println!("      {}…", for_terminal(&summary));
        }
        match reply {
            Reply::Send { text, turn } => {
                for call in &turn.tool_calls {
                    let owner = if call.owner.is_empty() { "not run" } else { call.owner.as_str() };
                    println!(
                        "    tool {} ({owner}): {}",
                        call.call.name,
                        if call.result.is_error { "refused or failed" } else { "ok" }
                    );
                }
                println!("zeroclaw> {}\n", for_terminal(&text));
            }
            Reply::Dropped { reason } => println!("zeroclaw> (message dropped: {})\n", for_one_line(&reason)),
            Reply::Suppressed { reason } => println!("zeroclaw> (reply suppressed: {})\n", for_one_line(&reason)),
            Reply::Unsaved { reason } => {
                return Err(CliError(format!("the demo's transcript cannot be written: {reason}")));
            }
        }
    }
    agent.end_session("demo", SessionEndReason::Closed).await;
    // Give the void hooks of session_end a moment to be traced.
    tokio::time::sleep(Duration::from_millis(20)).await;
    summary(&trace);
    if let Ok(log) = std::fs::read_to_string(root.join("state/commands.jsonl")) {
        println!("\ncommand_logger wrote {} line(s) to state/commands.jsonl", log.lines().count());
    }
    Ok(())
}

/// Builds the example plugins (if needed) and writes the demo workspace.
fn prepare(root: &Path) -> Result<(), CliError> {
    let examples = source_tree().join("wasm-plugins");
    if !examples.join("Cargo.toml").is_file() {
        return Err(CliError(format!(
            "the demo builds the example plugins from {}, which is not here; run it from a zeroclaw checkout",
            examples.display()
        )));
    }
    ensure_wasm_target(&mut |m| eprintln!("{m}"))?;
    eprintln!("building the example plugins (wasm32-wasip2, once; then only when they change)…");
    // Beside the host's own build (so `cargo test` and the demo share guest builds).
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| source_tree().join("target"), PathBuf::from)
        .join("wasm-guests");
    let built = build_guests(&examples, Some(&target), true)?;
    for name in EXAMPLES {
        let plugin = built
            .iter()
            .find(|b| b.crate_name == name)
            .ok_or_else(|| CliError(format!("example `{name}` was not built")))?;
        install(plugin, &root.join("plugins"))?;
    }
    let workspace = root.join("workspace");
    std::fs::create_dir_all(&workspace).map_err(|e| CliError(e.to_string()))?;
    std::fs::write(workspace.join("secrets.txt"), "deploy with api key sk-demo-0123456789abcdef and password=hunter2")
        .map_err(|e| CliError(e.to_string()))?;
    std::fs::write(root.join("zeroclaw.toml"), CONFIG).map_err(|e| CliError(e.to_string()))?;
    Ok(())
}

fn summary(trace: &Trace) {
    println!("summary: hook calls by owner and outcome");
    println!("  {:<20} {:<26} OUTCOMES", "HOOK", "OWNER");
    for ((hook, owner), outcomes) in trace.counts.lock().iter() {
        let outcomes: Vec<String> = outcomes.iter().map(|(o, n)| format!("{o} {n}")).collect();
        println!("  {hook:<20} {owner:<26} {}", outcomes.join(", "));
    }
}
