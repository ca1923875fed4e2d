//! The WIT `hook-event` variant, derived from the hook catalog.
//!
//! Each catalog payload type knows its own WIT record ([`WitPayload`], implemented in
//! `payloads.rs`); everything that goes case by case over the catalog (the borrowed view
//! enum a hook call lowers, the guest-to-host conversion, the tests' owned conversion) is
//! generated here from [`api::with_hook_catalog!`]. A new hook point whose payload type
//! already exists needs no edit in this backend; a new payload type needs one
//! `WitPayload` impl, and the compiler asks for it.

use serde::Serialize;
use wasmtime::component::{ComponentType, Lower};
use zeroclaw_plugin_api as api;

use super::bindings::hooks::zeroclaw::hooks::types as wh;
use super::convert::ContractError;
use super::view::Seen;

/// A catalog payload type and the WIT record that carries it.
pub trait WitPayload: Sized {
    /// The record as wasmtime's bindings own it (what a guest sends back).
    type Wit;
    /// The record as the host lowers it, borrowed from the payload.
    type View<'a>: ComponentType + Lower + Serialize + std::fmt::Debug
    where
        Self: 'a;

    /// The payload as the guest will see it: conversation content as `seen` shows it
    /// (the view must agree with [`crate::plugins::conversation::Conversation::redact`]).
    fn view(&self, seen: Seen) -> Self::View<'_>;

    /// A guest's record back into the payload; fails on malformed JSON text.
    fn from_wit(wit: Self::Wit) -> Result<Self, ContractError>;

    /// The owned record: the reference the view is checked against.
    #[cfg(test)]
    fn to_wit(&self) -> Self::Wit;

    /// A value with every field set, for the agreement tests.
    #[cfg(test)]
    fn sample() -> Self;
}

macro_rules! hook_event {
    ($( $(#[doc = $doc:literal])* $variant:ident = $name:literal / $wit:literal, $kind:ident, $payload:ty, $right:expr, [$($field:literal),*]; )*) => {
        /// `zeroclaw:hooks/types.hook-event`, borrowed: one case per catalog point, in
        /// catalog order.
        #[derive(ComponentType, Lower, Serialize, Debug)]
        #[component(variant)]
        pub enum HookEvent<'a> {
            $( $(#[doc = $doc])* #[component(name = $wit)] $variant(<$payload as WitPayload>::View<'a>), )*
        }

        impl HookEvent<'_> {
            /// The catalog point of this event.
            pub fn point(&self) -> api::HookPoint {
                match self { $(HookEvent::$variant(_) => api::HookPoint::$variant,)* }
            }
        }

        /// A catalog payload as its `hook-event` case, with conversation content as
        /// `seen` shows it.
        pub fn event(payload: &api::HookPayload, seen: Seen) -> HookEvent<'_> {
            match payload { $(api::HookPayload::$variant(p) => HookEvent::$variant(p.view(seen)),)* }
        }

        /// A WIT `hook-event` from a guest back into a catalog payload.
        pub fn event_from_wit(event: wh::HookEvent) -> Result<api::HookPayload, ContractError> {
            Ok(match event {
                $(wh::HookEvent::$variant(p) => api::HookPayload::$variant(<$payload as WitPayload>::from_wit(p)?),)*
            })
        }

        /// A catalog payload as an owned WIT `hook-event`: the tests' reference.
        #[cfg(test)]
        pub fn event_to_wit(payload: &api::HookPayload) -> wh::HookEvent {
            match payload { $(api::HookPayload::$variant(p) => wh::HookEvent::$variant(p.to_wit()),)* }
        }

        /// The catalog point of an owned WIT event.
        #[cfg(test)]
        fn event_point(event: &wh::HookEvent) -> api::HookPoint {
            match event { $(wh::HookEvent::$variant(_) => api::HookPoint::$variant,)* }
        }

        /// One payload per hook point, with every field set.
        #[cfg(test)]
        pub fn sample(point: api::HookPoint) -> api::HookPayload {
            match point { $(api::HookPoint::$variant => api::HookPayload::$variant(<$payload as WitPayload>::sample()),)* }
        }
    };
}

api::with_hook_catalog!(hook_event);

/// A guest outcome into the api's.
pub fn outcome_from_wit(outcome: wh::Outcome) -> Result<api::HookOutcome, ContractError> {
    Ok(match outcome {
        wh::Outcome::Continue => api::HookOutcome::Continue,
        wh::Outcome::Modify(event) => api::HookOutcome::Modify(event_from_wit(event)?),
        wh::Outcome::Cancel(reason) => api::HookOutcome::Cancel(reason),
    })
}

#[cfg(test)]
mod tests {
    use api::HookPoint;
    use wit_parser::{Type, TypeDefKind};

    use super::super::bindings::hooks::zeroclaw::host::types as wt;
    use super::super::convert::{context_to_wit, request_to_wit};
    use super::super::payloads::samples;
    use super::super::view;
    use super::*;
    use crate::plugins::conversation;
    use crate::plugins::manifest::{PUBLISHED, has_hook_point};

    /// `hook-event`'s cases in published contract `version`, each with its payload
    /// record's field names.
    fn wit_cases(version: &semver::Version) -> Vec<(String, Vec<String>)> {
        let (resolve, packages) = crate::plugins::contract::tests::published(version);
        let hooks = packages[1];
        let types = resolve.packages[hooks].interfaces["types"];
        let event = resolve.interfaces[types].types["hook-event"];
        let TypeDefKind::Variant(variant) = &resolve.types[event].kind else { panic!("hook-event is a variant") };
        variant
            .cases
            .iter()
            .map(|case| {
                let mut ty = case.ty.expect("every case carries a payload");
                // Follow `use` aliases to the record itself.
                let fields = loop {
                    let Type::Id(id) = ty else { break Vec::new() };
                    match &resolve.types[id].kind {
                        TypeDefKind::Type(inner) => ty = *inner,
                        TypeDefKind::Record(record) => break record.fields.iter().map(|f| f.name.clone()).collect(),
                        other => panic!("case {} carries {other:?}", case.name),
                    }
                };
                (case.name.clone(), fields)
            })
            .collect()
    }

    #[test]
    fn catalog_and_wit_hook_event_agree_case_by_case_in_every_published_version() {
        for version in &PUBLISHED {
            catalog_and_wit_agree(version);
        }
    }

    /// Each published version's `hook-event` lists the catalog's points that version has
    /// ([`has_hook_point`]), in catalog order, each with the payload's fields.
    fn catalog_and_wit_agree(version: &semver::Version) {
        let cases = wit_cases(version);
        let names: Vec<&str> = cases.iter().map(|(n, _)| n.as_str()).collect();
        let points: Vec<HookPoint> = HookPoint::ALL.iter().copied().filter(|p| has_hook_point(version, *p)).collect();
        let catalog: Vec<&str> = points.iter().map(|p| p.wit_name()).collect();
        assert_eq!(names, catalog, "{version}: the WIT variant lists the catalog's points, in catalog order");
        for (point, (_, fields)) in points.iter().zip(&cases) {
            let payload = sample(*point);
            let event = event_to_wit(&payload);
            assert_eq!(event_point(&event), *point, "{point:?} converts to its own case");
            assert_eq!(event_from_wit(event).unwrap(), payload, "{point:?} round-trips");
            // The record's fields are the payload's fields.
            let json = serde_json::to_value(&payload).unwrap();
            let mut keys: Vec<String> =
                json["payload"].as_object().unwrap().keys().map(|k| k.replace('_', "-")).collect();
            let mut fields = fields.clone();
            keys.sort();
            fields.sort();
            assert_eq!(keys, fields, "{version} {point:?}: payload fields and WIT record fields");
        }
    }

    #[test]
    fn the_frozen_1_0_event_has_exactly_the_points_of_1_0() {
        let v1_0 = &PUBLISHED[0];
        let expected: Vec<HookPoint> = HookPoint::ALL.iter().copied().filter(|p| has_hook_point(v1_0, *p)).collect();
        assert_eq!(super::super::v1_0::POINTS, expected.as_slice());
        assert!(!has_hook_point(v1_0, HookPoint::LlmError), "llm_error came with 1.1");
        // Every 1.0 point converts to 1.0's case; a newer one is handed back, never sent.
        for point in HookPoint::ALL {
            let payload = sample(*point);
            let newest = event(&payload, Seen::Whole);
            let converted = super::super::v1_0::event(&newest);
            assert_eq!(converted.is_ok(), has_hook_point(v1_0, *point), "{point:?}");
        }
    }

    /// Debug text with type paths and field spellings normalised, so a view and its owned
    /// record compare by content.
    fn shape(debug: String) -> String {
        debug.replace("HookEvent::", "").replace('-', "_")
    }

    #[test]
    fn the_borrowed_views_carry_what_the_owned_conversion_does() {
        for point in HookPoint::ALL {
            let payload = sample(*point);
            let owned = format!("{:?}", event_to_wit(&payload));
            assert_eq!(shape(format!("{:?}", event(&payload, Seen::Whole))), shape(owned), "{point:?}");
        }
        let ctx = api::HookContext::session("a", "s", "cli");
        assert_eq!(shape(format!("{:?}", view::context(&ctx))), shape(format!("{:?}", context_to_wit(&ctx))));
        let owned = format!("{:?}", request_to_wit(&samples::request()));
        assert_eq!(shape(format!("{:?}", view::request(&samples::request(), Seen::Whole))), shape(owned));
    }

    #[test]
    fn redacting_while_viewing_agrees_with_the_reference_redaction() {
        for point in HookPoint::ALL {
            let payload = sample(*point);
            let reference = conversation::redact(&payload);
            assert_eq!(conversation::carries(*point), reference.is_some(), "{point:?}");
            let expected = event(reference.as_ref().unwrap_or(&payload), Seen::Whole);
            let seen = event(&payload, Seen::Redacted);
            assert_eq!(format!("{seen:?}"), format!("{expected:?}"), "{point:?}");
            // The fields the catalog says hold conversation content are exactly those that
            // redacting the sample (every field set) changes.
            let json = api::HookPayload::fields;
            let (whole, hidden) = (json(&payload), json(reference.as_ref().unwrap_or(&payload)));
            let changed: Vec<&str> = whole
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, v)| hidden.get(k.as_str()) != Some(*v))
                .map(|(k, _)| k.as_str())
                .collect();
            let mut declared = conversation::redacted_fields(*point).to_vec();
            declared.sort_unstable();
            assert_eq!(changed, declared, "{point:?}: the redacted fields");
        }
    }

    #[test]
    fn malformed_guest_json_in_an_event_is_a_contract_error_not_a_panic() {
        let bad =
            wh::HookEvent::BeforeToolCall(wt::ToolCall { id: "1".into(), name: "x".into(), arguments: "{oops".into() });
        let err = event_from_wit(bad).unwrap_err().to_string();
        assert!(err.contains("tool-call.arguments is not valid JSON"), "{err}");
    }
}
