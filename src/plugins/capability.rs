//! The one capability chokepoint: what a plugin may do is decided here and nowhere else.
//!
//! A plugin holds a capability only if its manifest requests it **and** the operator grants
//! it in `plugins.entries.<id>.grant`, **and** the global allow list (when set) contains it,
//! **and** the global deny list does not. [`decide`] is an exhaustive decision with no
//! arm that grants by default: a new capability added to [`Capability`] grants nothing
//! until a line here says so.

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroclaw_plugin_api::{HookPoint, MutationRight, ToolEffect};

/// Something a wasm plugin may be allowed to do. Native plugins are trusted code and hold
/// every capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Capability {
    /// Write to the host log (always on, rate-limited per call).
    #[serde(rename = "log")]
    Log,
    /// A private key-value store persisted by the host.
    #[serde(rename = "kv")]
    Kv,
    /// Outbound HTTP to operator-listed hosts (`http_allow`).
    #[serde(rename = "http:outbound")]
    HttpOutbound,
    /// Read operator-listed directories (`fs_read`).
    #[serde(rename = "fs:read")]
    FsRead,
    /// Write operator-listed directories (`fs_write`).
    #[serde(rename = "fs:write")]
    FsWrite,
    /// Read operator-listed environment variables (`env`).
    #[serde(rename = "env")]
    Env,
    /// Rewrite the system prompt, context and model requests.
    #[serde(rename = "prompt:modify")]
    PromptModify,
    /// Rewrite channel messages and compaction.
    #[serde(rename = "messages:modify")]
    MessagesModify,
    /// Rewrite or block tool calls.
    #[serde(rename = "tool-calls:modify")]
    ToolCallsModify,
    /// Rewrite tool results before they are persisted.
    #[serde(rename = "tool-results:modify")]
    ToolResultsModify,
    /// See message and model content unredacted.
    #[serde(rename = "conversation:read")]
    ConversationRead,
}

impl Capability {
    /// Every capability, for docs and the capability matrix test.
    pub const ALL: [Capability; 11] = [
        Capability::Log,
        Capability::Kv,
        Capability::HttpOutbound,
        Capability::FsRead,
        Capability::FsWrite,
        Capability::Env,
        Capability::PromptModify,
        Capability::MessagesModify,
        Capability::ToolCallsModify,
        Capability::ToolResultsModify,
        Capability::ConversationRead,
    ];

    /// The name used in manifests and config, e.g. `http:outbound`.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Log => "log",
            Capability::Kv => "kv",
            Capability::HttpOutbound => "http:outbound",
            Capability::FsRead => "fs:read",
            Capability::FsWrite => "fs:write",
            Capability::Env => "env",
            Capability::PromptModify => "prompt:modify",
            Capability::MessagesModify => "messages:modify",
            Capability::ToolCallsModify => "tool-calls:modify",
            Capability::ToolResultsModify => "tool-results:modify",
            Capability::ConversationRead => "conversation:read",
        }
    }

    /// Looks a capability up by name.
    pub fn from_name(name: &str) -> Option<Capability> {
        Capability::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The mutation right this capability stands for, if it is one.
    pub fn mutation_right(self) -> Option<MutationRight> {
        match self {
            Capability::PromptModify => Some(MutationRight::Prompt),
            Capability::MessagesModify => Some(MutationRight::Messages),
            Capability::ToolCallsModify => Some(MutationRight::ToolCalls),
            Capability::ToolResultsModify => Some(MutationRight::ToolResults),
            Capability::Log
            | Capability::Kv
            | Capability::HttpOutbound
            | Capability::FsRead
            | Capability::FsWrite
            | Capability::Env
            | Capability::ConversationRead => None,
        }
    }

    /// Whether holding it lets a tool change or reach something beyond the plugin's own
    /// kv store: the network, writable directories, the host's environment. A tool of a
    /// plugin holding one of these is judged `act`, whatever it says of itself.
    pub fn reaches_outside(self) -> bool {
        match self {
            Capability::HttpOutbound | Capability::FsWrite | Capability::Env => true,
            Capability::Log
            | Capability::Kv
            | Capability::FsRead
            | Capability::PromptModify
            | Capability::MessagesModify
            | Capability::ToolCallsModify
            | Capability::ToolResultsModify
            | Capability::ConversationRead => false,
        }
    }

    /// Whether a plugin has it without asking (only `log`).
    pub fn is_implicit(self) -> bool {
        match self {
            Capability::Log => true,
            Capability::Kv
            | Capability::HttpOutbound
            | Capability::FsRead
            | Capability::FsWrite
            | Capability::Env
            | Capability::PromptModify
            | Capability::MessagesModify
            | Capability::ToolCallsModify
            | Capability::ToolResultsModify
            | Capability::ConversationRead => false,
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

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
