//! The key that authenticates compile cache entries.
//!
//! A cache entry is native code the host maps and runs outside the sandbox, so an entry
//! must be one this host (or a host holding the same key) wrote: each carries an
//! HMAC-SHA256 under this key. Whoever can write the cache directory but not read the
//! key cannot make an entry the host accepts; a forged or swapped entry is deleted and
//! the component compiled again from its verified bytes.
//!
//! The key is 32 random bytes in a file readable by its owner only, created on first
//! use. When it can be neither read nor created, the host uses a key of its own for this
//! run: entries it writes then serve it alone, and nothing unauthenticated is trusted.
//! Without even a random source, nothing is cached.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// 32 secret bytes.
#[derive(Clone)]
pub struct CacheKey([u8; 32]);

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheKey(…)") // never printed
    }
}

impl CacheKey {
    /// The key in `path`, created there if missing; a key for this run alone (with a
    /// warning) when the file can be neither read nor created; `None` (no cache at all)
    /// when not even that can be drawn.
    pub fn load_or_create(path: &Path) -> Option<Self> {
        match Self::read_or_create(path) {
            Ok(key) => Some(key),
            Err(e) => {
                tracing::warn!(
                    "cannot use the compile cache key {}: {e}; cached components from earlier runs will be recompiled",
                    path.display()
                );
                Self::random().ok()
            }
        }
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn read_or_create(path: &Path) -> std::io::Result<Self> {
        match Self::read(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            read => return read,
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let key = Self::random()?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(mut file) => {
                file.write_all(&key.0)?;
                file.sync_all()?;
                Ok(key)
            }
            // Another host created it meanwhile: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::read(path),
            Err(e) => Err(e),
        }
    }

    fn read(path: &Path) -> std::io::Result<Self> {
        let mut bytes = [0u8; 32];
        let mut file = std::fs::File::open(path)?;
        file.read_exact(&mut bytes).map_err(|_| std::io::Error::other(bad_file(path)))?;
        if file.read(&mut [0u8; 1])? != 0 {
            return Err(std::io::Error::other(bad_file(path)));
        }
        Ok(CacheKey(bytes))
    }

    fn random() -> std::io::Result<Self> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(CacheKey(bytes))
    }
}

fn bad_file(path: &Path) -> String {
    format!("{} is not 32 bytes; delete it (a new key is made, and the cache rebuilt)", PathBuf::from(path).display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/cache.key");
        let first = CacheKey::load_or_create(&path).unwrap();
        assert_eq!(CacheKey::load_or_create(&path).unwrap().bytes(), first.bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&path, b"short").unwrap();
        assert!(CacheKey::read_or_create(&path).unwrap_err().to_string().contains("is not 32 bytes"));
    }
}
