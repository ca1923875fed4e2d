//! `clock`: the current time.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use zeroclaw_plugin_api::{
    FactoryError, PluginContext, Tool, ToolEffect, ToolError, ToolSpec, async_trait, register_tool,
};

register_tool! {
    plugin: "clock",
    description: "the current time (UTC)",
    factory: build,
}

fn build(_ctx: &PluginContext) -> Result<Vec<Arc<dyn Tool>>, FactoryError> {
    Ok(vec![Arc::new(Clock {
        spec: ToolSpec {
            name: "clock".into(),
            description: "Returns the current date and time in UTC (RFC 3339) and as Unix seconds.".into(),
            parameters: serde_json::json!({"type": "object", "properties": {}, "additionalProperties": false}),
            effect: ToolEffect::Read,
        },
    })])
}

struct Clock {
    spec: ToolSpec,
}

#[async_trait]
impl Tool for Clock {
    fn spec(&self) -> &ToolSpec {
        &self.spec
    }

    async fn invoke(&self, _args: &serde_json::Value) -> Result<String, ToolError> {
        let now = SystemTime::now();
        let unix = now.duration_since(UNIX_EPOCH).map_err(|e| ToolError::Execution(e.to_string()))?.as_secs();
        Ok(format!("{} (unix {unix})", humantime::format_rfc3339_seconds(now)))
    }
}
