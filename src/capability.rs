//! The capability vocabulary: what a wasm plugin may ask for, by name.
//!
//! A leaf module: manifests, config and the plugin runtime all name capabilities, so the
//! names live below all three. What a plugin actually holds is decided in one place,
//! [`crate::plugins::capability::decide`].

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroclaw_plugin_api::MutationRight;

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
    /// Call the agent's tools (`invoke_allow` lists which), through the tool pipeline.
    #[serde(rename = "tools:invoke")]
    ToolsInvoke,
}

impl Capability {
    /// Every capability, for docs and the capability matrix test.
    pub const ALL: [Capability; 12] = [
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
        Capability::ToolsInvoke,
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
            Capability::ToolsInvoke => "tools:invoke",
        }
    }

    /// Looks a capability up by name.
    pub fn from_name(name: &str) -> Option<Capability> {
        Capability::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The capability that stands for a mutation right.
    pub fn from_right(right: MutationRight) -> Capability {
        match right {
            MutationRight::Prompt => Capability::PromptModify,
            MutationRight::Messages => Capability::MessagesModify,
            MutationRight::ToolCalls => Capability::ToolCallsModify,
            MutationRight::ToolResults => Capability::ToolResultsModify,
        }
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
            | Capability::ConversationRead
            | Capability::ToolsInvoke => None,
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
            | Capability::ConversationRead
            // Each tool it calls passes the security policy on its own effect.
            | Capability::ToolsInvoke => false,
        }
    }

    /// The whole fix for a loaded plugin that lacks this capability, both lines at once.
    ///
    /// A loaded plugin holds every capability its manifest requests (a load with one not
    /// granted is refused), so one it lacks is missing from its manifest, and the
    /// operator's grant must follow: a grant the manifest does not request does nothing.
    pub fn whole_fix(self, plugin_id: &str) -> String {
        format!(
            "add \"{self}\" to `capabilities` in the plugin's plugin.toml, and grant it in the config: plugins.entries.{plugin_id}.grant = [\"{self}\"]"
        )
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
            | Capability::ConversationRead
            | Capability::ToolsInvoke => false,
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_fix_names_the_manifest_and_the_grant() {
        let fix = Capability::ConversationRead.whole_fix("shout");
        assert!(fix.contains("\"conversation:read\" to `capabilities` in the plugin's plugin.toml"), "{fix}");
        assert!(fix.contains("plugins.entries.shout.grant = [\"conversation:read\"]"), "{fix}");
    }

    #[test]
    fn every_mutation_right_has_its_capability() {
        for right in MutationRight::ALL {
            assert_eq!(Capability::from_right(right).mutation_right(), Some(right));
            assert_eq!(Capability::from_right(right).name(), right.capability());
        }
    }
}
