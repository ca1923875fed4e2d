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
use thiserror::Error;

use crate::plugins::manifest::{MANIFEST_FILE, Manifest, ManifestError};

/// Why a plugin crate did not build or install; each message says what to do.
#[derive(Debug, Error)]
pub enum BuildError {
    /// A tool (`cargo`, `rustup`) cannot be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program.
        program: &'static str,
        /// Why.
        source: std::io::Error,
    },
    /// rustup could not add the guest target.
    #[error("`rustup target add {WASM_TARGET}` failed; run it by hand and retry")]
    TargetAdd,
    /// The directory holds no crate.
    #[error("{} has no Cargo.toml; point at a plugin crate (see `zeroclaw plugins new`)", .0.display())]
    NoCrate(PathBuf),
    /// `cargo metadata` failed (its stderr).
    #[error("cargo metadata failed: {0}")]
    Metadata(String),
    /// `cargo metadata` printed something else than its JSON.
    #[error("cannot read cargo metadata: {0}")]
    MetadataJson(#[source] serde_json::Error),
    /// The crate or workspace has no `cdylib` crate.
    #[error("{} has no crate with crate-type = [\"cdylib\"]: nothing to build", .0.display())]
    NoPlugin(PathBuf),
    /// `cargo build` failed (its stderr, when it was captured).
    #[error("cargo build failed for {}\n{stderr}", dir.display())]
    Build {
        /// The crate or workspace.
        dir: PathBuf,
        /// What cargo printed.
        stderr: String,
    },
    /// A plugin crate without its `plugin.toml`.
    #[error("{}: cannot read: {source} (every plugin crate needs a plugin.toml)", path.display())]
    NoManifest {
        /// The expected manifest.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The manifest is invalid.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The manifest's `component` names no file.
    #[error("the manifest's component has no file name")]
    NoComponentName,
    /// A file cannot be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file or directory cannot be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

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
pub fn ensure_wasm_target(progress: &mut dyn FnMut(&str)) -> Result<(), BuildError> {
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
        .map_err(|source| BuildError::Spawn { program: "rustup", source })?;
    if !status.success() {
        return Err(BuildError::TargetAdd);
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
pub fn build_guests(dir: &Path, target_dir: Option<&Path>, quiet: bool) -> Result<Vec<BuiltPlugin>, BuildError> {
    let manifest_path = dir.join("Cargo.toml");
    if !manifest_path.is_file() {
        return Err(BuildError::NoCrate(dir.to_path_buf()));
    }
    let mut metadata = cargo();
    metadata.args(["metadata", "--no-deps", "--format-version", "1", "--manifest-path"]).arg(&manifest_path);
    if let Some(target_dir) = target_dir {
        metadata.env("CARGO_TARGET_DIR", target_dir);
    }
    let out = metadata.output().map_err(|source| BuildError::Spawn { program: "cargo", source })?;
    if !out.status.success() {
        return Err(BuildError::Metadata(String::from_utf8_lossy(&out.stderr).trim().to_string()));
    }
    let metadata: Metadata = serde_json::from_slice(&out.stdout).map_err(BuildError::MetadataJson)?;
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
        return Err(BuildError::NoPlugin(dir));
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
    let out = out.map_err(|source| BuildError::Spawn { program: "cargo", source })?;
    if !out.status.success() {
        return Err(BuildError::Build { dir, stderr: String::from_utf8_lossy(&out.stderr).trim().to_string() });
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
pub fn install(built: &BuiltPlugin, plugins_dir: &Path) -> Result<PathBuf, BuildError> {
    let text = std::fs::read_to_string(&built.manifest)
        .map_err(|source| BuildError::NoManifest { path: built.manifest.clone(), source })?;
    let manifest = Manifest::parse(&text, &built.manifest)?;
    let dest = plugins_dir.join(&manifest.id);
    std::fs::create_dir_all(&dest).map_err(|source| BuildError::Write { path: dest.clone(), source })?;
    let component_name = manifest.component.file_name().ok_or(BuildError::NoComponentName)?;
    let bytes =
        std::fs::read(&built.component).map_err(|source| BuildError::Read { path: built.component.clone(), source })?;
    write_atomically(&dest.join(component_name), &bytes)?;
    let installed = dest.join(MANIFEST_FILE);
    write_atomically(&installed, text.as_bytes())?;
    Ok(installed)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    use std::io::Write;
    let failed = |source: std::io::Error| BuildError::Write { path: path.to_path_buf(), source };
    let dir = path.parent().ok_or_else(|| failed(std::io::Error::other("the path has no parent directory")))?;
    let mut tmp = tempfile::Builder::new().prefix(".zeroclaw-").tempfile_in(dir).map_err(failed)?;
    tmp.write_all(bytes).map_err(failed)?;
    tmp.persist(path).map_err(|e| failed(e.error))?;
    Ok(())
}
