//! The guest exports' signatures: one alias per export, checked once at load.
//!
//! Calls build their typed functions without a type check (`TypedFunc::new_unchecked`):
//! the check costs more than a small call. That is sound only if the very types the calls
//! use were checked against the component. [`Signature::check`] does that on the load-time
//! self-check with the same aliases the calls use, so a WIT change the aliases do not
//! follow is a load error naming the export, never undefined behaviour.
#![allow(unsafe_code, reason = "the one place that builds typed functions without a check")]

use wasmtime::AsContext;
use wasmtime::component::{ComponentNamedList, Func, Lift, Lower, TypedFunc};

use super::bindings::hooks::zeroclaw::hooks::types as wh;
use super::bindings::hooks::zeroclaw::host::types as wt;
use super::bindings::providers::exports::zeroclaw::providers::provider::ProviderError as WitProviderError;
use super::bindings::tools::exports::zeroclaw::tools::tool::ToolError as WitToolError;
use super::{hook_event, view};

/// `zeroclaw:hooks/handler.handle`: the context and event lowered from borrowed views
/// (`'a` the borrow of the views, `'v` what they borrow: a view is invariant in `'v`).
pub type Handle<'a, 'v> =
    TypedFunc<(&'a view::HookContext<'v>, &'a hook_event::HookEvent<'v>), (Result<wh::Outcome, String>,)>;

/// `zeroclaw:tools/tool.list-specs`.
pub type ListSpecs = TypedFunc<(), (Vec<wt::ToolSpec>,)>;

/// `zeroclaw:tools/tool.invoke`.
pub type Invoke<'a> = TypedFunc<(&'a str, &'a str), (Result<String, WitToolError>,)>;

/// `zeroclaw:providers/provider.chat`: the request lowered from a borrowed view.
pub type Chat<'a> = TypedFunc<(&'a str, &'a view::ChatRequest<'a>), (Result<wt::ChatResponse, WitProviderError>,)>;

/// A typed export signature.
pub trait Signature: Sized {
    /// Checks that `func` has this signature.
    fn check(func: Func, store: impl AsContext) -> wasmtime::Result<()>;

    /// `func` with this signature, unchecked.
    ///
    /// # Safety
    /// `func` must come from an instance of a component on which [`check`](Self::check)
    /// passed for this export.
    unsafe fn assume(func: Func) -> Self;
}

impl<P, R> Signature for TypedFunc<P, R>
where
    P: ComponentNamedList + Lower,
    R: ComponentNamedList + Lift,
{
    fn check(func: Func, store: impl AsContext) -> wasmtime::Result<()> {
        func.typed::<P, R>(store).map(drop)
    }

    unsafe fn assume(func: Func) -> Self {
        // SAFETY: the caller guarantees `check` passed on this component for this export.
        unsafe { TypedFunc::new_unchecked(func) }
    }
}
