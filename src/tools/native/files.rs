//! `file_read` (read) and `file_write` (act): files inside the workspace, never outside it.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use zeroclaw_plugin_api::{
    FactoryError, PluginContext, Tool, ToolEffect, ToolError, ToolSpec, async_trait, register_tool,
};

/// Longest text `file_read` returns.
const MAX_READ: usize = 64 * 1024;

register_tool! {
    plugin: "files",
    description: "reads and writes files inside the workspace",
    factory: build,
}

fn build(ctx: &PluginContext) -> Result<Vec<Arc<dyn Tool>>, FactoryError> {
    let workspace = ctx.workspace_dir().to_path_buf();
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

/// `relative` inside `workspace`, or why not: absolute paths and `..` are refused, and so
/// is any existing ancestor that resolves (through a symlink) outside the workspace.
fn inside(workspace: &Path, relative: &str) -> Result<PathBuf, ToolError> {
    let relative = Path::new(relative);
    if relative.as_os_str().is_empty()
        || relative.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(ToolError::Denied(format!("`{}` is not a relative path inside the workspace", relative.display())));
    }
    let root = std::fs::canonicalize(workspace).map_err(|e| ToolError::Execution(format!("workspace: {e}")))?;
    let path = root.join(relative);
    let mut existing = path.as_path();
    while !existing.exists() {
        existing = existing.parent().unwrap_or(&root);
    }
    let resolved = std::fs::canonicalize(existing).map_err(|e| ToolError::Execution(e.to_string()))?;
    if !resolved.starts_with(&root) {
        return Err(ToolError::Denied(format!("`{}` leads outside the workspace", relative.display())));
    }
    Ok(path)
}

struct FileRead {
    workspace: PathBuf,
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

    async fn invoke(&self, args: serde_json::Value) -> Result<String, ToolError> {
        let args: ReadArgs = serde_json::from_value(args).map_err(|e| ToolError::InvalidArguments(e.to_string()))?;
        let path = inside(&self.workspace, &args.path)?;
        let bytes = tokio::fs::read(&path).await.map_err(|e| ToolError::Execution(format!("{}: {e}", args.path)))?;
        let mut text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_READ)]).into_owned();
        if bytes.len() > MAX_READ {
            text.push_str(&format!("\n[cut: {} of {} bytes shown]", MAX_READ, bytes.len()));
        }
        Ok(text)
    }
}

struct FileWrite {
    workspace: PathBuf,
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

    async fn invoke(&self, args: serde_json::Value) -> Result<String, ToolError> {
        let args: WriteArgs = serde_json::from_value(args).map_err(|e| ToolError::InvalidArguments(e.to_string()))?;
        let path = inside(&self.workspace, &args.path)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(|e| ToolError::Execution(e.to_string()))?;
        }
        tokio::fs::write(&path, args.content.as_bytes())
            .await
            .map_err(|e| ToolError::Execution(format!("{}: {e}", args.path)))?;
        Ok(format!("wrote {} bytes to {}", args.content.len(), args.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        assert!(inside(dir.path(), "notes/a.txt").is_ok());
        for bad in ["/etc/passwd", "../x", "a/../../x", "link/secret", ""] {
            assert!(matches!(inside(dir.path(), bad), Err(ToolError::Denied(_))), "{bad}");
        }
    }
}
