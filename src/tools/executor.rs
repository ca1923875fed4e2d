//! The tool call pipeline, the same for native and plugin tools:
//!
//! 1. `before_tool_call`: handlers may rewrite the call or block it (the model is told why);
//! 2. resolve the tool by name to its owner in the snapshot;
//! 3. the security policy decides on the effect the host judges it by (never weaker than
//!    the native tool a plugin tool overrides);
//! 4. the arguments are validated against its JSON Schema;
//! 5. invoke. A plugin tool that overrides a native one and fails in the runtime falls
//!    back to the native tool, which passes steps 3 and 4 again (its own schema) and is
//!    recorded as the owner;
//! 6. `tool_result_persist`: handlers may rewrite the result before it enters history and
//!    the transcript (a cancel withholds it);
//! 7. `after_tool_call` observes the outcome.
//!
//! Every refusal becomes an error result the model reads; nothing here fails the turn.

use std::time::Instant;

use zeroclaw_plugin_api::{
    AfterToolCall, HookContext, HookPoint, ToolCall, ToolError, ToolResult, ToolResultPersist, hooks,
};

use crate::hooks::{HookFlow, HookRunner};
use crate::observability::{CallSite, Event, FailureClass, Observer};
use crate::plugins::{Snapshot, ToolEntry};
use crate::security::SecurityPolicy;

/// A tool call as it ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Executed {
    /// The call as it ran (after `before_tool_call`).
    pub call: ToolCall,
    /// The result as it enters history (after `tool_result_persist`).
    pub result: ToolResult,
    /// Who served it (`native:clock`), empty when nothing ran.
    pub owner: String,
    /// Whether the tool itself ran.
    pub ran: bool,
    /// Why the tool did not run, when it did not.
    pub stopped: Option<Stopped>,
}

/// Why a call's tool did not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// A `before_tool_call` handler cancelled it.
    Blocked,
    /// No tool has its name.
    NotFound,
    /// The security policy refused it.
    Refused,
    /// Its arguments do not fit the tool's schema.
    InvalidArguments,
}

/// Runs tool calls through the pipeline.
pub struct ToolExecutor<'a> {
    /// The hooks.
    pub runner: &'a HookRunner,
    /// The policy.
    pub policy: &'a SecurityPolicy,
    /// Where tool events go.
    pub observer: &'a dyn Observer,
}

/// The tools a plugin may call (`plugins.entries.<id>.invoke_allow`): checked again after
/// `before_tool_call`, so that a hook's rewrite cannot turn an allowed call into another.
#[derive(Clone, Copy, Debug)]
pub struct Allowlist<'a> {
    /// The plugin that makes the call.
    pub caller: &'a str,
    /// The names it may call.
    pub tools: &'a [String],
}

/// Whether anything listens to `point` in the snapshot the call runs in: with nothing, its
/// payload is not even built.
fn has_handlers(snapshot: &Snapshot, point: HookPoint) -> bool {
    !snapshot.hooks(point).is_empty()
}

fn error_result(call: &ToolCall, content: String) -> ToolResult {
    ToolResult { call_id: call.id.clone(), name: call.name.clone(), content, is_error: true }
}

impl ToolExecutor<'_> {
    /// Runs `call` through every step.
    pub async fn execute(&self, snapshot: &Snapshot, ctx: &HookContext, call: ToolCall) -> Executed {
        self.execute_within(snapshot, ctx, call, None).await
    }

    /// Runs `call` through every step, a call made by a plugin limited to `allowed`.
    pub async fn execute_within(
        &self,
        snapshot: &Snapshot,
        ctx: &HookContext,
        call: ToolCall,
        allowed: Option<Allowlist<'_>>,
    ) -> Executed {
        let started = Instant::now();
        let (call, result, owner, stopped) = self.run(snapshot, ctx, call, allowed).await;
        let persisted = self.persist(snapshot, ctx, &call, result).await;
        let duration_ms = started.elapsed().as_millis() as u64;
        self.observer.record(&Event::ToolCallEnd {
            tool: call.name.clone(),
            owner: owner.clone(),
            success: !persisted.is_error,
            duration_ms,
        });
        if has_handlers(snapshot, HookPoint::AfterToolCall) {
            let done =
                AfterToolCall { call: call.clone(), result: persisted.clone(), owner: owner.clone(), duration_ms };
            self.runner.fire::<hooks::AfterToolCall>(ctx, done).await;
        }
        Executed { call, result: persisted, owner, ran: stopped.is_none(), stopped }
    }

    /// Steps 1–5: the call as it ran, its raw result, who served it, and why it did not
    /// run if it did not.
    async fn run(
        &self,
        snapshot: &Snapshot,
        ctx: &HookContext,
        call: ToolCall,
        allowed: Option<Allowlist<'_>>,
    ) -> (ToolCall, ToolResult, String, Option<Stopped>) {
        // With no handler on a point, its payload is not even built.
        let call = if has_handlers(snapshot, HookPoint::BeforeToolCall) {
            // A blocked call is answered as the model asked it, whatever a handler before
            // the cancel rewrote: the one copy the chain needs.
            let asked = call.clone();
            match self.runner.run::<hooks::BeforeToolCall>(ctx, call).await {
                HookFlow::Continue(rewritten) => rewritten,
                HookFlow::Cancelled { reason, by } => {
                    let content = format!("The call to `{}` was blocked by {by}: {reason}", asked.name);
                    let result = error_result(&asked, content);
                    return (asked, result, String::new(), Some(Stopped::Blocked));
                }
            }
        } else {
            call
        };
        if let Some(allowed) = allowed
            && !allowed.tools.contains(&call.name)
        {
            let content = format!(
                "The call to `{}` is not permitted: it is not in plugins.entries.{}.invoke_allow.",
                call.name, allowed.caller
            );
            return (call.clone(), error_result(&call, content), String::new(), Some(Stopped::Refused));
        }
        let Some(entry) = snapshot.tool(&call.name) else {
            let known: Vec<&str> = snapshot.tools().map(|t| t.spec.name.as_str()).collect();
            let content = format!("There is no tool named `{}`. Tools: {}.", call.name, known.join(", "));
            return (call.clone(), error_result(&call, content), String::new(), Some(Stopped::NotFound));
        };
        if let Err((stopped, refusal)) = self.admit(entry, &call) {
            return (call.clone(), error_result(&call, refusal), String::new(), Some(stopped));
        }
        let failure = match self.invoke(entry, &call).await {
            Ok(result) => return (call, result, entry.owner.to_string(), None),
            Err(failure) => failure,
        };
        let (Some(fallback), ToolError::Runtime(cause)) = (&entry.fallback, &failure) else {
            let result = error_result(&call, format!("`{}` failed: {failure}", call.name));
            return (call, result, entry.owner.to_string(), None);
        };
        // The fallback is a call of its own: the policy and the native tool's schema judge
        // it again, and the result is recorded as the native owner's.
        tracing::warn!(plugin = %entry.owner, tool = %call.name, "tool failed ({cause}); falling back to {}", fallback.owner);
        if let Err((_, refusal)) = self.admit(fallback, &call) {
            let content =
                format!("`{}` failed: {failure}; its fallback {} was not run: {refusal}", call.name, fallback.owner);
            return (call.clone(), error_result(&call, content), entry.owner.to_string(), None);
        }
        let result = match self.invoke(fallback, &call).await {
            Ok(result) => result,
            Err(e) => error_result(&call, format!("`{}` failed: {e}", call.name)),
        };
        (call, result, fallback.owner.to_string(), None)
    }

    /// Steps 3–4 for one entry: the policy judges the host's view of its effect, then its
    /// JSON Schema checks the arguments. The error is what the model reads.
    fn admit(&self, entry: &ToolEntry, call: &ToolCall) -> Result<(), (Stopped, String)> {
        self.policy
            .check(&entry.spec.name, entry.effect)
            .map_err(|why| (Stopped::Refused, format!("The call to `{}` is not permitted: {why}.", call.name)))?;
        entry
            .validate(&call.arguments)
            .map_err(|why| (Stopped::InvalidArguments, format!("Invalid arguments for `{}`: {why}", call.name)))
    }

    /// Step 5 for one entry: its output, or its error (a runtime failure is also reported
    /// to the observer, naming the plugin).
    async fn invoke(&self, entry: &ToolEntry, call: &ToolCall) -> Result<ToolResult, ToolError> {
        self.observer.record(&Event::ToolCallStart { tool: call.name.clone(), owner: entry.owner.clone() });
        match entry.invoke(&call.arguments).await {
            Ok(content) => {
                Ok(ToolResult { call_id: call.id.clone(), name: call.name.clone(), content, is_error: false })
            }
            Err(e) => {
                if let ToolError::Runtime(failure) = &e {
                    let site = CallSite::Tool(call.name.clone());
                    let kind = FailureClass::Runtime(failure.kind);
                    self.observer.record(&Event::plugin_failure(
                        failure.owner.clone(),
                        site,
                        kind,
                        failure.detail.clone(),
                    ));
                }
                Err(e)
            }
        }
    }

    /// Step 6: `tool_result_persist`.
    async fn persist(&self, snapshot: &Snapshot, ctx: &HookContext, call: &ToolCall, result: ToolResult) -> ToolResult {
        if !has_handlers(snapshot, HookPoint::ToolResultPersist) {
            return result;
        }
        let persist = ToolResultPersist { call: call.clone(), result };
        match self.runner.run::<hooks::ToolResultPersist>(ctx, persist).await {
            HookFlow::Continue(persist) => persist.result,
            HookFlow::Cancelled { reason, by } => {
                error_result(call, format!("The result of `{}` was withheld by {by}: {reason}", call.name))
            }
        }
    }
}
