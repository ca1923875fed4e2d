//! The one decision: do a plugin's files carry what the operator's trust policy asks?
//!
//! Checked in this order, each failure its own error naming the plugin and the fix:
//! the operator's pin of the component; a signature, when there is one, over exactly
//! these files (a stale or moved signature is refused even when signatures are not
//! required: it shows the files changed after signing); the signature itself, when its
//! key is trusted; and, under `require_signature`, that there is a trusted signature.

use super::{KeyId, Sha256Digest, SignatureFile, TrustedKeys};

/// The operator's policy (`[plugins.trust]`).
#[derive(Clone, Copy, Debug)]
pub struct TrustPolicy<'a> {
    /// Refuse what no trusted key signed.
    pub require_signature: bool,
    /// The keys whose signatures count.
    pub keys: &'a TrustedKeys,
}

/// What is being judged: one plugin's files, as read.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    /// `id@version`, for messages.
    pub plugin: &'a str,
    /// The plugin id, for the config keys messages name.
    pub id: &'a str,
    /// The digest of the `plugin.toml` bytes parsed.
    pub manifest: Sha256Digest,
    /// The digest of the component bytes that will be compiled.
    pub component: Sha256Digest,
    /// Its `plugin.sig`, if it has one.
    pub signature: Option<&'a SignatureFile>,
    /// The operator's pin, `plugins.entries.<id>.sha256`.
    pub pin: Option<Sha256Digest>,
}

/// What vouches for a plugin that passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A trusted key signed these very files (and the pin, if any, matched).
    Signed {
        /// The key.
        key: KeyId,
        /// Whether the operator also pinned the component.
        pinned: bool,
    },
    /// Not signed by a trusted key, but the operator's pin matched.
    Pinned,
    /// Nothing vouches for it; the policy does not ask for anything.
    Unverified {
        /// A key that signed it, which is not trusted (so the signature proves nothing).
        unknown_key: Option<KeyId>,
    },
}

impl Verdict {
    /// One line for listings: `signed by …`, `pinned`, `unverified`.
    pub fn describe(&self) -> String {
        match self {
            Verdict::Signed { key, pinned: true } => format!("signed by key {key}, pinned"),
            Verdict::Signed { key, pinned: false } => format!("signed by key {key}"),
            Verdict::Pinned => "pinned (sha256)".to_string(),
            Verdict::Unverified { unknown_key: Some(key) } => format!("unverified (signed by untrusted key {key})"),
            Verdict::Unverified { unknown_key: None } => "unverified (unsigned, not pinned)".to_string(),
        }
    }
}

/// A plugin the trust policy refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    /// The component is not the one the operator pinned.
    #[error(transparent)]
    PinMismatch(Box<PinMismatch>),
    /// A signed file changed after signing (or the signature is another plugin's).
    #[error(transparent)]
    Changed(Box<ChangedFile>),
    /// The signature does not verify under the key it names.
    #[error(
        "plugin {plugin}: the signature in plugin.sig does not verify under trusted key {key} (forged or damaged); reinstall the signed package"
    )]
    BadSignature {
        /// `id@version`.
        plugin: String,
        /// The key it names.
        key: KeyId,
    },
    /// Signed by a key the operator does not trust, under `require_signature`.
    #[error(
        "plugin {plugin}: signed by key {key}, which plugins.trust.keys does not list ({trusted}); add the signer's public key (its .pub file) if you trust it"
    )]
    UnknownKey {
        /// `id@version`.
        plugin: String,
        /// The key it names.
        key: KeyId,
        /// The trusted ids, for the message.
        trusted: String,
    },
    /// Not signed, under `require_signature`.
    #[error(
        "plugin {plugin}: not signed, and plugins.trust.require_signature = true; install a package its author signed (`zeroclaw plugins verify` shows what it carries)"
    )]
    Unsigned {
        /// `id@version`.
        plugin: String,
    },
    /// `plugin.sig` exists but cannot be used.
    #[error("plugin {plugin}: {reason}")]
    SignatureFile {
        /// `id@version`.
        plugin: String,
        /// What is wrong with the file, and the fix.
        reason: String,
    },
}

/// The component is not the one the operator pinned (boxed in [`TrustError`]: digests are big).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "plugin {plugin}: its component's sha256 is {actual}, but plugins.entries.{id}.sha256 pins {pinned}; install the plugin you pinned, or check the new one and pin its digest"
)]
pub struct PinMismatch {
    /// `id@version`.
    pub plugin: String,
    /// The plugin id.
    pub id: String,
    /// The pinned digest.
    pub pinned: Sha256Digest,
    /// The component's digest.
    pub actual: Sha256Digest,
}

/// A signed file that changed after signing, or a signature that is another plugin's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "plugin {plugin}: {file}'s sha256 is {actual}, but the signature by key {key} was made over {signed}: the file changed after signing, or the signature belongs to another plugin; reinstall the signed package, or sign the plugin again"
)]
pub struct ChangedFile {
    /// `id@version`.
    pub plugin: String,
    /// `plugin.toml` or the component's path.
    pub file: String,
    /// The key that signed.
    pub key: KeyId,
    /// The digest it signed.
    pub signed: Sha256Digest,
    /// The digest of the file now.
    pub actual: Sha256Digest,
}

impl TrustPolicy<'_> {
    /// Judges `subject`; `component_name` is the component's path, for messages.
    pub fn judge(&self, subject: &Subject<'_>, component_name: &str) -> Result<Verdict, TrustError> {
        let plugin = subject.plugin.to_string();
        if let Some(pinned) = subject.pin.filter(|pin| *pin != subject.component) {
            let (id, actual) = (subject.id.to_string(), subject.component);
            return Err(TrustError::PinMismatch(Box::new(PinMismatch { plugin, id, pinned, actual })));
        }
        let pinned = subject.pin.is_some();
        let Some(signature) = subject.signature else {
            if self.require_signature {
                return Err(TrustError::Unsigned { plugin });
            }
            return Ok(if pinned { Verdict::Pinned } else { Verdict::Unverified { unknown_key: None } });
        };
        let key = signature.key.clone();
        for (file, signed, actual) in [
            ("plugin.toml", signature.manifest_sha256, subject.manifest),
            (component_name, signature.component_sha256, subject.component),
        ] {
            if signed != actual {
                let file = file.to_string();
                return Err(TrustError::Changed(Box::new(ChangedFile { plugin, file, key, signed, actual })));
            }
        }
        match self.keys.get(&key) {
            Some(public) if public.verifies(&signature.statement(), &signature.signature_bytes()) => {
                Ok(Verdict::Signed { key, pinned })
            }
            Some(_) => Err(TrustError::BadSignature { plugin, key }),
            None if self.require_signature => {
                let ids: Vec<&str> = self.keys.ids().map(KeyId::as_str).collect();
                let trusted =
                    if ids.is_empty() { "it lists none".to_string() } else { format!("it lists {}", ids.join(", ")) };
                Err(TrustError::UnknownKey { plugin, key, trusted })
            }
            None if pinned => Ok(Verdict::Pinned),
            None => Ok(Verdict::Unverified { unknown_key: Some(key) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::SigningKey;

    fn subject<'a>(signature: Option<&'a SignatureFile>, component: &[u8]) -> Subject<'a> {
        Subject {
            plugin: "redact@0.1.0",
            id: "redact",
            manifest: Sha256Digest::of(b"manifest"),
            component: Sha256Digest::of(component),
            signature,
            pin: None,
        }
    }

    #[test]
    fn each_way_a_plugin_fails_the_policy_has_its_own_error() {
        let key = SigningKey::generate().unwrap();
        let mut keys = TrustedKeys::default();
        keys.insert(key.public());
        let policy = TrustPolicy { require_signature: true, keys: &keys };
        let signed = SignatureFile::sign(&key, Sha256Digest::of(b"manifest"), Sha256Digest::of(b"wasm"));
        let judge = |subject: Subject<'_>| policy.judge(&subject, "redact.wasm");

        assert_eq!(
            judge(subject(Some(&signed), b"wasm")),
            Ok(Verdict::Signed { key: key.public().id(), pinned: false })
        );
        assert!(
            matches!(judge(subject(Some(&signed), b"wasm!")), Err(TrustError::Changed(c)) if c.file == "redact.wasm")
        );
        assert!(matches!(judge(subject(None, b"wasm")), Err(TrustError::Unsigned { .. })));
        // The key's real signature, of another statement.
        let other = SignatureFile::sign(&key, Sha256Digest::of(b"other"), Sha256Digest::of(b"wasm"));
        let forged = SignatureFile { signature: other.signature, ..signed.clone() };
        assert!(matches!(judge(subject(Some(&forged), b"wasm")), Err(TrustError::BadSignature { .. })));
        let stranger =
            SignatureFile::sign(&SigningKey::generate().unwrap(), signed.manifest_sha256, signed.component_sha256);
        let error = judge(subject(Some(&stranger), b"wasm")).unwrap_err();
        assert!(error.to_string().contains(&format!("it lists {}", key.public().id())), "{error}");
        let pinned = Subject { pin: Some(Sha256Digest::of(b"other")), ..subject(Some(&signed), b"wasm") };
        let error = judge(pinned).unwrap_err().to_string();
        assert!(error.contains("plugins.entries.redact.sha256 pins"), "{error}");
    }

    #[test]
    fn without_require_signature_an_untrusted_signature_counts_for_nothing_but_a_stale_one_is_refused() {
        let keys = TrustedKeys::default();
        let policy = TrustPolicy { require_signature: false, keys: &keys };
        let key = SigningKey::generate().unwrap();
        let signed = SignatureFile::sign(&key, Sha256Digest::of(b"manifest"), Sha256Digest::of(b"wasm"));
        let verdict = policy.judge(&subject(Some(&signed), b"wasm"), "redact.wasm").unwrap();
        assert_eq!(verdict, Verdict::Unverified { unknown_key: Some(key.public().id()) });
        assert!(policy.judge(&subject(Some(&signed), b"other"), "redact.wasm").is_err());
        let pinned = Subject { pin: Some(Sha256Digest::of(b"wasm")), ..subject(None, b"wasm") };
        assert_eq!(policy.judge(&pinned, "redact.wasm").unwrap(), Verdict::Pinned);
    }
}
