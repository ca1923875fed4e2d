//! Turns failed and refused hook handler calls into observer events.

use std::sync::Arc;

use zeroclaw_plugin_api::FailureKind;

use super::{CallSite, Event, FailureClass, Observer};
use crate::hooks::{HandlerEvent, HandlerOutcome, HookListener};

/// A `HookListener` that reports handler failures to an observer.
pub struct HookFailures {
    observer: Arc<dyn Observer>,
}

impl HookFailures {
    /// Reports to `observer`.
    pub fn new(observer: Arc<dyn Observer>) -> Self {
        HookFailures { observer }
    }
}

impl HookListener for HookFailures {
    fn on_handler(&self, event: &HandlerEvent<'_>) {
        let (kind, message) = match event.outcome {
            HandlerOutcome::Failed(failure) => (failure.class(), failure.to_string()),
            HandlerOutcome::Refused(why) => (FailureClass::Refused, why.clone()),
            HandlerOutcome::Continued | HandlerOutcome::Modified | HandlerOutcome::Cancelled(_) => return,
        };
        // A quarantined plugin is reported once, when its quarantine begins.
        if kind == FailureClass::Runtime(FailureKind::Quarantined) {
            return;
        }
        let site = CallSite::Hook(event.point);
        self.observer.record(&Event::plugin_failure(event.entry.owner.clone(), site, kind, message));
    }
}
