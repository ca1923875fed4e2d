//! `plugin.sig`: a signature of a plugin's manifest and component, beside them.
//!
//! What is signed is a short statement naming the key and both digests:
//!
//! ```text
//! zeroclaw-plugin-signature/1
//! key 3f1c9a0b77e2d4c1
//! manifest sha256:…
//! component sha256:…
//! ```
//!
//! so one signature covers the two files together, a signature moved to another plugin
//! (another manifest) fails, and the file says in plain text what it vouches for.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use super::{KeyId, Sha256Digest, SigningKey};

/// The signature file's name inside a plugin directory.
pub const SIGNATURE_FILE: &str = "plugin.sig";

/// The format this host writes and reads.
const FORMAT: u32 = 1;

/// A parsed `plugin.sig`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    /// The file format (1).
    pub format: u32,
    /// The id of the key that signed.
    pub key: KeyId,
    /// The digest of `plugin.toml` when it was signed.
    pub manifest_sha256: Sha256Digest,
    /// The digest of the component when it was signed.
    pub component_sha256: Sha256Digest,
    /// The Ed25519 signature of the statement, base64.
    pub signature: String,
}

/// A `plugin.sig` that cannot be read as one.
#[derive(Debug, thiserror::Error)]
#[error("{SIGNATURE_FILE}: {0}; sign the plugin again with `zeroclaw plugins sign`")]
pub struct SignatureError(String);

impl SignatureFile {
    /// Signs the pair of digests with `key`.
    pub fn sign(key: &SigningKey, manifest: Sha256Digest, component: Sha256Digest) -> Self {
        let id = key.public().id();
        let signature = key.sign(&statement(&id, manifest, component));
        SignatureFile {
            format: FORMAT,
            key: id,
            manifest_sha256: manifest,
            component_sha256: component,
            signature: BASE64.encode(signature),
        }
    }

    /// Parses the file's text.
    pub fn parse(text: &str) -> Result<Self, SignatureError> {
        let file: SignatureFile = toml::from_str(text).map_err(|e| SignatureError(e.message().to_string()))?;
        if file.format != FORMAT {
            return Err(SignatureError(format!(
                "format {} is not known to this zeroclaw (it reads {FORMAT})",
                file.format
            )));
        }
        Ok(file)
    }

    /// The file's text.
    pub fn to_text(&self) -> String {
        format!(
            "# Written by `zeroclaw plugins sign`: key {} vouches for plugin.toml and the component with these digests.\n{}",
            self.key,
            toml::to_string(self).expect("a signature file serializes")
        )
    }

    /// The signed statement.
    pub fn statement(&self) -> Vec<u8> {
        statement(&self.key, self.manifest_sha256, self.component_sha256)
    }

    /// The signature's bytes (empty when not base64: then it verifies nothing).
    pub fn signature_bytes(&self) -> Vec<u8> {
        BASE64.decode(self.signature.trim()).unwrap_or_default()
    }
}

fn statement(key: &KeyId, manifest: Sha256Digest, component: Sha256Digest) -> Vec<u8> {
    format!("zeroclaw-plugin-signature/1\nkey {key}\nmanifest sha256:{manifest}\ncomponent sha256:{component}\n")
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_file_round_trips_and_its_statement_verifies() {
        let key = SigningKey::generate().unwrap();
        let file = SignatureFile::sign(&key, Sha256Digest::of(b"manifest"), Sha256Digest::of(b"component"));
        let parsed = SignatureFile::parse(&file.to_text()).unwrap();
        assert_eq!(parsed, file);
        assert!(key.public().verifies(&parsed.statement(), &parsed.signature_bytes()));
        let future = file.to_text().replace("format = 1", "format = 2");
        let error = SignatureFile::parse(&future).unwrap_err().to_string();
        assert!(error.contains("format 2 is not known"), "{error}");
    }
}
