//! The one capability chokepoint: what a plugin may do is decided here and nowhere else.
//!
//! A plugin holds a capability only if its manifest requests it **and** the operator grants
//! it in `plugins.entries.<id>.grant`, **and** the global allow list (when set) contains it,
//! **and** the global deny list does not. [`decide`] is an exhaustive decision with no
//! arm that grants by default: a new capability added to [`Capability`] grants nothing
//! until a line here says so.

use zeroclaw_plugin_api::{HookPoint, MutationRight, ToolEffect};

pub use crate::capability::Capability;
use crate::config::CapabilityPolicy;

/// The mutation rights an entry holds, as a small bit set (checked on every modify).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RightSet(u8);

impl RightSet {
    /// No rights (a wasm plugin granted none).
    pub const NONE: RightSet = RightSet(0);
    /// Every right (native plugins).
    pub const ALL: RightSet = RightSet(0b1111);

    fn bit(right: MutationRight) -> u8 {
        match right {
            MutationRight::Prompt => 1,
            MutationRight::Messages => 2,
            MutationRight::ToolCalls => 4,
            MutationRight::ToolResults => 8,
        }
    }

    /// This set plus `right`.
    pub fn with(self, right: MutationRight) -> RightSet {
        RightSet(self.0 | Self::bit(right))
    }

    /// Whether `right` is in the set.
    pub fn contains(self, right: MutationRight) -> bool {
        self.0 & Self::bit(right) != 0
    }

    /// Whether a handler holding these rights may rewrite or cancel `point`.
    pub fn may_modify(self, point: HookPoint) -> bool {
        point.required_right().is_some_and(|right| self.contains(right))
    }

    /// The rights contained in a set of granted capabilities.
    pub fn from_capabilities<'a>(caps: impl IntoIterator<Item = &'a Capability>) -> RightSet {
        caps.into_iter().filter_map(|c| c.mutation_right()).fold(RightSet::NONE, RightSet::with)
    }
}

/// Why a capability was or was not granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Requested, granted, allowed, not denied.
    Granted,
    /// The manifest does not request it (a plugin cannot be granted what it did not ask for).
    NotRequested,
    /// Requested but the operator did not grant it in `plugins.entries.<id>.grant`.
    NotGranted,
    /// The global allow list is set and does not contain it.
    NotAllowed,
    /// The global deny list contains it: deny wins over everything.
    Denied,
}

impl Decision {
    /// One line for the operator: what the decision means for plugin `id` and `cap`, and
    /// the config line that changes it.
    pub fn explain(self, cap: Capability, id: &str) -> String {
        match self {
            Decision::Granted => format!("`{cap}` granted"),
            Decision::NotRequested => format!("`{cap}` not requested by the manifest; granting it has no effect"),
            Decision::NotGranted => {
                format!(
                    "`{cap}` requested but not granted; add it to plugins.entries.{id}.grant = [\"{cap}\"] if you trust it"
                )
            }
            Decision::NotAllowed => format!("`{cap}` requested but plugins.capabilities.allow does not list it"),
            Decision::Denied => format!("`{cap}` requested but plugins.capabilities.deny forbids it"),
        }
    }
}

/// The inputs of one decision.
#[derive(Clone, Copy, Debug)]
pub struct CapabilityQuery<'a> {
    /// What the manifest requests.
    pub requested: &'a [Capability],
    /// What the operator granted this plugin.
    pub granted: &'a [Capability],
    /// `plugins.capabilities.allow`; empty means no global bound.
    pub global_allow: &'a [Capability],
    /// `plugins.capabilities.deny`.
    pub global_deny: &'a [Capability],
}

impl<'a> CapabilityQuery<'a> {
    /// The query for a plugin requesting `requested`, granted `granted` by its entry, under
    /// the operator's global `policy`.
    pub fn for_plugin(requested: &'a [Capability], granted: &'a [Capability], policy: &'a CapabilityPolicy) -> Self {
        CapabilityQuery { requested, granted, global_allow: &policy.allow, global_deny: &policy.deny }
    }
}

/// Decides one capability. The only function that grants anything.
pub fn decide(cap: Capability, query: CapabilityQuery<'_>) -> Decision {
    if query.global_deny.contains(&cap) {
        return Decision::Denied;
    }
    if cap.is_implicit() {
        return Decision::Granted;
    }
    if !query.requested.contains(&cap) {
        return Decision::NotRequested;
    }
    if !query.granted.contains(&cap) {
        return Decision::NotGranted;
    }
    if !query.global_allow.is_empty() && !query.global_allow.contains(&cap) {
        return Decision::NotAllowed;
    }
    Decision::Granted
}

/// The effect the security policy judges a plugin tool by. The operator's word
/// (`plugins.entries.<id>.tools.<name>.effect`) decides when given; otherwise a tool that
/// calls itself `read` is believed only when its plugin holds no capability that
/// [reaches outside](Capability::reaches_outside) its own kv, and is judged `act` if it does.
pub fn judged_effect(declared: ToolEffect, granted: &[Capability], confirmed: Option<ToolEffect>) -> ToolEffect {
    match (confirmed, declared) {
        (Some(effect), _) => effect,
        (None, ToolEffect::Act) => ToolEffect::Act,
        (None, ToolEffect::Read) if granted.iter().any(|c| c.reaches_outside()) => ToolEffect::Act,
        (None, ToolEffect::Read) => ToolEffect::Read,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query<'a>(
        req: &'a [Capability],
        grant: &'a [Capability],
        allow: &'a [Capability],
        deny: &'a [Capability],
    ) -> CapabilityQuery<'a> {
        CapabilityQuery { requested: req, granted: grant, global_allow: allow, global_deny: deny }
    }

    #[test]
    fn names_round_trip() {
        for cap in Capability::ALL {
            assert_eq!(Capability::from_name(cap.name()), Some(cap));
            let json = serde_json::to_string(&cap).unwrap();
            assert_eq!(json, format!("\"{}\"", cap.name()));
        }
    }

    #[test]
    fn every_capability_needs_request_and_grant_and_loses_to_deny() {
        let kv = [Capability::Kv];
        for cap in Capability::ALL {
            let one = [cap];
            let expected_when_unrequested = if cap.is_implicit() { Decision::Granted } else { Decision::NotRequested };
            assert_eq!(decide(cap, query(&[], &one, &[], &[])), expected_when_unrequested, "{cap}");
            if !cap.is_implicit() {
                assert_eq!(decide(cap, query(&one, &[], &[], &[])), Decision::NotGranted, "{cap}");
                assert_eq!(decide(cap, query(&one, &one, &[], &[])), Decision::Granted, "{cap}");
                if cap != Capability::Kv {
                    assert_eq!(decide(cap, query(&one, &one, &kv, &[])), Decision::NotAllowed, "{cap}");
                }
            }
            assert_eq!(decide(cap, query(&one, &one, &one, &one)), Decision::Denied, "{cap}");
        }
    }

    #[test]
    fn a_read_tool_is_believed_only_without_outside_reach_or_with_the_operators_word() {
        use ToolEffect::{Act, Read};
        assert_eq!(judged_effect(Read, &[Capability::Kv, Capability::FsRead, Capability::Log], None), Read);
        for cap in Capability::ALL.into_iter().filter(|c| c.reaches_outside()) {
            assert_eq!(judged_effect(Read, &[Capability::Kv, cap], None), Act, "{cap}");
            assert_eq!(judged_effect(Read, &[cap], Some(Read)), Read, "{cap}: the operator confirmed it");
        }
        assert_eq!(judged_effect(Act, &[], None), Act, "a tool that says it acts is believed");
        assert_eq!(judged_effect(Read, &[], Some(Act)), Act, "the operator may judge it stricter");
    }

    #[test]
    fn rights_come_only_from_modify_capabilities() {
        let rights = RightSet::from_capabilities(&[Capability::Kv, Capability::ToolResultsModify]);
        assert!(rights.may_modify(HookPoint::ToolResultPersist));
        assert!(!rights.may_modify(HookPoint::BeforeToolCall));
        assert!(!RightSet::ALL.may_modify(HookPoint::AgentEnd), "void points are never modifiable");
        assert!(RightSet::ALL.may_modify(HookPoint::BeforeAgentStart));
    }
}
