//! Trust: what vouches for a plugin's files before any of its code is compiled.
//!
//! Three things can vouch for a plugin: the operator's pin of its component's sha256
//! (`plugins.entries.<id>.sha256`), an Ed25519 signature by a key the operator trusts
//! (`plugins.trust.keys`), or nothing, which `plugins.trust.require_signature` refuses.
//! A signature covers the manifest and the component together (their digests, in one
//! signed statement) and names its key by id.
//!
//! This module knows bytes, digests and keys; it never reads a plugin directory itself
//! (`plugins::verify` does, through `plugin_file`) and sits below config, which holds
//! its typed values.

mod digest;
mod key;
mod policy;
mod signature;

pub use digest::{DigestError, Sha256Digest};
pub use key::{KeyError, KeyId, PublicKey, SigningKey, TrustedKeys};
pub use policy::{ChangedFile, PinMismatch, Subject, TrustError, TrustPolicy, Verdict};
pub use signature::{SIGNATURE_FILE, SignatureError, SignatureFile};
