//! The operator's config section for a plugin, checked against the manifest's schema.

use super::Manifest;

impl Manifest {
    /// Checks the operator's config for this plugin against the manifest's schema.
    pub fn check_config(&self, config: &serde_json::Value) -> Result<(), String> {
        let Some(schema) = &self.config_schema else {
            return match config.as_object() {
                Some(map) if !map.is_empty() => Err(format!(
                    "plugins.entries.{}.config is set but plugin `{}` declares no config_schema; remove it",
                    self.id, self.id
                )),
                _ => Ok(()),
            };
        };
        let validator = jsonschema::validator_for(schema).map_err(|e| format!("config_schema: {e}"))?;
        let errors: Vec<String> = validator
            .iter_errors(config)
            .map(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() { e.to_string() } else { format!("{at}: {e}") }
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "plugins.entries.{}.config does not match the plugin's config_schema: {}",
                self.id,
                errors.join("; ")
            ))
        }
    }
}
