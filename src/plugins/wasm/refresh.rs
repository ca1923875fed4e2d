//! Bringing the plugins of `plugins.dirs` up to date: what is new, changed, unchanged,
//! settling or gone, with each failure keeping the last good version.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use xxhash_rust::xxh3::Xxh3;
use zeroclaw_plugin_api::Owner;

use super::WasmBackend;
use super::load::LoadedPlugin;
use super::load_error::LoadCause;
use super::probe::first_line;
use crate::config::LoadedConfig;
use crate::plugins::backend::{Offers, Round};
use crate::plugins::manifest::{Manifest, ManifestError, discover};
use crate::plugins::offer::PluginOffer;
use crate::plugins::plugin_file::check_plugin_dir;
use crate::plugins::registry::PluginStatus;
use crate::plugins::reload::ReloadFailure;
use crate::plugins::verify::read_signature;
use crate::trust::Sha256Digest;

impl WasmBackend {
    /// Brings the plugins of `plugins.dirs` up to date, given the versions loaded before.
    ///
    /// A plugin whose files and settings are unchanged is reused as it is. A new or changed
    /// one is loaded; if that fails, its previous version (if any) keeps serving and the
    /// failure is reported. A directory that is gone leaves. With `settle`, a plugin whose
    /// files changed less than `settle` ago is still being written: it keeps its previous
    /// version (or waits) and is listed as settling, for a later reload.
    ///
    /// A plugin whose id an earlier backend's plugin has in this round is refused before
    /// anything of it is compiled.
    pub async fn refresh(&self, previous: &BTreeMap<PathBuf, LoadedVersion>, round: &Round<'_>) -> Refresh {
        let (config, generation, settle) = (round.config, round.generation, round.settle);
        let mut out = Refresh { versions: BTreeMap::new(), offers: Offers::default(), generation };
        let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
        for path in discover(&config.plugin_dirs()) {
            let prev = previous.get(&path);
            let dir_name = plugin_dir_name(&path);
            if let Some(settle) = settle
                && recently_modified(path.parent().unwrap_or(&path), settle)
            {
                out.offers
                    .report
                    .settling
                    .push(prev.map_or_else(|| dir_name.clone(), |p| p.plugin.manifest.id.clone()));
                if let Some(prev) = prev {
                    out.versions.insert(path.clone(), prev.clone());
                    seen.insert(prev.plugin.manifest.id.clone(), path.clone());
                }
                continue;
            }
            if let Some((dir, root)) = path.parent().and_then(|dir| Some((dir, dir.parent()?)))
                && let Err(reason) = check_plugin_dir(root, dir)
            {
                out.fail(&path, prev, &dir_name, "", reason.to_string());
                continue;
            }
            let manifest = match Manifest::load(&path) {
                Ok(manifest) => manifest,
                Err(e) => {
                    out.fail(&path, prev, &dir_name, "", e.to_string());
                    continue;
                }
            };
            let id = manifest.id.clone();
            let version = manifest.version.to_string();
            if let Some(refusal) = round.refuse_id(&id) {
                // Not offered: the id is another plugin's, whose record it would shadow.
                let reason = format!("{}: {refusal}", path.display());
                tracing::warn!(plugin = %id, "plugin not loaded: {reason}");
                out.offers.diagnostic(&id, reason.clone());
                out.offers.report.failed.push(ReloadFailure { plugin: id, reason, kept: None });
                continue;
            }
            if let Some(first) = seen.get(&id) {
                let message =
                    format!("{}: skipped: plugin `{id}` is already loaded from {}", path.display(), first.display());
                out.offers.diagnostic(&id, message);
                continue;
            }
            seen.insert(id.clone(), path.clone());
            if !config.entry(&id).enabled {
                let status = PluginStatus::Disabled(format!("plugins.entries.{id}.enabled = false"));
                let offer =
                    PluginOffer::unserved(Owner::wasm(id.as_str(), version.as_str(), generation), version, status);
                out.offers.plugins.push(PluginOffer { description: manifest.description.clone(), ..offer });
                continue;
            }
            let (fingerprint, component_key) = match fingerprint(&manifest, config) {
                Ok(digests) => digests,
                Err(reason) => {
                    out.fail(&path, prev, &id, &version, reason.to_string());
                    continue;
                }
            };
            if let Some(prev) = prev.filter(|p| p.fingerprint == fingerprint) {
                out.offers.report.unchanged.push(format!("{id}@{version}"));
                out.versions.insert(path, prev.clone());
                continue;
            }
            // A new manifest or new settings over the same bytes: keep the compiled component.
            let same_component = prev.map(|p| &*p.plugin).filter(|p| p.component_key == component_key);
            match self.load_with(manifest, config, generation, same_component).await {
                Ok(plugin) => {
                    out.offers.report.loaded.push(format!("{id}@{version}"));
                    let trust = trust_fingerprint(&id, config);
                    out.versions.insert(path, LoadedVersion { fingerprint, trust, plugin: Arc::new(plugin) });
                }
                // The operator's trust policy changed and refuses it: what serves was judged
                // by the old policy, so it does not keep serving (a key revoked, a pin set).
                Err(e)
                    if matches!(e.cause, LoadCause::Trust(_))
                        && prev.is_some_and(|p| p.trust != trust_fingerprint(&id, config)) =>
                {
                    out.fail(&path, None, &id, &version, e.to_string());
                }
                Err(e) => out.fail(&path, prev, &id, &version, e.to_string()),
            }
        }
        for (path, prev) in previous {
            if !out.versions.contains_key(path) && !path.exists() {
                out.offers.report.removed.push(format!("{}@{}", prev.plugin.manifest.id, prev.plugin.manifest.version));
            }
        }
        for id in config.config.plugins.entries.keys() {
            if !seen.contains_key(id) {
                out.offers.diagnostic(
                    id,
                    format!("plugins.entries.{id} is configured but no plugin with that id is installed"),
                );
            }
        }
        out
    }

    /// Compiles into the cache, ahead of a reload, the components of the enabled plugins
    /// whose directory holds one of `changed`: the watcher calls it once the files have been
    /// quiet for a moment, so the reload at the end of the debounce finds them compiled
    /// instead of compiling them then. Files still being written fail to compile or are
    /// compiled in vain; the reload re-reads and checks everything either way. Returns the
    /// number of components compiled.
    pub async fn precompile(&self, config: &LoadedConfig, changed: &[PathBuf]) -> usize {
        let mut compiled = 0;
        for path in discover(&config.plugin_dirs()) {
            let Some(dir) = path.parent() else { continue };
            if !changed.iter().any(|c| c.starts_with(dir)) {
                continue;
            }
            let Ok(manifest) = Manifest::load(&path) else { continue };
            if !config.entry(&manifest.id).enabled {
                continue;
            }
            let Ok(bytes) = manifest.read_component(config.config.plugins.max_component_bytes()) else { continue };
            // Nothing the trust policy refuses is compiled, not even ahead of time.
            if crate::plugins::verify::verify(&manifest, super::content_key(&bytes), config).is_err() {
                continue;
            }
            let (cache, engine) = (self.engine.cache().clone(), self.engine.engine().clone());
            match tokio::task::spawn_blocking(move || cache.warm(&engine, &bytes)).await {
                Ok(Ok(true)) => {
                    tracing::debug!(plugin = %manifest.id, "compiled ahead of the reload");
                    compiled += 1;
                }
                Ok(Ok(false)) => {}
                Ok(Err(e)) => tracing::debug!(plugin = %manifest.id, "not compiled ahead: {}", first_line(&e)),
                Err(e) => tracing::debug!(plugin = %manifest.id, "compile task failed: {e}"),
            }
        }
        compiled
    }
}

/// A plugin version loaded, with the fingerprint of what it was loaded from.
#[derive(Clone)]
pub struct LoadedVersion {
    /// Hash of the manifest, the component and the settings that apply to it.
    pub fingerprint: u64,
    /// Hash of the trust policy it was judged by (`[plugins.trust]` and its pin).
    pub trust: u64,
    /// The loaded plugin.
    pub plugin: Arc<LoadedPlugin>,
}

/// The outcome of [`WasmBackend::refresh`].
pub struct Refresh {
    /// The versions to serve, by manifest path.
    pub versions: BTreeMap<PathBuf, LoadedVersion>,
    /// Plugins that do not serve (disabled, failed), diagnostics, and what changed.
    pub offers: Offers,
    /// The round's generation.
    generation: u64,
}

impl Refresh {
    /// A plugin failed to load: it keeps its previous version if it had one, else it is
    /// recorded as failed. Either way the failure is reported and logged.
    fn fail(&mut self, path: &Path, prev: Option<&LoadedVersion>, id: &str, version: &str, reason: String) {
        match prev {
            Some(prev) => {
                let kept = prev.plugin.manifest.version.to_string();
                tracing::warn!(plugin = %id, "the new version failed; version {kept} keeps serving: {reason}");
                self.offers.diagnostic(id, format!("the new version failed, version {kept} keeps serving: {reason}"));
                self.offers.report.failed.push(ReloadFailure { plugin: id.to_string(), reason, kept: Some(kept) });
                self.versions.insert(path.to_path_buf(), prev.clone());
            }
            None => {
                tracing::warn!(plugin = %id, "plugin not loaded: {reason}");
                self.offers.diagnostic(id, reason.clone());
                let owner = Owner::wasm(id, version, self.generation);
                self.offers.plugins.push(PluginOffer::unserved(owner, version, PluginStatus::Failed(reason.clone())));
                self.offers.report.failed.push(ReloadFailure { plugin: id.to_string(), reason, kept: None });
            }
        }
    }
}

/// Hash of everything a loaded plugin depends on: its manifest and component files and the
/// operator settings that apply to it (equal hashes: the loaded version can be reused), and
/// the [`content_key`] of the component alone (equal keys: its compiled component can be).
/// The component is streamed through the hash in one pass, never held whole in memory.
fn fingerprint(manifest: &Manifest, config: &LoadedConfig) -> Result<(u64, Sha256Digest), ManifestError> {
    let mut component = Sha256::new();
    manifest.scan_component(config.config.plugins.max_component_bytes(), |chunk| component.update(chunk))?;
    let component_key = Sha256Digest::finish(component);
    let mut hasher = Xxh3::new();
    hasher.update(manifest.digest.as_bytes());
    hasher.update(component_key.as_bytes());
    // A new, removed or replaced signature is a change to judge (an unreadable one too).
    let signature = read_signature(manifest);
    hasher.update(format!("{signature:?}").as_bytes());
    let plugins = &config.config.plugins;
    let settings = serde_json::json!({
        "entry": config.entry(&manifest.id),
        "limits": plugins.limits,
        "capabilities": plugins.capabilities,
        "trust": plugins.trust,
        "hooks": config.config.hooks.enabled,
        "state": config.state_dir(),
    });
    hasher.update(settings.to_string().as_bytes());
    Ok((hasher.digest(), component_key))
}

/// Hash of what the trust policy judges plugin `id` by.
fn trust_fingerprint(id: &str, config: &LoadedConfig) -> u64 {
    let trust = serde_json::json!({ "trust": config.config.plugins.trust, "pin": config.entry(id).sha256 });
    xxhash_rust::xxh3::xxh3_64(trust.to_string().as_bytes())
}

/// Whether any file in `dir` changed less than `settle` ago (it may still be being written).
fn recently_modified(dir: &Path, settle: Duration) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    let now = std::time::SystemTime::now();
    entries
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .filter_map(|m| m.modified().ok())
        .any(|modified| now.duration_since(modified).map_or(true, |age| age < settle))
}

/// The plugin directory's name, for a plugin whose manifest cannot be read.
fn plugin_dir_name(manifest: &Path) -> String {
    manifest
        .parent()
        .and_then(|d| d.file_name())
        .map_or_else(|| manifest.display().to_string(), |n| n.to_string_lossy().into_owned())
}
