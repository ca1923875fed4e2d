//! `zeroclaw plugins test DIR`: a plugin's declarative test cases, in any guest language.
//!
//! The cases are in the plugin's `tests/*.toml`: `[[hook]]` (a point and a payload → the
//! outcome), `[[tool]]` (a tool and arguments → the output or an error) and `[[provider]]`
//! (a provider and messages → the reply or an error). Each case runs against the plugin
//! loaded the way the runtime loads it, in a sandbox of its own: a fresh state directory
//! (so a fresh kv store), the capabilities the case grants (by default every one the
//! manifest requests) and the config it sets. Nothing is installed into the operator's
//! plugins directory.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use zeroclaw_plugin_api::{ChatMessage, ChatRequest, HookPayload, HookPoint, Role};

use crate::capability::Capability;
use crate::cli::CliError;
use crate::observability::for_one_line;
use crate::plugins::build::{BuiltPlugin, GuestLanguage};
use crate::plugins::manifest::{MANIFEST_FILE, Manifest};
use crate::plugins::trial::{Fired, Trial, TrialOptions, TrialPlugin};

/// One `tests/*.toml` file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default)]
    hook: Vec<HookCase>,
    #[serde(default)]
    tool: Vec<ToolCase>,
    #[serde(default)]
    provider: Vec<ProviderCase>,
}

/// What every case may set about the sandbox it runs in: the keys of the operator's
/// `plugins.entries.<id>`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sandbox {
    /// The capabilities granted (default: every one the manifest requests).
    grant: Option<Vec<Capability>>,
    /// `plugins.entries.<id>.config`.
    config: Option<toml::Table>,
    /// The hosts `http:outbound` reaches.
    #[serde(default)]
    http_allow: Vec<String>,
    /// The directories `fs:read` opens, relative to the plugin's directory.
    #[serde(default)]
    fs_read: Vec<PathBuf>,
    /// The directories `fs:write` opens, relative to the plugin's directory.
    #[serde(default)]
    fs_write: Vec<PathBuf>,
    /// The host variables `env` passes.
    #[serde(default)]
    env: Vec<String>,
}

/// `[[hook]]`: fire `point` with `payload`; expect an outcome.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HookCase {
    name: Option<String>,
    point: String,
    payload: toml::Table,
    /// `continue`, `modify`, `cancel`, `refused` (a rewrite the grants do not allow) or
    /// `error`.
    expect: String,
    /// With `modify`: fields the rewritten payload must hold (other fields are not checked).
    expect_payload: Option<toml::Table>,
    /// With `cancel` or `error`: text the reason must contain.
    expect_reason: Option<String>,
    #[serde(flatten)]
    sandbox: Sandbox,
}

/// `[[tool]]`: call `tool` with `args`; expect its output or an error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolCase {
    name: Option<String>,
    tool: String,
    #[serde(default)]
    args: toml::Table,
    /// The exact output.
    expect_output: Option<String>,
    /// Text the error must contain (the arguments may also fail the tool's schema).
    expect_error: Option<String>,
    #[serde(flatten)]
    sandbox: Sandbox,
}

/// `[[provider]]`: send `messages` to `provider`; expect its reply or an error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderCase {
    name: Option<String>,
    provider: String,
    messages: Vec<Message>,
    /// The exact reply text.
    expect_reply: Option<String>,
    /// Text the error must contain.
    expect_error: Option<String>,
    #[serde(flatten)]
    sandbox: Sandbox,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Message {
    role: Role,
    content: String,
}

/// One case of a file, whatever its table.
enum Case<'a> {
    Hook(&'a HookCase),
    Tool(&'a ToolCase),
    Provider(&'a ProviderCase),
}

impl Case<'_> {
    fn sandbox(&self) -> &Sandbox {
        match self {
            Case::Hook(c) => &c.sandbox,
            Case::Tool(c) => &c.sandbox,
            Case::Provider(c) => &c.sandbox,
        }
    }

    async fn run(&self, trial: &Trial) -> Result<(), String> {
        match self {
            Case::Hook(c) => hook_case(trial, c).await,
            Case::Tool(c) => tool_case(trial, c).await,
            Case::Provider(c) => provider_case(trial, c).await,
        }
    }
}

impl CaseFile {
    /// Every case, in file order by table, with its name (or `tool #2 (my_tool)`).
    fn labelled(&self) -> Vec<(String, Case<'_>)> {
        let label = |name: &Option<String>, table: &str, i: usize, what: &str| {
            name.clone().unwrap_or_else(|| format!("{table} #{} ({what})", i + 1))
        };
        let hooks = self.hook.iter().enumerate().map(|(i, c)| (label(&c.name, "hook", i, &c.point), Case::Hook(c)));
        let tools = self.tool.iter().enumerate().map(|(i, c)| (label(&c.name, "tool", i, &c.tool), Case::Tool(c)));
        let providers = self
            .provider
            .iter()
            .enumerate()
            .map(|(i, c)| (label(&c.name, "provider", i, &c.provider), Case::Provider(c)));
        hooks.chain(tools).chain(providers).collect()
    }
}

/// `plugins test DIR`.
pub async fn run(dir: &Path) -> Result<(), CliError> {
    let plugins = plugins_in(dir)?;
    // Every file is read first: a file that does not parse stops the run before any case.
    let mut suites = Vec::new();
    for (crate_dir, built) in plugins {
        let files = case_files(&crate_dir)?;
        let id = Manifest::load(&built.manifest)?.id;
        suites.push((crate_dir, built, id, files));
    }
    let (mut passed, mut failed) = (0, 0);
    for (crate_dir, built, id, files) in &suites {
        let plugin = TrialPlugin { manifest: built.manifest.clone(), component: built.component.clone() };
        let mut cases = 0;
        for (path, file) in files {
            let file_name = path.strip_prefix(crate_dir).unwrap_or(path).display().to_string();
            for (label, case) in file.labelled() {
                cases += 1;
                let result = match trial(&plugin, case.sandbox()).await {
                    Ok(trial) => case.run(&trial).await,
                    Err(e) => Err(e),
                };
                match result {
                    Ok(()) => {
                        passed += 1;
                        println!("ok    {id}: {file_name}: {label}");
                    }
                    Err(why) => {
                        failed += 1;
                        println!("FAIL  {id}: {file_name}: {label}: {}", for_one_line(&why));
                    }
                }
            }
        }
        if cases == 0 {
            failed += 1;
            println!(
                "FAIL  {id}: no test cases in {}; write [[hook]], [[tool]] or [[provider]] tables in tests/*.toml",
                crate_dir.join("tests").display()
            );
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 { Err(CliError(format!("{failed} test case(s) failed"))) } else { Ok(()) }
}

/// The plugins of `dir`, each with the directory holding its `tests/`: sources (a crate or
/// a workspace of crates, a Python or JavaScript plugin) are built first; a directory with
/// only a `plugin.toml` and its component is taken as built.
fn plugins_in(dir: &Path) -> Result<Vec<(PathBuf, BuiltPlugin)>, CliError> {
    if GuestLanguage::detect(dir)?.is_some() {
        let built = super::author::build_plugins(dir, true)?;
        return Ok(built
            .into_iter()
            .map(|b| (b.manifest.parent().map_or_else(|| dir.to_path_buf(), Path::to_path_buf), b))
            .collect());
    }
    let manifest_path = dir.join(MANIFEST_FILE);
    if !manifest_path.is_file() {
        return Err(CliError(format!(
            "{} has no plugin sources (Cargo.toml, app.py, app.js) and no plugin.toml; point at a plugin's sources or a built plugin directory",
            dir.display()
        )));
    }
    let manifest = Manifest::load(&manifest_path)?;
    let component = manifest.component.clone(); // resolved against the manifest's directory
    Ok(vec![(dir.to_path_buf(), BuiltPlugin { crate_name: manifest.id.clone(), component, manifest: manifest_path })])
}

/// What each table of a case file takes, for an unknown key's message.
const KNOWN_KEYS: &str = "[[hook]] takes name, point, payload, expect, expect_payload, expect_reason; [[tool]] takes name, tool, args, expect_output, expect_error; [[provider]] takes name, provider, messages, expect_reply, expect_error; each also grant, config, http_allow, fs_read, fs_write and env";

/// `dir/tests/*.toml`, parsed, in name order.
fn case_files(dir: &Path) -> Result<Vec<(PathBuf, CaseFile)>, CliError> {
    let Ok(entries) = std::fs::read_dir(dir.join("tests")) else { return Ok(Vec::new()) };
    let mut paths: Vec<PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|e| CliError(format!("{}: {e}", path.display())))?;
            let cases: CaseFile = toml::from_str(&text).map_err(|e| {
                let start = e.span().map_or(0, |s| s.start);
                let message = e.message().trim();
                // An unknown key is reported at its table; point at the key itself.
                let key = message.strip_prefix("unknown field `").and_then(|rest| rest.split('`').next());
                let at = key
                    .and_then(|key| {
                        let mut offset = start;
                        text[start..].split_inclusive('\n').find_map(|line| {
                            let here = offset;
                            offset += line.len();
                            let rest = line.trim_start().strip_prefix(key)?;
                            rest.trim_start().starts_with('=').then_some(here)
                        })
                    })
                    .unwrap_or(start);
                let line = text[..at].matches('\n').count() + 1;
                let known = if key.is_some() { format!("; {KNOWN_KEYS}") } else { String::new() };
                CliError(format!("{}:{line}: {message}{known}", path.display()))
            })?;
            Ok((path, cases))
        })
        .collect()
}

/// Starts the trial a case asks for; its directories resolve against the plugin's.
async fn trial(plugin: &TrialPlugin, sandbox: &Sandbox) -> Result<Trial, String> {
    let config = sandbox.config.as_ref().map(serde_json::to_value).transpose().map_err(|e| e.to_string())?;
    let base = plugin.manifest.parent().unwrap_or(Path::new("."));
    let options = TrialOptions {
        grant: sandbox.grant.clone(),
        config,
        http_allow: sandbox.http_allow.clone(),
        fs_read: sandbox.fs_read.iter().map(|d| base.join(d)).collect(),
        fs_write: sandbox.fs_write.iter().map(|d| base.join(d)).collect(),
        env: sandbox.env.clone(),
        compile_cache: crate::config::state::user_cache_dir().map(|c| c.join("test-compile-cache")),
    };
    Trial::start(plugin, &options).await
}

async fn hook_case(trial: &Trial, case: &HookCase) -> Result<(), String> {
    let point = HookPoint::from_name(&case.point)
        .ok_or_else(|| format!("no hook `{}`; `zeroclaw plugins hooks` lists them", case.point))?;
    let payload = serde_json::to_value(&case.payload).map_err(|e| e.to_string())?;
    let payload = HookPayload::from_fields(point, payload).map_err(|e| {
        format!("the payload does not fit {} ({e}); `zeroclaw plugins hooks` lists its fields", point.name())
    })?;
    let fired = trial.fire(&payload).await?;
    let (detail, rewritten) = match &fired {
        Fired::Continue => (String::new(), None),
        Fired::Modify(next) => {
            let json = next.fields();
            (json.to_string(), Some(json))
        }
        Fired::Cancel(why) | Fired::Refused(why) | Fired::Error(why) => (why.clone(), None),
    };
    if fired.label() != case.expect {
        let detail = if detail.is_empty() { String::new() } else { format!(" ({detail})") };
        return Err(format!("expected {}, got {}{detail}", case.expect, fired.label()));
    }
    if let (Some(expected), Some(rewritten)) = (&case.expect_payload, &rewritten) {
        for (field, value) in expected {
            if !point.rewritable_fields().contains(&field.as_str()) {
                return Err(format!(
                    "expect_payload checks `{field}`, but {} reads back only {} from a rewrite: a change to `{field}` has no effect in a real turn",
                    point.name(),
                    point.rewritable_fields().join(", ")
                ));
            }
            let value = serde_json::to_value(value).map_err(|e| e.to_string())?;
            if rewritten.get(field) != Some(&value) {
                return Err(format!(
                    "expected the rewritten `{field}` to be {value}, got {}",
                    rewritten.get(field).map_or("nothing".to_string(), ToString::to_string)
                ));
            }
        }
    }
    contains(case.expect_reason.as_deref(), &detail, "reason")
}

async fn tool_case(trial: &Trial, case: &ToolCase) -> Result<(), String> {
    let args = serde_json::to_value(&case.args).map_err(|e| e.to_string())?;
    let result = trial.call(&case.tool, &args).await;
    expect_text(result, case.expect_output.as_deref(), case.expect_error.as_deref(), "output")
}

async fn provider_case(trial: &Trial, case: &ProviderCase) -> Result<(), String> {
    let messages = case
        .messages
        .iter()
        .map(|m| ChatMessage { role: m.role, content: m.content.clone(), tool_calls: Vec::new(), tool_call_id: None })
        .collect();
    let request = ChatRequest { model: case.provider.clone(), messages, ..Default::default() };
    let result = trial.chat(&case.provider, &request).await.map(|r| r.text);
    expect_text(result, case.expect_reply.as_deref(), case.expect_error.as_deref(), "reply")
}

/// Checks a result against an expected text (exact) or an expected error (contained).
fn expect_text(
    result: Result<String, String>,
    expected: Option<&str>,
    error: Option<&str>,
    what: &str,
) -> Result<(), String> {
    match (result, error) {
        (Ok(got), None) => match expected {
            Some(expected) if got != expected => Err(format!("expected the {what} {expected:?}, got {got:?}")),
            _ => Ok(()),
        },
        (Ok(got), Some(error)) => Err(format!("expected an error containing {error:?}, got the {what} {got:?}")),
        (Err(e), None) => match expected {
            Some(expected) => Err(format!("expected the {what} {expected:?}, got an error: {e}")),
            None => Err(format!("expected success, got an error: {e}")),
        },
        (Err(e), Some(error)) => contains(Some(error), &e, "error"),
    }
}

fn contains(expected: Option<&str>, got: &str, what: &str) -> Result<(), String> {
    match expected {
        Some(expected) if !got.contains(expected) => {
            Err(format!("expected the {what} to contain {expected:?}, got {got:?}"))
        }
        _ => Ok(()),
    }
}
