//! `plugins call` and `plugins fire`: exercise one plugin from the shell.

use std::path::Path;

use zeroclaw_plugin_api::{HookContext, HookOutcome, HookPayload, HookPoint};

use super::with_plugins_enabled;
use crate::cli::CliError;
use crate::observability::{for_one_line, for_terminal};
use crate::plugins::{PluginRuntime, PluginStatus, Snapshot};

/// Fails when plugin `id` is not serving in `snapshot`, saying why.
fn require_active(snapshot: &Snapshot, id: &str) -> Result<(), CliError> {
    match snapshot.plugins().iter().find(|p| p.id == id) {
        Some(p) if p.status == PluginStatus::Active => Ok(()),
        Some(p) => Err(CliError(format!("plugin `{id}` is not serving: {:?}", p.status))),
        None => Err(CliError(format!("no plugin `{id}` is installed in plugins.dirs"))),
    }
}

/// `plugins call ID TOOL ARGS`: validates the arguments against the tool's schema, calls it,
/// prints its output.
pub async fn call(config: Option<&Path>, id: &str, tool: &str, args: &str) -> Result<(), CliError> {
    let args: serde_json::Value = serde_json::from_str(args).map_err(|e| CliError(format!("ARGS is not JSON: {e}")))?;
    let runtime = PluginRuntime::start(with_plugins_enabled(config)?).await?;
    let snapshot = runtime.snapshot();
    require_active(&snapshot, id)?;
    let entry = snapshot.tool(tool).ok_or_else(|| CliError(format!("no tool `{tool}` in the tool table")))?;
    if entry.owner.plugin_id() != id {
        return Err(CliError(format!("tool `{tool}` is served by {}, not by plugin `{id}`", entry.owner)));
    }
    let validator = jsonschema::validator_for(&entry.spec.parameters).map_err(|e| CliError(e.to_string()))?;
    let problems: Vec<String> = validator.iter_errors(&args).map(|e| e.to_string()).collect();
    if !problems.is_empty() {
        return Err(CliError(format!("arguments do not match `{tool}`'s schema: {}", problems.join("; "))));
    }
    // The plugin's own tool: a failure is shown as it is, never hidden by a native fallback.
    match entry.invoke(&args).await {
        Ok(output) => {
            println!("{}", for_terminal(&output));
            Ok(())
        }
        Err(e) => Err(CliError(format!("{tool} failed: {e}"))),
    }
}

/// `plugins fire ID HOOK PAYLOAD`: calls plugin `id`'s handler(s) for `hook` and prints
/// each outcome (continue, the rewritten payload, or the cancel reason).
pub async fn fire(config: Option<&Path>, id: &str, hook: &str, payload: &str) -> Result<(), CliError> {
    let point = HookPoint::from_name(hook).ok_or_else(|| {
        let known: Vec<&str> = HookPoint::ALL.iter().map(|p| p.name()).collect();
        CliError(format!("no hook `{hook}`; known: {}", known.join(", ")))
    })?;
    let fields: serde_json::Value =
        serde_json::from_str(payload).map_err(|e| CliError(format!("PAYLOAD is not JSON: {e}")))?;
    let payload =
        HookPayload::from_fields(point, fields).map_err(|e| CliError(format!("PAYLOAD does not fit {hook}: {e}")))?;
    // The payload as the handler saw it (defaults filled in), to tell what a rewrite changed.
    let fields = payload.fields();
    let runtime = PluginRuntime::start(with_plugins_enabled(config)?).await?;
    let snapshot = runtime.snapshot();
    require_active(&snapshot, id)?;
    let entries: Vec<_> = snapshot.hooks(point).iter().filter(|e| e.owner.plugin_id() == id).collect();
    if entries.is_empty() {
        return Err(CliError(format!("plugin `{id}` does not subscribe to {hook}")));
    }
    let ctx = HookContext::session("zeroclaw", "cli-fire", "cli");
    for entry in entries {
        let outcome =
            entry.handler.handle(&ctx, &payload).await.map_err(|e| CliError(format!("{}: {e}", entry.owner)))?;
        let line = match outcome {
            HookOutcome::Continue => "continue".to_string(),
            HookOutcome::Cancel(reason) => format!("cancel: {}", for_one_line(&reason)),
            HookOutcome::Modify(next) if next.point() != point => {
                format!("refused: returned a {} payload for {hook}", next.point().name())
            }
            HookOutcome::Modify(next) => {
                let granted = entry.rights.may_modify(point);
                let rewritten = next.fields();
                let json = serde_json::to_string_pretty(&rewritten)?;
                let note = if granted { "" } else { " (the runtime would refuse it: the right is not granted)" };
                let mut line = format!("modify{note}:\n{json}");
                let ignored = ignored_changes(point, &fields, &rewritten);
                if !ignored.is_empty() {
                    line.push_str(&format!(
                        "\nnote: the host ignores changes to {} on {hook}; it reads back only {}",
                        ignored.join(", "),
                        point.rewritable_fields().iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
                    ));
                }
                line
            }
        };
        println!("{} [{}]: {}", entry.owner, entry.handler_name, for_terminal(&line));
    }
    Ok(())
}

/// The top-level payload fields `rewritten` changes that `point`'s call site never reads
/// back, as `` `name` `` (a rewrite of them has no effect).
fn ignored_changes(point: HookPoint, sent: &serde_json::Value, rewritten: &serde_json::Value) -> Vec<String> {
    let Some(fields) = rewritten.as_object() else { return Vec::new() };
    fields
        .iter()
        .filter(|(name, value)| sent.get(name.as_str()) != Some(*value))
        .filter(|(name, _)| !point.rewritable_fields().contains(&name.as_str()))
        .map(|(name, _)| format!("`{name}`"))
        .collect()
}
