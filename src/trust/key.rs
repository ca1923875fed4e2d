//! Ed25519 keys: the signing key an author keeps, the public keys an operator trusts,
//! and key ids.
//!
//! A key id is the first 8 bytes of the SHA-256 of the public key, in hex: it names a
//! key unambiguously without a registry, and `plugins.trust.keys` is checked against
//! it, so a pasted key can never sit under another key's id.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::Signer;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Sha256Digest;

/// A key's id: 16 hex digits, a fingerprint of its public key.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KeyId(String);

impl KeyId {
    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An id read from a file (a signature names its key); not checked against any key.
    pub fn named(id: &str) -> Self {
        KeyId(id.to_string())
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key {}", self.0)
    }
}

/// A public key that verifies plugin signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

/// A key or key file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Not base64 of 32 bytes, or not a point of the curve.
    #[error("`{text}` is not an Ed25519 public key (base64 of 32 bytes, as `plugins keygen` writes)")]
    NotAKey {
        /// The text given.
        text: String,
    },
    /// A trusted key listed under an id that is not its own.
    #[error(
        "the key listed as `{listed}` has id `{actual}`; write it as \"{actual}\" = \"{key}\" (a key id is a fingerprint of its key)"
    )]
    WrongId {
        /// The id in the config.
        listed: String,
        /// The key's real id.
        actual: KeyId,
        /// The key, base64.
        key: String,
    },
    /// The signing key file cannot be read or written.
    #[error("{}: {action}: {source}", path.display())]
    Io {
        /// The key file.
        path: PathBuf,
        /// `cannot read`, `cannot write`, ….
        action: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// The signing key file is not one `plugins keygen` wrote.
    #[error("{}: not a zeroclaw signing key ({reason}); make one with `zeroclaw plugins keygen`", path.display())]
    BadFile {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// `plugins keygen` would overwrite a file.
    #[error("{} exists; choose another file with -o or remove it first (a key is never overwritten)", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// The system's random source failed.
    #[error("cannot draw a random key: {0}")]
    Random(String),
}

impl PublicKey {
    /// Parses base64 of 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let not_a_key = || KeyError::NotAKey { text: text.to_string() };
        let bytes: [u8; 32] =
            BASE64.decode(text.trim()).map_err(|_| not_a_key())?.try_into().map_err(|_| not_a_key())?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes).map(PublicKey).map_err(|_| not_a_key())
    }

    /// The key, base64.
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0.as_bytes())
    }

    /// Its id.
    pub fn id(&self) -> KeyId {
        KeyId(hex::encode(&Sha256Digest::of(self.0.as_bytes()).as_bytes()[..8]))
    }

    /// Whether `signature` (64 bytes) is this key's signature of `message`.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else { return false };
        // Strict: refuses the malleable and small-order forms plain `verify` accepts.
        self.0.verify_strict(message, &signature).is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.id())
    }
}

/// `plugins.trust.keys`: the public keys the operator trusts, by id. Deserializing checks
/// every id against its key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedKeys(BTreeMap<KeyId, PublicKey>);

impl TrustedKeys {
    /// The key of `id`, if trusted.
    pub fn get(&self, id: &KeyId) -> Option<&PublicKey> {
        self.0.get(id)
    }

    /// Whether no key is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The trusted ids.
    pub fn ids(&self) -> impl Iterator<Item = &KeyId> {
        self.0.keys()
    }

    /// Trusts one more key.
    pub fn insert(&mut self, key: PublicKey) {
        self.0.insert(key.id(), key);
    }

    /// Trusts the keys of `other` too.
    pub fn extend(&mut self, other: TrustedKeys) {
        self.0.extend(other.0);
    }

    /// Parses `id = "base64"` lines (a `.pub` file, or the body of `[plugins.trust.keys]`).
    pub fn from_map(map: BTreeMap<String, String>) -> Result<Self, KeyError> {
        let mut keys = BTreeMap::new();
        for (listed, text) in map {
            let key = PublicKey::from_base64(&text)?;
            let actual = key.id();
            if actual.as_str() != listed {
                return Err(KeyError::WrongId { listed, actual, key: key.to_base64() });
            }
            keys.insert(actual, key);
        }
        Ok(TrustedKeys(keys))
    }

    /// Reads a `.pub` file `plugins keygen` wrote.
    pub fn read_file(path: &Path) -> Result<Self, KeyError> {
        let map: BTreeMap<String, String> = read_toml(path)?;
        Self::from_map(map).map_err(|e| KeyError::BadFile { path: path.to_path_buf(), reason: e.to_string() })
    }
}

impl Serialize for TrustedKeys {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let map: BTreeMap<&str, String> = self.0.iter().map(|(id, key)| (id.as_str(), key.to_base64())).collect();
        map.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for TrustedKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, String>::deserialize(deserializer)?;
        TrustedKeys::from_map(map).map_err(serde::de::Error::custom)
    }
}

/// An author's signing key, as `plugins keygen` writes it.
pub struct SigningKey(ed25519_dalek::SigningKey);

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SigningKeyFile {
    id: String,
    secret_key: String,
}

impl SigningKey {
    /// A new random key.
    pub fn generate() -> Result<Self, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    /// Its public half.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Signs `message`: 64 bytes.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }

    /// Reads a key file.
    pub fn read_file(path: &Path) -> Result<Self, KeyError> {
        let bad = |reason: String| KeyError::BadFile { path: path.to_path_buf(), reason };
        let file: SigningKeyFile = read_toml(path)?;
        let seed: [u8; 32] = BASE64
            .decode(file.secret_key.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad("secret_key is not base64 of 32 bytes".into()))?;
        let key = SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed));
        if key.public().id().as_str() != file.id {
            return Err(bad(format!("its id says {} but the key's id is {}", file.id, key.public().id())));
        }
        Ok(key)
    }

    /// Writes the key to `path` (readable by its owner only) and its public half to
    /// `path.pub`, as a line to paste under `[plugins.trust.keys]`. Never overwrites.
    pub fn write_files(&self, path: &Path) -> Result<PathBuf, KeyError> {
        let public_path = public_path(path);
        for existing in [path, public_path.as_path()] {
            if existing.exists() {
                return Err(KeyError::Exists { path: existing.to_path_buf() });
            }
        }
        let (id, public) = (self.public().id(), self.public().to_base64());
        let secret = format!(
            "# zeroclaw plugin signing key {id}. Keep it secret: whoever holds it signs plugins as you.\n{}",
            toml::to_string(&SigningKeyFile { id: id.to_string(), secret_key: BASE64.encode(self.0.to_bytes()) })
                .expect("a key file serializes")
        );
        write_new(path, secret.as_bytes(), 0o600)?;
        let public_text = format!(
            "# zeroclaw plugin signing key {id} (public). Operators trust it with this line under [plugins.trust.keys]:\n\"{id}\" = \"{public}\"\n"
        );
        write_new(&public_path, public_text.as_bytes(), 0o644)?;
        Ok(public_path)
    }
}

/// A key file, read and parsed as `T`.
fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Io {
        path: path.to_path_buf(),
        action: "cannot read",
        source,
    })?;
    toml::from_str(&text).map_err(|e| KeyError::BadFile { path: path.to_path_buf(), reason: e.message().to_string() })
}

/// Where the public half of the key at `path` goes: `path.pub`.
pub fn public_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// Creates `path` (failing if it exists) with `mode` on Unix, and writes `bytes`.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyError> {
    use std::io::Write;
    let failed = |source| KeyError::Io { path: path.to_path_buf(), action: "cannot write", source };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    file.sync_all().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_written_reads_back_and_its_public_file_lists_it_under_its_id() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::generate().unwrap();
        let path = dir.path().join("release.key");
        let public = key.write_files(&path).unwrap();
        let read = SigningKey::read_file(&path).unwrap();
        assert_eq!(read.public(), key.public());
        let trusted = TrustedKeys::read_file(&public).unwrap();
        assert_eq!(trusted.get(&key.public().id()), Some(&key.public()));
        let again = key.write_files(&path).unwrap_err().to_string();
        assert!(again.contains("exists; choose another file"), "{again}");
        let message = b"statement";
        assert!(key.public().verifies(message, &key.sign(message)));
        assert!(!key.public().verifies(b"another statement", &key.sign(message)));
    }

    #[test]
    fn a_trusted_key_under_another_id_is_refused_naming_its_own() {
        let key = SigningKey::generate().unwrap().public();
        let map = BTreeMap::from([("0011223344556677".to_string(), key.to_base64())]);
        let error = TrustedKeys::from_map(map).unwrap_err().to_string();
        assert!(error.contains(&format!("has id `{}`", key.id())), "{error}");
        let map = BTreeMap::from([("x".to_string(), "not base64!".to_string())]);
        assert!(TrustedKeys::from_map(map).unwrap_err().to_string().contains("is not an Ed25519 public key"));
    }
}
