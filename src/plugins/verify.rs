//! A plugin's files against the operator's trust policy: the one check every load,
//! reload, `plugins verify` and `plugins install` runs, before anything is compiled.

use std::path::Path;

use crate::config::LoadedConfig;
use crate::plugins::manifest::Manifest;
use crate::plugins::plugin_file::{self, PluginFileError, Unresolved};
use crate::trust::{SIGNATURE_FILE, Sha256Digest, SignatureFile, Subject, TrustError, TrustPolicy, Verdict};

/// Largest `plugin.sig` read.
pub const MAX_SIGNATURE_BYTES: u64 = 64 * 1024;

/// Judges the plugin of `manifest` (parsed from the bytes its `digest` names), whose
/// component bytes hash to `component`, by `config`'s `[plugins.trust]` and its entry's pin.
pub fn verify(manifest: &Manifest, component: Sha256Digest, config: &LoadedConfig) -> Result<Verdict, TrustError> {
    let pin = config.entry(&manifest.id).sha256;
    verify_with(manifest, component, config.trust_policy(), pin)
}

/// [`verify`] under an explicit policy and pin (`plugins verify --key`).
pub fn verify_with(
    manifest: &Manifest,
    component: Sha256Digest,
    policy: TrustPolicy<'_>,
    pin: Option<Sha256Digest>,
) -> Result<Verdict, TrustError> {
    let plugin = format!("{}@{}", manifest.id, manifest.version);
    let signature =
        read_signature(manifest).map_err(|reason| TrustError::SignatureFile { plugin: plugin.clone(), reason })?;
    let subject = Subject {
        plugin: &plugin,
        id: &manifest.id,
        manifest: manifest.digest,
        component,
        signature: signature.as_ref(),
        pin,
    };
    policy.judge(&subject, &manifest.component_in_dir().display().to_string())
}

/// The plugin's `plugin.sig`, if it has one.
pub fn read_signature(manifest: &Manifest) -> Result<Option<SignatureFile>, String> {
    let Some(bytes) = read_signature_bytes(manifest.dir()).map_err(|e| e.to_string())? else { return Ok(None) };
    let text = String::from_utf8(bytes).map_err(|_| format!("{SIGNATURE_FILE} is not UTF-8 text"))?;
    SignatureFile::parse(&text).map(Some).map_err(|e| e.to_string())
}

/// The bytes of `dir/plugin.sig` (read beneath `dir`, capped), if there is one.
pub fn read_signature_bytes(dir: &Path) -> Result<Option<Vec<u8>>, PluginFileError> {
    let path = dir.join(SIGNATURE_FILE);
    match plugin_file::read_beneath(dir, &path, MAX_SIGNATURE_BYTES, "signature", "its 64 KiB cap") {
        Ok(bytes) => Ok(Some(bytes)),
        Err(PluginFileError::Unresolved { source: Unresolved::Missing, where_: "", .. }) => Ok(None),
        Err(e) => Err(e),
    }
}
