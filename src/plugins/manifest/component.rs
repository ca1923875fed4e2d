//! The component file: read or streamed beneath the plugin directory, size-capped, and
//! checked against the manifest's `sha256`.

use sha2::{Digest, Sha256};

use super::{MAX_COMPONENT_KEY, Manifest, ManifestError};
use crate::plugins::plugin_file;

impl Manifest {
    /// Reads the component file and checks it against `sha256` when the manifest has one.
    /// The file must be a regular file inside the plugin directory, of at most `max_bytes`
    /// (`plugins.max_component_mb`).
    pub fn read_component(&self, max_bytes: u64) -> Result<Vec<u8>, ManifestError> {
        let bytes = plugin_file::read_beneath(self.dir(), &self.component, max_bytes, "component", MAX_COMPONENT_KEY)
            .map_err(|e| ManifestError::file(&self.path, e.to_string()))?;
        if let Some(expected) = &self.sha256 {
            self.check_sha256(expected, Sha256::digest(&bytes))?;
        }
        Ok(bytes)
    }

    /// Streams the component file through `each`, chunk by chunk, and checks it against
    /// `sha256` when the manifest has one: for a digest of the component without holding
    /// it in memory (a reload fingerprints every plugin, most of them unchanged).
    pub fn scan_component(&self, max_bytes: u64, mut each: impl FnMut(&[u8])) -> Result<(), ManifestError> {
        use std::io::Read;
        let (file, _) =
            plugin_file::open_beneath(self.dir(), &self.component, max_bytes, "component", MAX_COMPONENT_KEY)
                .map_err(|e| ManifestError::file(&self.path, e.to_string()))?;
        let mut file = file.take(max_bytes);
        let mut sha = self.sha256.as_ref().map(|_| Sha256::new());
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut chunk).map_err(|e| self.unreadable(e))?;
            if n == 0 {
                break;
            }
            each(&chunk[..n]);
            if let Some(sha) = &mut sha {
                sha.update(&chunk[..n]);
            }
        }
        if let (Some(expected), Some(sha)) = (&self.sha256, sha) {
            self.check_sha256(expected, sha.finalize())?;
        }
        Ok(())
    }

    fn unreadable(&self, error: std::io::Error) -> ManifestError {
        ManifestError::file(&self.path, format!("component `{}`: cannot read: {error}", self.component.display()))
    }

    fn check_sha256(&self, expected: &str, digest: impl AsRef<[u8]>) -> Result<(), ManifestError> {
        let actual = hex::encode(digest);
        if actual == expected {
            return Ok(());
        }
        Err(ManifestError::file(
            &self.path,
            format!(
                "sha256: the manifest says {expected} but `{}` hashes to {actual}; rebuild or fix the manifest",
                self.component.display()
            ),
        ))
    }
}
