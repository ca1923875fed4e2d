//! The compile cache: precompiled components on disk.
//!
//! An entry is named by the SHA-256 of the component and a fingerprint of the engine's
//! settings, so a different wasmtime build or setting never reads another's entry, and a
//! component that passed the trust policy is looked up by the very digest that was
//! verified (a non-cryptographic name would let a crafted component share its entry).
//!
//! An entry is native code run outside the sandbox, so it must be one a host holding the
//! cache key wrote (see `cache_key`): it starts with a magic tag and an HMAC-SHA256, under
//! that key, of its name and its precompiled bytes. An entry whose tag does not match
//! (corrupt, forged, or another component's moved under this name), or that wasmtime
//! refuses, is deleted and rebuilt from the verified component, never run.
//! Entries are written to a temporary file and renamed into place, never rewritten.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use super::cache_key::CacheKey;
use crate::trust::Sha256Digest;

const MAGIC: &[u8; 8] = b"ZCWCACH2";
const TAG: usize = 32;
const HEADER: usize = MAGIC.len() + TAG;

/// Where a component came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Loaded from a valid cache entry.
    Hit,
    /// Not cached: compiled (and stored).
    Miss,
    /// A cache entry existed but was corrupt or stale: deleted, compiled, stored again.
    Rebuilt(String),
    /// The same bytes as the version being replaced: its compiled component was reused,
    /// nothing read, compiled or mapped.
    Reused,
}

/// The identity of a component's bytes: the digest that names its cache entry, and the
/// one pins and signatures name.
pub fn content_key(bytes: &[u8]) -> Sha256Digest {
    Sha256Digest::of(bytes)
}

/// A loaded component and how it was obtained.
pub struct Loaded {
    /// The component.
    pub component: Component,
    /// Hit, miss or rebuilt.
    pub outcome: CacheOutcome,
    /// Time spent loading or compiling.
    pub elapsed: std::time::Duration,
    /// The cache file (whether or not it could be written).
    pub path: PathBuf,
}

/// The on-disk cache of one engine.
pub struct CompileCache {
    dir: PathBuf,
    engine_key: String,
    /// `None`: no key could be had, so nothing is read or written.
    key: Option<CacheKey>,
}

/// Feeds `Hash` output into sha256, for a fingerprint that is stable across processes.
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

impl CompileCache {
    /// A cache in `dir` for components compiled by `engine`, its entries authenticated
    /// with the key in `key_file` (created if missing).
    pub fn new(dir: PathBuf, key_file: &Path, engine: &Engine) -> Self {
        let mut hasher = ShaHasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_key = format!("{:016x}", hasher.finish());
        CompileCache { dir, engine_key, key: CacheKey::load_or_create(key_file) }
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cache file for component `bytes`.
    pub fn entry_path(&self, bytes: &[u8]) -> PathBuf {
        self.entry_of(content_key(bytes))
    }

    fn entry_of(&self, digest: Sha256Digest) -> PathBuf {
        self.dir.join(format!("{digest}-{}.cwasm", self.engine_key))
    }

    /// Loads `bytes`, whose [`content_key`] is `digest`, from the cache, or compiles and
    /// stores them.
    #[allow(unsafe_code, reason = "wasmtime loads precompiled code only through an unsafe fn")]
    pub fn load_or_compile(&self, engine: &Engine, bytes: &[u8], digest: Sha256Digest) -> wasmtime::Result<Loaded> {
        let started = Instant::now();
        let path = self.entry_of(digest);
        let mut outcome = CacheOutcome::Miss;
        let read = match &self.key {
            Some(_) => std::fs::read(&path),
            None => Err(std::io::ErrorKind::NotFound.into()),
        };
        match read {
            Ok(entry) => match self.open(engine, &path, &entry) {
                Ok(component) => {
                    return Ok(Loaded { component, outcome: CacheOutcome::Hit, elapsed: started.elapsed(), path });
                }
                Err(reason) => {
                    tracing::warn!(path = %path.display(), "compile cache entry rejected ({reason}); recompiling");
                    let _ = std::fs::remove_file(&path);
                    outcome = CacheOutcome::Rebuilt(reason.to_string());
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(path = %path.display(), "cannot read compile cache entry: {e}; recompiling"),
        }
        let precompiled = engine.precompile_component(bytes)?;
        if let Err(e) = self.store(&path, &precompiled) {
            tracing::warn!(dir = %self.dir.display(), "cannot write the compile cache: {e}; plugins will compile at every start");
        }
        // SAFETY: `precompiled` was produced just now by this engine's `precompile_component`.
        let component = unsafe { Component::deserialize(engine, &precompiled)? };
        Ok(Loaded { component, outcome, elapsed: started.elapsed(), path })
    }

    /// Compiles and stores `bytes` unless the cache already holds them; true if it compiled.
    /// Lets a reload that follows find the component compiled.
    pub fn warm(&self, engine: &Engine, bytes: &[u8]) -> wasmtime::Result<bool> {
        let path = self.entry_path(bytes);
        if self.key.is_none() || path.exists() {
            return Ok(false);
        }
        let precompiled = engine.precompile_component(bytes)?;
        self.store(&path, &precompiled).map_err(|e| wasmtime::format_err!("cannot write the compile cache: {e}"))?;
        Ok(true)
    }

    /// The HMAC of an entry: its file name, then its precompiled bytes.
    fn tag(&self, path: &Path) -> Option<Hmac<Sha256>> {
        let key = self.key.as_ref()?;
        let mut mac = Hmac::<Sha256>::new_from_slice(key.bytes()).expect("HMAC takes a key of any length");
        let name = path.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default();
        mac.update(&(name.len() as u64).to_le_bytes());
        mac.update(name);
        Some(mac)
    }

    /// Checks an entry's header and tag, then asks wasmtime to load it.
    #[allow(unsafe_code, reason = "wasmtime loads precompiled code only through an unsafe fn")]
    fn open(&self, engine: &Engine, path: &Path, entry: &[u8]) -> Result<Component, Rejected> {
        if entry.len() < HEADER || &entry[..MAGIC.len()] != MAGIC {
            return Err(Rejected::NotAnEntry);
        }
        let (tag, payload) = entry[MAGIC.len()..].split_at(TAG);
        let mut mac = self.tag(path).ok_or(Rejected::NotAnEntry)?;
        mac.update(payload);
        mac.verify_slice(tag).map_err(|_| Rejected::Unauthentic)?;
        // SAFETY: the payload is exactly what `store` wrote from `precompile_component`
        // under this cache's key for this entry name (its HMAC matches); wasmtime still
        // checks that it was compiled by a compatible engine and refuses it otherwise.
        unsafe { Component::deserialize(engine, payload) }.map_err(Rejected::Refused)
    }

    /// Writes an entry to a temporary file in the cache directory, then renames it into
    /// place, so a reader never sees a partial entry and a mapped entry is never rewritten.
    fn store(&self, path: &Path, precompiled: &[u8]) -> std::io::Result<()> {
        let Some(mut mac) = self.tag(path) else { return Ok(()) };
        mac.update(precompiled);
        std::fs::create_dir_all(&self.dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        tmp.write_all(MAGIC)?;
        tmp.write_all(&mac.finalize().into_bytes())?;
        tmp.write_all(precompiled)?;
        tmp.as_file().sync_data()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Why a cache entry was not used (it is then recompiled and replaced).
#[derive(Debug, thiserror::Error)]
enum Rejected {
    /// The file does not start with the entry header.
    #[error("not a zeroclaw cache entry")]
    NotAnEntry,
    /// The tag does not match: corrupt, forged, or another entry's under this name.
    #[error("its authentication tag does not match (corrupt, forged, or another component's entry)")]
    Unauthentic,
    /// wasmtime refused the precompiled code (another engine's settings or version).
    #[error("refused by wasmtime: {0}")]
    Refused(#[source] wasmtime::Error),
}
