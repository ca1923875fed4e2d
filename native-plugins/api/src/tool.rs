//! The `Tool` kind: functions the model can call.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::ToolError;

/// What running a tool does to the world; the security policy decides on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolEffect {
    /// Only reads (a file, the clock); allowed in `read_only` autonomy.
    Read,
    /// Changes something (writes, sends, executes); refused in `read_only` autonomy.
    Act,
}

/// A tool's public description, as the model and the policy see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    /// Unique name in the tool table, e.g. `file_read`.
    pub name: String,
    /// One or two sentences for the model.
    pub description: String,
    /// JSON Schema of the arguments object; calls are validated against it.
    pub parameters: serde_json::Value,
    /// Read or act.
    pub effect: ToolEffect,
}

/// A tool the agent can call.
///
/// Native tools and the wasm adapter implement this same trait; callers hold
/// `Arc<dyn Tool>` and cannot tell them apart. The host has already checked the security
/// policy and validated `args` against [`ToolSpec::parameters`] when `invoke` runs.
#[async_trait]
pub trait Tool: Send + Sync {
    /// The tool's description. Must not change over the tool's lifetime.
    fn spec(&self) -> &ToolSpec;

    /// Runs the tool with JSON arguments; returns the text the model will see.
    ///
    /// The arguments are lent: the host keeps the call (for the history, `after_tool_call`
    /// and a fallback) and never copies them for the tool.
    async fn invoke(&self, args: &serde_json::Value) -> Result<String, ToolError>;
}
