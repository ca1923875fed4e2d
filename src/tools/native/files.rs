//! `file_read` (read) and `file_write` (act): files inside the workspace, never outside it
//! and never the host's own files (see [`Workspace`]).

use std::sync::Arc;

use serde::Deserialize;
use zeroclaw_plugin_api::{
    FactoryError, PluginContext, Tool, ToolEffect, ToolError, ToolSpec, async_trait, register_tool,
};

use super::workspace::Workspace;

/// Longest text `file_read` returns.
const MAX_READ: usize = 64 * 1024;

register_tool! {
    plugin: "files",
    description: "reads and writes files inside the workspace",
    factory: build,
}

fn build(ctx: &PluginContext) -> Result<Vec<Arc<dyn Tool>>, FactoryError> {
    let workspace = Workspace::open(ctx.workspace_dir(), ctx.host_files())
        .map_err(|e| FactoryError::Init(format!("cannot open the workspace {}: {e}", ctx.workspace_dir().display())))?;
    let workspace = Arc::new(workspace);
    let path_schema = serde_json::json!({"type": "string", "description": "a path relative to the workspace"});
    Ok(vec![
        Arc::new(FileRead {
            workspace: workspace.clone(),
            spec: ToolSpec {
                name: "file_read".into(),
                description: "Reads a text file inside the workspace.".into(),
                parameters: serde_json::json!({
                    "type": "object", "properties": {"path": path_schema}, "required": ["path"], "additionalProperties": false
                }),
                effect: ToolEffect::Read,
            },
        }),
        Arc::new(FileWrite {
            workspace,
            spec: ToolSpec {
                name: "file_write".into(),
                description: "Writes a text file inside the workspace, creating or replacing it.".into(),
                parameters: serde_json::json!({
                    "type": "object",
                    "properties": {"path": path_schema, "content": {"type": "string"}},
                    "required": ["path", "content"],
                    "additionalProperties": false
                }),
                effect: ToolEffect::Act,
            },
        }),
    ])
}

/// Runs a blocking file operation off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ToolError> + Send + 'static,
) -> Result<T, ToolError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ToolError::Execution(format!("file task failed: {e}")))?
}

struct FileRead {
    workspace: Arc<Workspace>,
    spec: ToolSpec,
}

#[derive(Deserialize)]
struct ReadArgs {
    path: String,
}

#[async_trait]
impl Tool for FileRead {
    fn spec(&self) -> &ToolSpec {
        &self.spec
    }

    async fn invoke(&self, args: &serde_json::Value) -> Result<String, ToolError> {
        let args = ReadArgs::deserialize(args).map_err(|e| ToolError::InvalidArguments(e.to_string()))?;
        let workspace = self.workspace.clone();
        let (bytes, size) = blocking(move || workspace.read(&args.path, MAX_READ)).await?;
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        if size > MAX_READ as u64 {
            text.push_str(&format!("\n[cut: {MAX_READ} of {size} bytes shown]"));
        }
        Ok(text)
    }
}

struct FileWrite {
    workspace: Arc<Workspace>,
    spec: ToolSpec,
}

#[derive(Deserialize)]
struct WriteArgs {
    path: String,
    content: String,
}

#[async_trait]
impl Tool for FileWrite {
    fn spec(&self) -> &ToolSpec {
        &self.spec
    }

    async fn invoke(&self, args: &serde_json::Value) -> Result<String, ToolError> {
        let args = WriteArgs::deserialize(args).map_err(|e| ToolError::InvalidArguments(e.to_string()))?;
        let workspace = self.workspace.clone();
        let (path, len) = (args.path.clone(), args.content.len());
        blocking(move || workspace.write(&args.path, args.content.as_bytes())).await?;
        Ok(format!("wrote {len} bytes to {path}"))
    }
}
