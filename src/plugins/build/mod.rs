//! Building plugin sources into components and installing them into a plugins directory:
//! what `plugins build`, `plugins test`, `demo` and the tests share.
//!
//! A plugin's language is read off its directory ([`GuestLanguage::detect`]): a Rust crate
//! builds with cargo ([`build_guests`]), a Python or JavaScript plugin with its
//! componentize tool, which is installed into the user's cache on first use
//! ([`toolchain`]). Installing copies the component and its `plugin.toml` into
//! `<plugins dir>/<id>/`, each written to a temporary file and renamed, so a watcher never
//! sees half a file.

mod componentize;
mod rust;
pub mod toolchain;

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::plugins::manifest::{MANIFEST_FILE, Manifest, ManifestError};

pub use componentize::{JS_ENTRY, PYTHON_ENTRY};
pub use rust::{build_guests, ensure_wasm_target};

/// Why a plugin did not build or install; each message says what to do.
#[derive(Debug, Error)]
pub enum BuildError {
    /// A tool (`cargo`, `rustup`, `npm`, a componentize tool) cannot be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
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
    /// The directory holds no plugin source of a known language.
    #[error("{} holds no Cargo.toml, {PYTHON_ENTRY} or {JS_ENTRY}: nothing to build (see `zeroclaw plugins new --lang`)", .0.display())]
    NoSource(PathBuf),
    /// The directory holds sources of two languages.
    #[error("{} holds both {PYTHON_ENTRY} and {JS_ENTRY}: a plugin has one language; move one of them into a plugin of its own", .0.display())]
    TwoLanguages(PathBuf),
    /// A Python or JavaScript manifest declares more than one kind.
    #[error("{}: a {language} plugin serves one kind (one world); this one declares {kinds}: split it into one plugin per kind", path.display())]
    OneKind {
        /// The manifest.
        path: PathBuf,
        /// The plugin's language.
        language: GuestLanguage,
        /// The kinds declared, e.g. `hooks and tools`.
        kinds: String,
    },
    /// A program a toolchain needs is missing.
    #[error("{toolchain} needs {needs}; {fix}")]
    Missing {
        /// The toolchain, e.g. `componentize-py 0.25.1`.
        toolchain: String,
        /// What it needs, e.g. `python3 (3.10 or later)`.
        needs: &'static str,
        /// What to do.
        fix: &'static str,
    },
    /// Installing a toolchain failed (what the installer printed, last lines).
    #[error("installing {toolchain} into {} failed at `{step}`:\n{output}\n(check that the package registry is reachable, then retry)", dir.display())]
    Install {
        /// The toolchain, e.g. `componentize-py 0.25.1`.
        toolchain: String,
        /// Where it was being installed.
        dir: PathBuf,
        /// The command that failed.
        step: String,
        /// What it printed.
        output: String,
    },
    /// The componentize tool refused the sources (what it printed).
    #[error("{toolchain} could not build {}:\n{output}", dir.display())]
    Componentize {
        /// The toolchain, e.g. `componentize-py 0.25.1`.
        toolchain: String,
        /// The plugin directory.
        dir: PathBuf,
        /// What it printed.
        output: String,
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

/// The language a plugin is written in, read off its source directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuestLanguage {
    /// A crate (`Cargo.toml`) using the PDK, built by cargo.
    Rust,
    /// A module [`PYTHON_ENTRY`] built by componentize-py.
    Python,
    /// A module [`JS_ENTRY`] built by componentize-qjs (QuickJS).
    JavaScript,
}

impl GuestLanguage {
    /// The language of the sources in `dir`: a `Cargo.toml` is Rust, [`PYTHON_ENTRY`]
    /// Python, [`JS_ENTRY`] JavaScript; `None` when there is none of them.
    pub fn detect(dir: &Path) -> Result<Option<GuestLanguage>, BuildError> {
        if dir.join("Cargo.toml").is_file() {
            return Ok(Some(GuestLanguage::Rust));
        }
        match (dir.join(PYTHON_ENTRY).is_file(), dir.join(JS_ENTRY).is_file()) {
            (true, true) => Err(BuildError::TwoLanguages(dir.to_path_buf())),
            (true, false) => Ok(Some(GuestLanguage::Python)),
            (false, true) => Ok(Some(GuestLanguage::JavaScript)),
            (false, false) => Ok(None),
        }
    }
}

impl std::fmt::Display for GuestLanguage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            GuestLanguage::Rust => "Rust",
            GuestLanguage::Python => "Python",
            GuestLanguage::JavaScript => "JavaScript",
        })
    }
}

/// How [`build`] runs.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// The build directory: cargo's target directory for Rust, where Python and
    /// JavaScript components are kept for the others. Default: cargo's own choice for
    /// Rust; `CARGO_TARGET_DIR`, else [`plugin_target_dir`], else `<dir>/target` for the
    /// others.
    pub target_dir: Option<PathBuf>,
    /// Hide the build tool's progress lines (its errors are still reported).
    pub quiet: bool,
}

/// Builds the plugin (or, for Rust, the workspace of plugin crates) in `dir`, whatever its
/// language. What it has to install first (the wasm target, a componentize tool) it
/// installs, saying so once through `progress`.
pub fn build(
    dir: &Path,
    options: &BuildOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<BuiltPlugin>, BuildError> {
    let language = GuestLanguage::detect(dir)?.ok_or_else(|| BuildError::NoSource(dir.to_path_buf()))?;
    match toolchain::Toolchain::for_language(language) {
        None => {
            ensure_wasm_target(progress)?;
            build_guests(dir, options.target_dir.as_deref(), options.quiet)
        }
        Some(toolchain) => componentize::build(toolchain, dir, options, progress).map(|built| vec![built]),
    }
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

/// Copies a built plugin into `<plugins_dir>/<id>/`; returns the installed `plugin.toml`.
///
/// The manifest is validated first; the component is written before the manifest, each
/// through a temporary file and a rename. A `plugin.sig` left by an earlier build no
/// longer matches and is removed.
pub fn install(built: &BuiltPlugin, plugins_dir: &Path) -> Result<PathBuf, BuildError> {
    let text = std::fs::read_to_string(&built.manifest)
        .map_err(|source| BuildError::NoManifest { path: built.manifest.clone(), source })?;
    let manifest = Manifest::parse(&text, &built.manifest)?;
    let dest = plugins_dir.join(&manifest.id);
    std::fs::create_dir_all(&dest).map_err(|source| BuildError::Write { path: dest.clone(), source })?;
    let component_name = manifest.component.file_name().ok_or(BuildError::NoComponentName)?;
    let bytes =
        std::fs::read(&built.component).map_err(|source| BuildError::Read { path: built.component.clone(), source })?;
    let stale = dest.join(crate::trust::SIGNATURE_FILE);
    match std::fs::remove_file(&stale) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(BuildError::Write { path: stale, source: e }),
        _ => {}
    }
    write_atomically(&dest.join(component_name), &bytes)?;
    let installed = dest.join(MANIFEST_FILE);
    write_atomically(&installed, text.as_bytes())?;
    Ok(installed)
}

/// Writes the sha256 of the installed plugin's component into its `plugin.toml`
/// (`installed`), as `plugins build` does: the manifest then names the exact bytes.
pub fn record_sha256(installed: &Path) -> Result<crate::trust::Sha256Digest, BuildError> {
    let text = std::fs::read_to_string(installed)
        .map_err(|source| BuildError::NoManifest { path: installed.to_path_buf(), source })?;
    let manifest = Manifest::parse(&text, installed)?;
    let bytes = std::fs::read(&manifest.component)
        .map_err(|source| BuildError::Read { path: manifest.component.clone(), source })?;
    let digest = crate::trust::Sha256Digest::of(&bytes);
    let text = with_sha256(&text, digest);
    Manifest::parse(&text, installed)?;
    write_atomically(installed, text.as_bytes())?;
    Ok(digest)
}

/// `text` (a `plugin.toml`) with its top-level `sha256` set to `digest`: an existing line
/// replaced, else one added after `component = …` (else before the first table).
fn with_sha256(text: &str, digest: crate::trust::Sha256Digest) -> String {
    let line = format!("sha256 = \"{digest}\"");
    let key_of = |l: &str| l.split('=').next().map(|k| k.trim().to_string());
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let top_level = lines.iter().position(|l| l.trim_start().starts_with('[')).unwrap_or(lines.len());
    if let Some(existing) = lines[..top_level].iter().position(|l| key_of(l).as_deref() == Some("sha256")) {
        lines[existing] = line;
    } else {
        let after = lines[..top_level].iter().position(|l| key_of(l).as_deref() == Some("component"));
        lines.insert(after.map_or(top_level, |i| i + 1), line);
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    crate::plugins::plugin_file::write_atomically(path, bytes)
        .map_err(|source| BuildError::Write { path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests {
    use super::with_sha256;
    use crate::trust::Sha256Digest;

    #[test]
    fn the_sha256_line_goes_after_component_or_replaces_the_old_one_at_top_level() {
        let digest = Sha256Digest::of(b"wasm");
        let text = "id = \"a\"\ncomponent = \"a.wasm\"\nwit = []\n\n[[tools]]\nsha256 = \"kept\"\n";
        let with = with_sha256(text, digest);
        assert!(with.contains(&format!("component = \"a.wasm\"\nsha256 = \"{digest}\"\nwit")), "{with}");
        assert!(with.contains("[[tools]]\nsha256 = \"kept\""), "a table's key is not the manifest's: {with}");
        let again = with_sha256(&with.replace(&digest.hex(), "old"), digest);
        assert_eq!(again, with, "an existing line is replaced, not repeated");
    }
}
