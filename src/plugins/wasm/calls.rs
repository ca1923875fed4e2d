//! The calls a plugin answers, one type per kind: what each carries into the guest, how it
//! reaches the guest's export (in the contract version the guest speaks), and what it
//! answers.
//!
//! [`PluginInstances::call`](super::PluginInstances::call) is generic over [`Call`], so
//! each kind of call is its own state machine, holding only its own state: a hook call's
//! future does not carry a provider call's, and the boxed future a hook handler returns
//! stays small enough for the allocator's fast path. Each caller gets its own reply type,
//! with no arm for another kind's reply.

use std::future::Future;

use wasmtime::Store;
use wasmtime::component::{Component, ComponentExportIndex, Func, Instance};
use zeroclaw_plugin_api::{ChatRequest, ChatResponse, HookOutcome, ProviderError, ToolError, ToolSpec};

use super::bindings::providers::exports::zeroclaw::providers::provider::ProviderError as WitProviderError;
use super::bindings::tools::exports::zeroclaw::tools::tool::ToolError as WitToolError;
use super::convert;
use super::hook_event;
use super::host::HostState;
use super::load_error::ContractMismatch;
use super::signature::{self, Signature};
use super::size::content_size;
use super::speaks::{self, Speaks, Spoken};
use super::v1_0;
use super::view::{self, Seen};
use crate::plugins::manifest::PluginKind;

/// Most tool specs a plugin's `list-specs` may return.
pub const MAX_TOOL_SPECS: usize = 1024;

/// One kind of call into a plugin.
pub trait Call: Send + Sync {
    /// What the guest answered, its own errors included.
    type Reply: Send;

    /// Bytes the call carries into the guest: what `max_payload_bytes` measures.
    fn size(&self) -> u64;

    /// Bytes of an answer: what `max_output_bytes` measures.
    fn reply_size(reply: &Self::Reply) -> u64;

    /// Runs the call on `instance`, which lives in `store`. By reference: the call is
    /// kept once, in the caller's future, not copied into each layer's.
    fn run(
        &self,
        store: &mut Store<HostState>,
        instance: Instance,
        exports: &ExportIndices,
    ) -> impl Future<Output = Result<Self::Reply, CallError>> + Send;
}

/// Why the runtime, not the guest's logic, ended a call.
pub enum CallError {
    /// A trap, or any error raised inside wasmtime.
    Trap(wasmtime::Error),
    /// The guest broke the contract (bad JSON, missing export).
    Contract(String),
}

impl From<convert::ContractError> for CallError {
    fn from(e: convert::ContractError) -> Self {
        CallError::Contract(e.to_string())
    }
}

impl From<wasmtime::Error> for CallError {
    fn from(e: wasmtime::Error) -> Self {
        CallError::Trap(e)
    }
}

/// The export index of every guest function the manifest's kinds need, looked up once
/// when the plugin loaded. Their types are checked once, on the self-check instance
/// ([`Probe`]); every instance comes from the same component, so calls then use them
/// unchecked instead of re-checking every type on every call.
#[derive(Clone, Default)]
pub struct ExportIndices {
    /// `zeroclaw:hooks/handler.handle`.
    pub handle: Option<ComponentExportIndex>,
    /// `zeroclaw:tools/tool.list-specs`.
    pub list_specs: Option<ComponentExportIndex>,
    /// `zeroclaw:tools/tool.invoke`.
    pub invoke: Option<ComponentExportIndex>,
    /// `zeroclaw:providers/provider.chat`.
    pub chat: Option<ComponentExportIndex>,
    /// The version each kind's export speaks.
    pub spoken: Vec<Spoken>,
}

impl ExportIndices {
    /// Looks up the functions of `kinds` in `component`, each under the name and version
    /// its export has among `exports` (the component's export names); names the missing
    /// one if any.
    pub fn find(component: &Component, kinds: &[PluginKind], exports: &[String]) -> Result<Self, ContractMismatch> {
        let mut indices = ExportIndices::default();
        for kind in kinds {
            let spoken = speaks::spoken(*kind, exports).ok_or(ContractMismatch::MissingWorld(*kind))?;
            let func = |function: &'static str| -> Result<Option<ComponentExportIndex>, ContractMismatch> {
                let missing = || ContractMismatch::MissingFunction { interface: spoken.export.clone(), function };
                let instance = component.get_export_index(None, &spoken.export).ok_or_else(missing)?;
                component.get_export_index(Some(&instance), function).map(Some).ok_or_else(missing)
            };
            match kind {
                PluginKind::Hooks => indices.handle = func("handle")?,
                PluginKind::Tools => {
                    indices.list_specs = func("list-specs")?;
                    indices.invoke = func("invoke")?;
                }
                PluginKind::Providers => indices.chat = func("chat")?,
            }
            indices.spoken.push(spoken);
        }
        Ok(indices)
    }

    /// The version the hooks export speaks, if the plugin has hooks.
    pub fn hooks_speak(&self) -> Option<Speaks> {
        self.spoken.iter().find(|s| s.kind == PluginKind::Hooks).map(|s| s.speaks)
    }
}

/// Fetches the function at `index` of `instance`.
fn func(
    store: &mut Store<HostState>,
    instance: &Instance,
    index: &Option<ComponentExportIndex>,
    what: &str,
) -> Result<Func, CallError> {
    let index = index.as_ref().ok_or_else(|| CallError::Contract(format!("the plugin does not declare {what}")))?;
    instance
        .get_func(&mut *store, index)
        .ok_or_else(|| CallError::Contract(format!("the component lost its `{what}` export")))
}

// SAFETY (every `Signature::assume` below): `Probe` checked each export against the same
// alias at load, and every instance is instantiated from that component; a plugin is only
// served after its probe.

/// Only instantiate, and check every export this plugin will be called through against
/// the signature its calls use (the load-time self-check). The calls after it rely on
/// that check.
pub struct Probe;

impl Call for Probe {
    type Reply = ();

    fn size(&self) -> u64 {
        0
    }

    fn reply_size((): &()) -> u64 {
        0
    }

    async fn run(
        &self,
        store: &mut Store<HostState>,
        instance: Instance,
        exports: &ExportIndices,
    ) -> Result<(), CallError> {
        let mismatch = |name: &'static str| {
            move |e: wasmtime::Error| CallError::Contract(format!("export `{name}` does not match the contract: {e}"))
        };
        if exports.handle.is_some() {
            let handle = func(store, &instance, &exports.handle, "hooks")?;
            match exports.hooks_speak() {
                Some(Speaks::V1_0) => v1_0::Handle::check(handle, &*store),
                Some(Speaks::V1_1) | None => signature::Handle::check(handle, &*store),
            }
            .map_err(mismatch("handle"))?;
        }
        if exports.list_specs.is_some() {
            let list = func(store, &instance, &exports.list_specs, "tools")?;
            signature::ListSpecs::check(list, &*store).map_err(mismatch("list-specs"))?;
            let invoke = func(store, &instance, &exports.invoke, "tools")?;
            signature::Invoke::check(invoke, &*store).map_err(mismatch("invoke"))?;
        }
        if exports.chat.is_some() {
            let chat = func(store, &instance, &exports.chat, "providers")?;
            signature::Chat::check(chat, &*store).map_err(mismatch("chat"))?;
        }
        Ok(())
    }
}

/// Handle a hook event: the outcome, or the handler's own error.
pub struct HandleHook<'a> {
    /// Where it fired.
    pub ctx: view::HookContext<'a>,
    /// The payload, as the plugin sees it (redacted without `conversation:read`): what
    /// the payload cap measures and what is lowered into the guest.
    pub event: hook_event::HookEvent<'a>,
}

impl Call for HandleHook<'_> {
    type Reply = Result<HookOutcome, String>;

    fn size(&self) -> u64 {
        content_size(&self.event)
    }

    fn reply_size(reply: &Self::Reply) -> u64 {
        match reply {
            Ok(HookOutcome::Modify(payload)) => content_size(payload),
            Ok(HookOutcome::Cancel(reason)) | Err(reason) => reason.len() as u64,
            Ok(HookOutcome::Continue) => 0,
        }
    }

    #[allow(unsafe_code, reason = "typed functions checked once at load (see signature.rs)")]
    async fn run(
        &self,
        store: &mut Store<HostState>,
        instance: Instance,
        exports: &ExportIndices,
    ) -> Result<Self::Reply, CallError> {
        let HandleHook { ctx, event } = self;
        let handle = func(store, &instance, &exports.handle, "hooks")?;
        // The one place a call dispatches on the version its guest speaks: the event goes
        // in as that version's, the outcome comes up to the newest.
        let answer = match exports.hooks_speak() {
            Some(Speaks::V1_0) => {
                let event = v1_0::event(event).map_err(|newer| {
                    let point = newer.name();
                    CallError::Contract(format!(
                        "`{point}` is not a hook point of contract 1.0, which the plugin speaks"
                    ))
                })?;
                // SAFETY: checked by `Probe` with this alias (see above).
                let typed = unsafe { v1_0::Handle::assume(handle) };
                let (answer,) = typed.call_async(&mut *store, (ctx, &event)).await?;
                answer.map(v1_0::outcome_up)
            }
            Some(Speaks::V1_1) | None => {
                // SAFETY: checked by `Probe` with this alias (see above).
                let typed = unsafe { signature::Handle::assume(handle) };
                let (answer,) = typed.call_async(&mut *store, (ctx, event)).await?;
                answer
            }
        };
        Ok(match answer {
            Ok(outcome) => Ok(hook_event::outcome_from_wit(outcome)?),
            Err(message) => Err(message),
        })
    }
}

/// List the tools the component serves.
pub struct ListSpecs;

impl Call for ListSpecs {
    type Reply = Vec<ToolSpec>;

    fn size(&self) -> u64 {
        0
    }

    fn reply_size(specs: &Vec<ToolSpec>) -> u64 {
        content_size(specs)
    }

    #[allow(unsafe_code, reason = "typed functions checked once at load (see signature.rs)")]
    async fn run(
        &self,
        store: &mut Store<HostState>,
        instance: Instance,
        exports: &ExportIndices,
    ) -> Result<Vec<ToolSpec>, CallError> {
        let list = func(store, &instance, &exports.list_specs, "tools")?;
        // SAFETY: checked by `Probe` with this alias (see above).
        let typed = unsafe { signature::ListSpecs::assume(list) };
        let (specs,) = typed.call_async(&mut *store, ()).await?;
        if specs.len() > MAX_TOOL_SPECS {
            return Err(CallError::Contract(format!(
                "list-specs returned {} tool specs, over the cap of {MAX_TOOL_SPECS}",
                specs.len()
            )));
        }
        Ok(specs.into_iter().map(convert::spec_from_wit).collect::<Result<_, _>>()?)
    }
}

/// Run a tool: its output, or its own error.
pub struct InvokeTool<'a> {
    /// The tool name.
    pub name: &'a str,
    /// Its JSON arguments.
    pub args: &'a serde_json::Value,
}

impl Call for InvokeTool<'_> {
    type Reply = Result<String, ToolError>;

    fn size(&self) -> u64 {
        self.name.len() as u64 + content_size(self.args)
    }

    fn reply_size(reply: &Self::Reply) -> u64 {
        match reply {
            Ok(text) => text.len() as u64,
            Err(e) => e.to_string().len() as u64,
        }
    }

    #[allow(unsafe_code, reason = "typed functions checked once at load (see signature.rs)")]
    async fn run(
        &self,
        store: &mut Store<HostState>,
        instance: Instance,
        exports: &ExportIndices,
    ) -> Result<Self::Reply, CallError> {
        let invoke = func(store, &instance, &exports.invoke, "tools")?;
        // SAFETY: checked by `Probe` with this alias (see above).
        let typed = unsafe { signature::Invoke::assume(invoke) };
        let (answer,) = typed.call_async(&mut *store, (self.name, &self.args.to_string())).await?;
        Ok(answer.map_err(|e| match e {
            WitToolError::InvalidArguments(m) => ToolError::InvalidArguments(m),
            WitToolError::Execution(m) => ToolError::Execution(m),
        }))
    }
}

/// Answer a chat request as one of the plugin's providers: the answer, or its own error.
pub struct ProviderChat<'a> {
    /// The provider name.
    pub name: &'a str,
    /// The request.
    pub request: &'a ChatRequest,
}

impl Call for ProviderChat<'_> {
    type Reply = Result<ChatResponse, ProviderError>;

    fn size(&self) -> u64 {
        self.name.len() as u64 + content_size(self.request)
    }

    fn reply_size(reply: &Self::Reply) -> u64 {
        match reply {
            Ok(response) => content_size(response),
            Err(e) => e.to_string().len() as u64,
        }
    }

    #[allow(unsafe_code, reason = "typed functions checked once at load (see signature.rs)")]
    async fn run(
        &self,
        store: &mut Store<HostState>,
        instance: Instance,
        exports: &ExportIndices,
    ) -> Result<Self::Reply, CallError> {
        let chat = func(store, &instance, &exports.chat, "providers")?;
        let request = view::request(self.request, Seen::Whole);
        // SAFETY: checked by `Probe` with this alias (see above).
        let typed = unsafe { signature::Chat::assume(chat) };
        let (answer,) = typed.call_async(&mut *store, (self.name, &request)).await?;
        Ok(match answer {
            Ok(response) => Ok(convert::response_from_wit(response)?),
            Err(WitProviderError::Transient(m)) => Err(ProviderError::Transient(m)),
            Err(WitProviderError::RateLimited(after)) => {
                Err(ProviderError::RateLimited { message: "rate limited by plugin".into(), retry_after_ms: after })
            }
            Err(WitProviderError::Permanent(m)) => Err(ProviderError::Permanent(m)),
        })
    }
}
