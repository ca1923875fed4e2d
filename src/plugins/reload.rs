//! What a reload did, for the operator (`plugins reload`, `POST /plugins/reload`, the log,
//! the observer).

use serde::{Deserialize, Serialize};

/// A plugin whose new version could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReloadFailure {
    /// The plugin id (or its directory name when the manifest could not be read).
    pub plugin: String,
    /// Why, naming the file.
    pub reason: String,
    /// The version still serving (its last good one), if it had one.
    pub kept: Option<String>,
}

/// The outcome of one reload.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReloadReport {
    /// The generation now serving (unchanged when the reload failed as a whole).
    pub generation: u64,
    /// Plugins loaded by this reload (new, or a new version), as `id@version`.
    pub loaded: Vec<String>,
    /// Plugins reused as they were (nothing about them changed).
    pub unchanged: Vec<String>,
    /// Plugins whose directory is gone; they left this snapshot.
    pub removed: Vec<String>,
    /// Plugins that failed; each keeps its last good version if it had one.
    pub failed: Vec<ReloadFailure>,
    /// Plugins whose files were still being written; a later reload picks them up.
    pub settling: Vec<String>,
    /// The reload failed as a whole (the config no longer parses, …): nothing changed.
    pub error: Option<String>,
}

impl ReloadReport {
    /// Adds what one backend reported (the generation and error are the runtime's).
    pub fn absorb(&mut self, other: ReloadReport) {
        self.loaded.extend(other.loaded);
        self.unchanged.extend(other.unchanged);
        self.removed.extend(other.removed);
        self.failed.extend(other.failed);
        self.settling.extend(other.settling);
    }

    /// Whether everything loaded.
    pub fn is_clean(&self) -> bool {
        self.error.is_none() && self.failed.is_empty()
    }

    /// One line for the log.
    pub fn summary(&self) -> String {
        if let Some(error) = &self.error {
            return format!("reload failed, nothing changed: {error}");
        }
        let mut parts = vec![format!("generation {}", self.generation)];
        for (label, list) in [
            ("loaded", &self.loaded),
            ("unchanged", &self.unchanged),
            ("removed", &self.removed),
            ("settling", &self.settling),
        ] {
            if !list.is_empty() {
                parts.push(format!("{label}: {}", list.join(", ")));
            }
        }
        for f in &self.failed {
            let kept = f.kept.as_deref().map_or_else(|| "left out".to_string(), |v| format!("still serving {v}"));
            parts.push(format!("failed: {} ({kept}): {}", f.plugin, f.reason));
        }
        parts.join("; ")
    }
}
