//! What `plugins inspect` shows about a component: its WIT imports and exports, its size,
//! and what compiling it costs compared with loading it from the cache.

use std::time::{Duration, Instant};

use wasmtime::component::Component;

use super::WasmBackend;
use super::load_error::{LoadCause, LoadError};
use super::probe::interface_names;
use super::speaks::{Spoken, spoken};
use crate::plugins::manifest::Manifest;

/// A component, looked at without instantiating it.
#[derive(Clone, Debug)]
pub struct Inspection {
    /// The component file's size.
    pub component_bytes: u64,
    /// The component file's sha256 (what a pin or a signature names).
    pub component_sha256: crate::trust::Sha256Digest,
    /// Its imports (WASI and zeroclaw interfaces).
    pub imports: Vec<String>,
    /// Its exports.
    pub exports: Vec<String>,
    /// The contract version each of its kinds speaks (`zeroclaw:hooks@1.0.0`).
    pub speaks: Vec<Spoken>,
    /// Time to compile it from scratch.
    pub compile: Duration,
    /// Time to load it from the compile cache.
    pub cached_load: Duration,
}

impl WasmBackend {
    /// Compiles `manifest`'s component from scratch, then loads it from the cache (storing
    /// it first if needed), and reports both times with its interfaces.
    /// `max_bytes` caps the component's size (`plugins.max_component_mb`).
    pub fn inspect(&self, manifest: &Manifest, max_bytes: u64) -> Result<Inspection, LoadError> {
        let bytes = manifest.read_component(max_bytes)?;
        let digest = super::content_key(&bytes);
        let engine = self.engine().engine();
        let started = Instant::now();
        let component = Component::new(engine, &bytes).map_err(|e| LoadError::new(manifest, LoadCause::Compile(e)))?;
        let compile = started.elapsed();
        let cache = self.engine().cache();
        let cached =
            || cache.load_or_compile(engine, &bytes, digest).map_err(|e| LoadError::new(manifest, LoadCause::Cache(e)));
        drop(cached()?);
        let loaded = cached()?;
        let (imports, exports) = interface_names(&component, engine);
        let speaks = manifest.kinds().into_iter().filter_map(|kind| spoken(kind, &exports)).collect();
        Ok(Inspection {
            speaks,
            component_bytes: bytes.len() as u64,
            component_sha256: digest,
            imports,
            exports,
            compile,
            cached_load: loaded.elapsed,
        })
    }
}
