//! The compile cache: precompiled components on disk.
//!
//! An entry is named by a hash of the component and a fingerprint of the engine's
//! settings, so a different wasmtime build or setting never reads another's entry. The
//! file starts with a magic tag and a hash of the precompiled bytes; an entry whose hash
//! does not match, or that wasmtime refuses, is deleted and rebuilt, never trusted.
//!
//! The hashes are XXH3-128: they detect corruption and tell components apart, which is
//! all they are for (anyone who can write the cache directory can write a matching hash,
//! so a cryptographic one would protect nothing more), and they are ten times cheaper
//! than sha256 on the load path. A manifest's `sha256` is checked separately.
//! Entries are written to a temporary file and renamed into place, never rewritten.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;
use xxhash_rust::xxh3::xxh3_128;

const MAGIC: &[u8; 8] = b"ZCWCACH1";
const HASH: usize = 16;
const HEADER: usize = MAGIC.len() + HASH;

fn hash(bytes: &[u8]) -> [u8; HASH] {
    xxh3_128(bytes).to_le_bytes()
}

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

/// The identity of a component's bytes (the hash that names its cache entry).
pub fn content_key(bytes: &[u8]) -> u128 {
    xxh3_128(bytes)
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
    /// A cache in `dir` for components compiled by `engine`.
    pub fn new(dir: PathBuf, engine: &Engine) -> Self {
        let mut hasher = ShaHasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_key = format!("{:016x}", hasher.finish());
        CompileCache { dir, engine_key }
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cache file for component `bytes`.
    pub fn entry_path(&self, bytes: &[u8]) -> PathBuf {
        self.dir.join(format!("{}-{}.cwasm", hex::encode(hash(bytes)), self.engine_key))
    }

    /// Loads `bytes` from the cache, or compiles and stores them.
    #[allow(unsafe_code, reason = "wasmtime loads precompiled code only through an unsafe fn")]
    pub fn load_or_compile(&self, engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Loaded> {
        let started = Instant::now();
        let path = self.entry_path(bytes);
        let mut outcome = CacheOutcome::Miss;
        match std::fs::read(&path) {
            Ok(entry) => match Self::open(engine, &entry) {
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
        if path.exists() {
            return Ok(false);
        }
        let precompiled = engine.precompile_component(bytes)?;
        self.store(&path, &precompiled).map_err(|e| wasmtime::format_err!("cannot write the compile cache: {e}"))?;
        Ok(true)
    }

    /// Checks an entry's header and hash, then asks wasmtime to load it.
    #[allow(unsafe_code, reason = "wasmtime loads precompiled code only through an unsafe fn")]
    fn open(engine: &Engine, entry: &[u8]) -> Result<Component, Rejected> {
        if entry.len() < HEADER || &entry[..MAGIC.len()] != MAGIC {
            return Err(Rejected::NotAnEntry);
        }
        let (expected, payload) = entry[MAGIC.len()..].split_at(HASH);
        if hash(payload) != expected {
            return Err(Rejected::Corrupt);
        }
        // SAFETY: the payload is exactly what `store` wrote from `precompile_component`
        // (its hash matches); wasmtime still checks that it was compiled by a compatible
        // engine and refuses it otherwise.
        unsafe { Component::deserialize(engine, payload) }.map_err(Rejected::Refused)
    }

    /// Writes an entry to a temporary file in the cache directory, then renames it into
    /// place, so a reader never sees a partial entry and a mapped entry is never rewritten.
    fn store(&self, path: &Path, precompiled: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        tmp.write_all(MAGIC)?;
        tmp.write_all(&hash(precompiled))?;
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
    /// The payload does not match the hash in its header.
    #[error("content hash mismatch (corrupt)")]
    Corrupt,
    /// wasmtime refused the precompiled code (another engine's settings or version).
    #[error("refused by wasmtime: {0}")]
    Refused(#[source] wasmtime::Error),
}
