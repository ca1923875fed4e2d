//! A plugin's files against the operator's trust policy: the one check every load,
//! reload, `plugins verify` and `plugins install` runs, before anything is compiled.

use crate::config::LoadedConfig;
use crate::plugins::manifest::Manifest;
use crate::plugins::plugin_file::{self, PluginFileError, Unresolved};
use crate::trust::{SIGNATURE_FILE, Sha256Digest, SignatureFile, Subject, TrustError, TrustPolicy, Verdict};

/// Largest `plugin.sig` read.
const MAX_SIGNATURE_BYTES: u64 = 64 * 1024;

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
    let component_name = manifest.component.strip_prefix(manifest.dir()).unwrap_or(&manifest.component);
    policy.judge(&subject, &component_name.display().to_string())
}

/// The plugin's `plugin.sig`, if it has one.
pub fn read_signature(manifest: &Manifest) -> Result<Option<SignatureFile>, String> {
    let path = manifest.dir().join(SIGNATURE_FILE);
    match plugin_file::read_beneath(manifest.dir(), &path, MAX_SIGNATURE_BYTES, "signature", "its 64 KiB cap") {
        Ok(bytes) => {
            let text = String::from_utf8(bytes).map_err(|_| format!("{SIGNATURE_FILE} is not UTF-8 text"))?;
            SignatureFile::parse(&text).map(Some).map_err(|e| e.to_string())
        }
        Err(PluginFileError::Unresolved { source: Unresolved::Missing, where_: "", .. }) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}
