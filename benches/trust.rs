//! What trust costs a load (issue 17), side by side: the policy's check of a signed 213 KB
//! component (its `plugin.sig`, the Ed25519 signature, the digests compared) against a
//! load from the compile cache; and what the cache now hashes (SHA-256 of the component,
//! HMAC-SHA256 of the entry) against the XXH3-128 it hashed before. Target: verification
//! under 5 % of a cached load.

use std::path::Path;

#[allow(dead_code, reason = "this bench uses only the config")]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroclaw::plugins::build::{BuildOptions, build, install};
use zeroclaw::plugins::manifest::Manifest;
use zeroclaw::plugins::package::sign_dir;
use zeroclaw::plugins::verify::verify;
use zeroclaw::plugins::wasm::{CacheOutcome, WasmBackend, content_key};
use zeroclaw::trust::{Sha256Digest, SigningKey};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("wasm-plugins");
    let options =
        BuildOptions { target_dir: Some(Path::new(env!("CARGO_TARGET_TMPDIR")).join("../wasm-guests")), quiet: true };
    let built = build(&root.join("examples/text-stats"), &options, &mut |m| eprintln!("{m}")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let installed = install(&built[0], &dir.path().join("plugins")).unwrap();
    let key = SigningKey::generate().unwrap();
    sign_dir(installed.parent().unwrap(), &key, 64 << 20).unwrap();
    let trust = format!(
        "cache_dir = {:?}\n[plugins.trust]\nrequire_signature = true\n[plugins.trust.keys]\n\"{}\" = \"{}\"\n",
        dir.path().join("cache"),
        key.public().id(),
        key.public().to_base64()
    );
    let config = common::config(dir.path(), &trust);
    let manifest = Manifest::load(&installed).unwrap();
    let bytes = manifest.read_component(64 << 20).unwrap();
    eprintln!("component: {} bytes", bytes.len());
    let backend = WasmBackend::new(&config).unwrap();
    let engine = backend.engine().engine().clone();
    let digest = content_key(&bytes);
    backend.engine().cache().load_or_compile(&engine, &bytes, digest).unwrap();
    let entry = std::fs::read(backend.engine().cache().entry_path(&bytes)).unwrap();
    eprintln!("cache entry: {} bytes", entry.len());

    let mut group = c.benchmark_group("trust");
    // What a load adds for the policy: the component's digest is computed once per load
    // anyway (it names the cache entry), so `verify` takes it; `verify_and_digest` is the
    // policy with a hash of its own.
    group.bench_function("verify", |b| b.iter(|| verify(&manifest, digest, &config).unwrap()));
    group.bench_function("verify_and_digest", |b| {
        b.iter(|| verify(&manifest, Sha256Digest::of(&bytes), &config).unwrap());
    });
    group.bench_function("component_digest/sha256", |b| b.iter(|| Sha256Digest::of(&bytes)));
    group.bench_function("component_digest/xxh3_128", |b| b.iter(|| xxhash_rust::xxh3::xxh3_128(&bytes)));
    group.bench_function("cache_load", |b| {
        b.iter(|| {
            let loaded = backend.engine().cache().load_or_compile(&engine, &bytes, digest).unwrap();
            assert_eq!(loaded.outcome, CacheOutcome::Hit);
        });
    });
    group.bench_function("plugin_load_cached", |b| {
        b.to_async(&rt).iter(|| {
            let (backend, manifest, config) = (&backend, manifest.clone(), &config);
            async move { backend.load(manifest, config, 1).await.unwrap() }
        });
    });
    group.bench_function("entry_tag/hmac_sha256", |b| {
        b.iter(|| {
            let mut mac = Hmac::<Sha256>::new_from_slice(&[7u8; 32]).unwrap();
            mac.update(&entry);
            mac.finalize()
        });
    });
    group.bench_function("entry_tag/xxh3_128", |b| b.iter(|| xxhash_rust::xxh3::xxh3_128(&entry)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
