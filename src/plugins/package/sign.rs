//! Signing a plugin directory: `plugin.sig` beside its manifest and component.

use std::path::Path;

use super::PackageError;
use crate::plugins::manifest::{MANIFEST_FILE, Manifest};
use crate::plugins::plugin_file::write_atomically;
use crate::trust::{SIGNATURE_FILE, Sha256Digest, SignatureFile, SigningKey};

/// Signs the plugin in `dir` with `key`: its `plugin.toml` and component as they are now
/// (replacing any earlier signature). `max_component_bytes` caps the component.
pub fn sign_dir(dir: &Path, key: &SigningKey, max_component_bytes: u64) -> Result<SignatureFile, PackageError> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let text = Manifest::read_text(&manifest_path)?;
    let manifest = Manifest::parse(&text, &manifest_path)?;
    let component = manifest.read_component(max_component_bytes)?;
    let signature = SignatureFile::sign(key, manifest.digest, Sha256Digest::of(&component));
    let path = dir.join(SIGNATURE_FILE);
    write_atomically(&path, signature.to_text().as_bytes()).map_err(|source| PackageError::Io {
        path,
        action: "write",
        source,
    })?;
    Ok(signature)
}
