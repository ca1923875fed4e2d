//! Rust plugin crates: `cargo build --release --target wasm32-wasip2`, the target
//! installed with rustup first when it is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use super::{BuildError, BuiltPlugin, WASM_TARGET};
use crate::plugins::manifest::MANIFEST_FILE;

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
        .map_err(|source| BuildError::Spawn { program: "rustup".into(), source })?;
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
    let out = metadata.output().map_err(|source| BuildError::Spawn { program: "cargo".into(), source })?;
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
    let out = out.map_err(|source| BuildError::Spawn { program: "cargo".into(), source })?;
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
