//! Building guest crates into components and installing them into a plugins directory:
//! what `plugins build`, `demo` and the tests share.
//!
//! Building runs `cargo build --release --target wasm32-wasip2`; the target is installed
//! with rustup first if it is missing (with a one-line message). Installing copies the
//! component and its `plugin.toml` into `<plugins dir>/<id>/`, each written to a
//! temporary file and renamed, so a watcher never sees half a file.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use crate::plugins::manifest::{MANIFEST_FILE, Manifest};

/// The guest target.
pub const WASM_TARGET: &str = "wasm32-wasip2";

/// A component built from a guest crate.
#[derive(Clone, Debug)]
pub struct BuiltPlugin {
    /// The crate name.
    pub crate_name: String,
    /// The built component.
    pub component: PathBuf,
    /// The crate's `plugin.toml`.
    pub manifest: PathBuf,
}

/// The build directory every plugin crate shares, so a second plugin reuses the PDK the
/// first compiled: `ZEROCLAW_PLUGIN_TARGET_DIR` when set, else `plugin-target` in the
/// user's cache (`~/.cache/zeroclaw`). `None` without a home directory.
pub fn plugin_target_dir() -> Option<PathBuf> {
    match std::env::var_os("ZEROCLAW_PLUGIN_TARGET_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => crate::config::state::user_cache_dir().map(|cache| cache.join("plugin-target")),
    }
}

fn cargo() -> Command {
    // Under `cargo test` or `cargo run`, use the same cargo.
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Makes sure the wasm32-wasip2 target is installed, installing it with rustup if not.
pub fn ensure_wasm_target(progress: &mut dyn FnMut(&str)) -> Result<(), String> {
    let installed = Command::new("rustup").args(["target", "list", "--installed"]).output();
    match installed {
        Ok(out) if out.status.success() => {
            if String::from_utf8_lossy(&out.stdout).lines().any(|l| l.trim() == WASM_TARGET) {
                return Ok(());
            }
        }
        // No rustup: the toolchain may still have the target; let cargo say if not.
        _ => return Ok(()),
    }
    progress(&format!("installing the {WASM_TARGET} target with rustup (one time)…"));
    let status = Command::new("rustup")
        .args(["target", "add", WASM_TARGET])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run rustup: {e}"))?;
    if !status.success() {
        return Err(format!("`rustup target add {WASM_TARGET}` failed; run it by hand and retry"));
    }
    Ok(())
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<MetaPackage>,
    target_directory: PathBuf,
}

#[derive(Deserialize)]
struct MetaPackage {
    name: String,
    manifest_path: PathBuf,
    targets: Vec<MetaTarget>,
}

#[derive(Deserialize)]
struct MetaTarget {
    crate_types: Vec<String>,
}

/// Builds every `cdylib` crate of the crate or workspace at `dir` (release, wasm32-wasip2).
///
/// `target_dir` overrides cargo's target directory. `quiet` hides cargo's progress lines.
pub fn build_guests(dir: &Path, target_dir: Option<&Path>, quiet: bool) -> Result<Vec<BuiltPlugin>, String> {
    let manifest_path = dir.join("Cargo.toml");
    if !manifest_path.is_file() {
        return Err(format!(
            "{} has no Cargo.toml; point at a plugin crate (see `zeroclaw plugins new`)",
            dir.display()
        ));
    }
    let mut metadata = cargo();
    metadata.args(["metadata", "--no-deps", "--format-version", "1", "--manifest-path"]).arg(&manifest_path);
    if let Some(target_dir) = target_dir {
        metadata.env("CARGO_TARGET_DIR", target_dir);
    }
    let out = metadata.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    let metadata: Metadata =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("cannot read cargo metadata: {e}"))?;
    // A workspace lists every member; a crate inside one lists the whole workspace too:
    // keep the crates under `dir`.
    // Compared resolved: `dir` may be relative or hold `..`, cargo's paths are resolved.
    let resolved = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = resolved(dir);
    let plugins: Vec<&MetaPackage> = metadata
        .packages
        .iter()
        .filter(|p| resolved(&p.manifest_path).starts_with(&dir))
        .filter(|p| p.targets.iter().any(|t| t.crate_types.iter().any(|c| c == "cdylib")))
        .collect();
    if plugins.is_empty() {
        return Err(format!("{} has no crate with crate-type = [\"cdylib\"]: nothing to build", dir.display()));
    }

    let mut build = cargo();
    build.args(["build", "--release", "--target", WASM_TARGET, "--manifest-path"]).arg(&manifest_path);
    for plugin in &plugins {
        build.args(["-p", &plugin.name]);
    }
    if let Some(target_dir) = target_dir {
        build.env("CARGO_TARGET_DIR", target_dir);
    }
    if quiet {
        build.arg("--quiet");
    }
    let out = build.stdout(Stdio::null()).stderr(if quiet { Stdio::piped() } else { Stdio::inherit() }).output();
    let out = out.map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo build failed for {}\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let release = metadata.target_directory.join(WASM_TARGET).join("release");
    Ok(plugins
        .into_iter()
        .map(|p| BuiltPlugin {
            crate_name: p.name.clone(),
            component: release.join(format!("{}.wasm", p.name.replace('-', "_"))),
            manifest: p.manifest_path.with_file_name(MANIFEST_FILE),
        })
        .collect())
}

/// Copies a built plugin into `<plugins_dir>/<id>/`; returns the installed `plugin.toml`.
///
/// The manifest is validated first; the component is written before the manifest, each
/// through a temporary file and a rename.
pub fn install(built: &BuiltPlugin, plugins_dir: &Path) -> Result<PathBuf, String> {
    let text = std::fs::read_to_string(&built.manifest).map_err(|e| {
        format!("{}: cannot read: {e} (every plugin crate needs a plugin.toml)", built.manifest.display())
    })?;
    let manifest = Manifest::parse(&text, &built.manifest).map_err(|e| e.to_string())?;
    let dest = plugins_dir.join(&manifest.id);
    std::fs::create_dir_all(&dest).map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
    let component_name = manifest.component.file_name().ok_or("the manifest's component has no file name")?;
    let bytes =
        std::fs::read(&built.component).map_err(|e| format!("{}: cannot read: {e}", built.component.display()))?;
    write_atomically(&dest.join(component_name), &bytes)?;
    let installed = dest.join(MANIFEST_FILE);
    write_atomically(&installed, text.as_bytes())?;
    Ok(installed)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let dir = path.parent().ok_or_else(|| format!("{} has no parent directory", path.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".zeroclaw-")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    tmp.write_all(bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tmp.persist(path).map_err(|e| format!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}
