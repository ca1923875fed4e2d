//! `zeroclaw plugins new NAME --kind hook|tool|provider --lang rust|python|js`: a plugin
//! that builds, loads and passes `plugins test` as is, to be edited from there.

mod common;
mod interpreted;
mod rust;

use std::path::{Path, PathBuf};

use super::{Kind, Lang};
use crate::cli::CliError;
use crate::config::LoadedConfig;
use crate::plugins::manifest::{Manifest, discover};
use crate::plugins::{PluginRuntime, Snapshot};

/// The PDK in this zeroclaw's source tree, when there is one.
fn default_pdk() -> Option<PathBuf> {
    let pdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("wasm-plugins/pdk");
    pdk.join("Cargo.toml").is_file().then_some(pdk)
}

/// `plugins new`.
pub async fn run(
    config: Option<&Path>,
    name: &str,
    kind: Kind,
    lang: Lang,
    dir: Option<PathBuf>,
    pdk: Option<PathBuf>,
) -> Result<(), CliError> {
    let valid = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid {
        return Err(CliError(format!(
            "`{name}` is not a plugin id: start with a lowercase letter, use only a-z, 0-9, `-` and `_`"
        )));
    }
    // The names the new plugin would take must be free in the config in force: a clash
    // builds, then fails at load (an id) or is skipped (a tool or provider already served).
    // The native entries come from a native-only start (nothing is compiled), the
    // installed plugins' from their manifests (loaded or not).
    let loaded = LoadedConfig::discover(config)?;
    let mut native = loaded.clone();
    native.config.plugins.enabled = false;
    let runtime = PluginRuntime::start(native).await?;
    let installed: Vec<Manifest> =
        discover(&loaded.plugin_dirs()).iter().filter_map(|m| Manifest::load(m).ok()).collect();
    if let Some(taken) = taken(&runtime.snapshot(), &installed, name, kind) {
        return Err(CliError(format!("`{name}` cannot be used: {taken}; choose another name")));
    }
    let dir = dir.unwrap_or_else(|| PathBuf::from(name));
    if dir.exists() && std::fs::read_dir(&dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(CliError(format!("{} exists and is not empty; choose another --dir", dir.display())));
    }
    let mut files = common::files(name, kind, lang);
    match lang {
        Lang::Rust => {
            let pdk = pdk.or_else(default_pdk).ok_or_else(|| {
                CliError(
                    "cannot find zeroclaw-pdk; pass --pdk <path to wasm-plugins/pdk of a zeroclaw checkout>".into(),
                )
            })?;
            let pdk = std::path::absolute(&pdk).map_err(|e| CliError(format!("{}: {e}", pdk.display())))?;
            if !pdk.join("Cargo.toml").is_file() {
                return Err(CliError(format!("{} is not the zeroclaw-pdk crate (no Cargo.toml)", pdk.display())));
            }
            // The checkout the PDK is in: its harness crate and lock file, when it has them.
            let checkout =
                pdk.parent().and_then(Path::parent).filter(|root| root.join("plugin-test/Cargo.toml").is_file());
            files.extend(rust::files(name, kind, &pdk, checkout));
        }
        Lang::Python | Lang::Js => {
            if pdk.is_some() {
                return Err(CliError("--pdk is for Rust plugins (the Rust PDK crate); drop it".into()));
            }
            files.extend(interpreted::files(name, kind, lang));
        }
    }
    for (path, text) in &files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| CliError(format!("cannot create {}: {e}", parent.display())))?;
        }
        std::fs::write(&path, text).map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))?;
    }
    println!("created {}: a {} {} plugin `{name}`", dir.display(), lang.name(), kind.noun());
    println!("next: zeroclaw plugins test {}   (then: zeroclaw plugins build {})", dir.display(), dir.display());
    Ok(())
}

/// What already holds a name the plugin `name` of `kind` would take, if anything: its id,
/// and the tool or provider it serves (named after the id, `-` as `_`).
fn taken(snapshot: &Snapshot, installed: &[Manifest], name: &str, kind: Kind) -> Option<String> {
    if let Some(plugin) = snapshot.plugins().iter().find(|p| p.id == name) {
        return Some(format!("a {} plugin of that id exists (plugin ids are unique)", plugin.backend));
    }
    if let Some(plugin) = installed.iter().find(|m| m.id == name) {
        return Some(format!("an installed plugin has that id ({}; plugin ids are unique)", plugin.path.display()));
    }
    let served = name.replace('-', "_");
    let by = |owner: String| {
        format!("the {} `{served}` it would serve is served by {owner} (a second one is skipped)", kind.noun())
    };
    match kind {
        Kind::Hook => None,
        Kind::Tool => snapshot.tool(&served).map(|tool| by(tool.owner.to_string())).or_else(|| {
            installed
                .iter()
                .find(|m| m.tools.iter().any(|t| t.name == served))
                .map(|m| by(format!("plugin `{}`", m.id)))
        }),
        Kind::Provider => {
            snapshot.providers().find(|p| p.name == served).map(|provider| by(provider.owner.to_string())).or_else(
                || {
                    installed
                        .iter()
                        .find(|m| m.providers.iter().any(|p| p.name == served))
                        .map(|m| by(format!("plugin `{}`", m.id)))
                },
            )
        }
    }
}
