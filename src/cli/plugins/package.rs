//! `plugins pack`, `keygen`, `sign`, `verify`, `install`, `remove`: shipping and trusting
//! plugins.

use std::path::{Path, PathBuf};

use crate::cli::CliError;
use crate::config::LoadedConfig;
use crate::plugins::manifest::{MANIFEST_FILE, Manifest};
use crate::plugins::package::{self, PACKAGE_EXTENSION};
use crate::plugins::verify::{read_signature, verify_with};
use crate::trust::{Sha256Digest, SigningKey, TrustPolicy, TrustedKeys};

/// `plugins pack DIR [-o FILE]`.
pub fn pack(config: Option<&Path>, dir: &Path, out: Option<PathBuf>) -> Result<(), CliError> {
    let loaded = LoadedConfig::discover(config)?;
    let packed =
        package::pack_dir(dir, loaded.config.plugins.max_component_bytes()).map_err(|e| with_build_hint(e, dir))?;
    let out = out.unwrap_or_else(|| PathBuf::from(format!("{}-{}.{PACKAGE_EXTENSION}", packed.id, packed.version)));
    write(&out, &packed.bytes)?;
    println!(
        "packed {} {} into {} ({} bytes, sha256 {})",
        packed.id,
        packed.version,
        out.display(),
        packed.bytes.len(),
        Sha256Digest::of(&packed.bytes)
    );
    if read_signature(&Manifest::load(&dir.join(MANIFEST_FILE))?).map_err(CliError)?.is_none() {
        println!("note: it is not signed; `zeroclaw plugins sign {}` signs it", out.display());
    }
    Ok(())
}

/// `plugins keygen [-o FILE]`.
pub fn keygen(out: &Path) -> Result<(), CliError> {
    let key = SigningKey::generate()?;
    let public = key.write_files(out)?;
    let (id, base64) = (key.public().id(), key.public().to_base64());
    println!("wrote signing key {id} to {} (keep it secret) and its public key to {}", out.display(), public.display());
    println!("operators trust it with:\n[plugins.trust.keys]\n\"{id}\" = \"{base64}\"");
    Ok(())
}

/// `plugins sign FILE|DIR [--key KEY]`.
pub fn sign(config: Option<&Path>, target: &Path, key: Option<PathBuf>) -> Result<(), CliError> {
    let loaded = LoadedConfig::discover(config)?;
    let key = signing_key(&loaded, key)?.ok_or_else(|| {
        CliError(
            "no signing key: pass --key FILE or set plugins.trust.signing_key (make a key with `zeroclaw plugins keygen`)"
                .into(),
        )
    })?;
    let max = loaded.config.plugins.max_component_bytes();
    let signature = if target.is_dir() {
        package::sign_dir(target, &key, max).map_err(|e| with_build_hint(e, target))?
    } else {
        // A package: unpacked, signed, packed again in its place.
        let (staging, _) = unpack_beside(target, max)?;
        let signature = package::sign_dir(staging.path(), &key, max)?;
        write(target, &package::pack_dir(staging.path(), max)?.bytes)?;
        signature
    };
    println!(
        "signed {} with key {}: plugin.toml sha256 {}, component sha256 {}",
        target.display(),
        signature.key,
        signature.manifest_sha256,
        signature.component_sha256
    );
    Ok(())
}

/// `plugins verify FILE|DIR [--key PUB]…`.
pub fn verify(config: Option<&Path>, target: &Path, keys: &[PathBuf]) -> Result<(), CliError> {
    let loaded = LoadedConfig::discover(config)?;
    let max = loaded.config.plugins.max_component_bytes();
    let staging;
    let dir = if target.is_dir() {
        target
    } else {
        let digest;
        (staging, digest) = unpack_beside(target, max)?;
        println!("{}: package sha256 {digest}, its index and entries match", target.display());
        staging.path()
    };
    let manifest = Manifest::load(&dir.join(MANIFEST_FILE))?;
    let component = Sha256Digest::of(&manifest.read_component(max).map_err(|e| with_build_hint(e.into(), dir))?);
    // `--key`: these keys, and a signature required; else the config's policy.
    let mut given = TrustedKeys::default();
    for path in keys {
        given.extend(TrustedKeys::read_file(path)?);
    }
    let policy =
        if keys.is_empty() { loaded.trust_policy() } else { TrustPolicy { require_signature: true, keys: &given } };
    let pin = loaded.entry(&manifest.id).sha256;
    let component_name = manifest.component_in_dir().display();
    println!("  plugin.toml sha256 {}", manifest.digest);
    println!("  {component_name} sha256 {component} (pin it as plugins.entries.{}.sha256)", manifest.id);
    let verdict = verify_with(&manifest, component, policy, pin)?;
    println!("{} {}: ok, {}", manifest.id, manifest.version, verdict.describe());
    Ok(())
}

/// `plugins install FILE|DIR [--dir PLUGINS_DIR] [--force]`.
pub fn install(config: Option<&Path>, source: &Path, dir: Option<PathBuf>, force: bool) -> Result<(), CliError> {
    let loaded = LoadedConfig::discover(config)?;
    let plugins_dir = plugins_dir(&loaded, dir)?;
    let installed = package::install(source, &plugins_dir, &loaded, force)?;
    let replaced = installed.replaced.map(|v| format!(", replacing {v}")).unwrap_or_default();
    println!(
        "installed {} {} into {} ({}{replaced})",
        installed.id,
        installed.version,
        installed.manifest.parent().unwrap_or(&plugins_dir).display(),
        installed.verdict.describe()
    );
    if !loaded.config.plugins.enabled {
        eprintln!("note: plugins.enabled is false in {}; set it to true to load wasm plugins", loaded.display_path());
    }
    Ok(())
}

/// `plugins remove ID [--dir PLUGINS_DIR]`.
pub fn remove(config: Option<&Path>, id: &str, dir: Option<PathBuf>) -> Result<(), CliError> {
    let loaded = LoadedConfig::discover(config)?;
    let plugins_dir = plugins_dir(&loaded, dir)?;
    let version = package::remove(id, &plugins_dir)?;
    println!("removed {id} {version} from {}", plugins_dir.display());
    Ok(())
}

/// The signing key of `--key`, else of `plugins.trust.signing_key`, if either is set.
pub(super) fn signing_key(loaded: &LoadedConfig, key: Option<PathBuf>) -> Result<Option<SigningKey>, CliError> {
    let path = key.or_else(|| loaded.config.plugins.trust.signing_key.as_deref().map(|p| loaded.resolve(p)));
    Ok(path.map(|path| SigningKey::read_file(&path)).transpose()?)
}

/// `--dir`, else the first of `plugins.dirs`.
fn plugins_dir(loaded: &LoadedConfig, dir: Option<PathBuf>) -> Result<PathBuf, CliError> {
    match dir {
        Some(dir) => Ok(dir),
        None => loaded
            .plugin_dirs()
            .into_iter()
            .next()
            .ok_or_else(|| CliError("plugins.dirs is empty; pass --dir <plugins dir> or set plugins.dirs".into())),
    }
}

/// The package `file` unpacked into a temporary directory beside it, and its digest.
fn unpack_beside(file: &Path, max: u64) -> Result<(tempfile::TempDir, Sha256Digest), CliError> {
    let bytes = std::fs::read(file).map_err(|e| CliError(format!("{}: cannot read: {e}", file.display())))?;
    let parent = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let staging = tempfile::Builder::new()
        .prefix(".zeroclaw-unpack-")
        .tempdir_in(parent)
        .map_err(|e| CliError(format!("{}: cannot create a directory: {e}", parent.display())))?;
    package::unpack(file, &bytes, staging.path(), max)?;
    Ok((staging, Sha256Digest::of(&bytes)))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    crate::plugins::plugin_file::write_atomically(path, bytes)
        .map_err(|e| CliError(format!("{}: cannot write: {e}", path.display())))
}

/// A plugin's sources given where a built plugin is needed: the error says to build it.
fn with_build_hint(error: package::PackageError, dir: &Path) -> CliError {
    let built = dir.join(MANIFEST_FILE).is_file()
        && crate::plugins::build::GuestLanguage::detect(dir).ok().flatten().is_some()
        && matches!(error, package::PackageError::Manifest(_));
    if built {
        CliError(format!(
            "{error}; {} holds a plugin's sources: build and install it first (`zeroclaw plugins build {0} --out DIR`), then use DIR/<id>",
            dir.display()
        ))
    } else {
        CliError(error.to_string())
    }
}
