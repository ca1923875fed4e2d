//! Trust: signed plugins, operator pins, the compile cache's authentication, packages,
//! install and remove. Every refusal names the plugin and the fix, and a refused reload
//! keeps the last good version serving.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use zeroclaw::agent::{Agent, AgentOptions};
use zeroclaw::observability::{Event, Observer};
use zeroclaw::plugins::PluginStatus;
use zeroclaw::plugins::manifest::Manifest;
use zeroclaw::plugins::package::{self, PackageError};
use zeroclaw::plugins::wasm::{CacheOutcome, WasmBackend};
use zeroclaw::trust::{SIGNATURE_FILE, Sha256Digest, SignatureFile, SigningKey};

use crate::agent::config;
use crate::guests::{author_command, guest, install_guest, plugin_config_with_cache};

/// `[plugins.trust]` trusting `keys`, with `require_signature`.
fn trust(require: bool, keys: &[&SigningKey]) -> String {
    let mut text = format!("[plugins.trust]\nrequire_signature = {require}\n[plugins.trust.keys]\n");
    for key in keys {
        text.push_str(&format!("\"{}\" = \"{}\"\n", key.public().id(), key.public().to_base64()));
    }
    text
}

/// Installs guest `name` into `<root>/plugins` and signs it with `key`; returns its directory.
fn install_signed(root: &Path, name: &str, key: &SigningKey) -> PathBuf {
    let manifest = install_guest(name, &root.join("plugins"));
    let dir = manifest.parent().unwrap().to_path_buf();
    package::sign_dir(&dir, key, 64 << 20).expect("signs");
    dir
}

async fn call(agent: &Agent) -> Result<String, String> {
    let snapshot = agent.runtime().snapshot();
    let entry = snapshot.tool("text_stats").ok_or("no text_stats")?;
    entry.invoke(&serde_json::json!({"text": "a b"})).await.map_err(|e| e.to_string())?;
    Ok(entry.owner.to_string())
}

fn status(agent: &Agent, id: &str) -> PluginStatus {
    agent.runtime().snapshot().plugins().iter().find(|p| p.id == id).expect("a record").status.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tampering_of_a_signed_plugin_is_refused_and_the_last_good_version_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let (key, stranger) = (SigningKey::generate().unwrap(), SigningKey::generate().unwrap());
    let plugin = install_signed(dir.path(), "text-stats", &key);
    let other = install_signed(dir.path(), "noop", &key);
    let agent = Agent::start(config(dir.path(), "trust-tamper", true, "", &trust(true, &[&key]))).await.unwrap();
    assert_eq!(call(&agent).await.unwrap(), "wasm:text-stats@0.1.0");
    assert_eq!(status(&agent, "noop"), PluginStatus::Active);

    let (manifest, component, signature) =
        (plugin.join("plugin.toml"), plugin.join("text_stats.wasm"), plugin.join(SIGNATURE_FILE));
    let good = [&manifest, &component, &signature].map(|f| std::fs::read(f).unwrap());
    let restore = || {
        for (file, bytes) in [&manifest, &component, &signature].iter().zip(&good) {
            std::fs::write(file, bytes).unwrap();
        }
    };
    let signed = SignatureFile::parse(&String::from_utf8(good[2].clone()).unwrap()).unwrap();
    let write_signature = |file: SignatureFile| std::fs::write(&signature, file.to_text()).unwrap();
    let key_id = key.public().id().to_string();
    let stranger_id = stranger.public().id().to_string();
    type Tampering<'a> = (&'static str, Box<dyn Fn() + 'a>, String);
    let tamperings: Vec<Tampering> = vec![
        (
            "a byte flipped in the component",
            Box::new(|| {
                let mut bytes = good[1].clone();
                let last = bytes.len() - 1;
                bytes[last] ^= 1;
                std::fs::write(&component, bytes).unwrap();
            }),
            "text_stats.wasm's sha256 is".to_string(),
        ),
        (
            "an edited manifest",
            Box::new(|| {
                let text = String::from_utf8(good[0].clone()).unwrap();
                std::fs::write(&manifest, text.replace("A read tool", "A friendly tool")).unwrap();
            }),
            format!(
                "plugin.toml's sha256 is {}",
                Sha256Digest::of(
                    String::from_utf8(good[0].clone()).unwrap().replace("A read tool", "A friendly tool").as_bytes()
                )
            ),
        ),
        (
            "a signature swapped in from another plugin",
            Box::new(|| std::fs::copy(other.join(SIGNATURE_FILE), &signature).map(drop).unwrap()),
            "or the signature belongs to another plugin".to_string(),
        ),
        (
            "a signature by a key the operator does not trust",
            Box::new(|| {
                write_signature(SignatureFile::sign(&stranger, signed.manifest_sha256, signed.component_sha256))
            }),
            format!("signed by key {stranger_id}, which plugins.trust.keys does not list (it lists {key_id})"),
        ),
        (
            "a forged signature",
            Box::new(|| {
                // The trusted key's genuine signature, of another statement.
                let other = SignatureFile::sign(&key, Sha256Digest::of(b"another manifest"), signed.component_sha256);
                write_signature(SignatureFile { signature: other.signature, ..signed.clone() })
            }),
            format!("does not verify under trusted key {key_id}"),
        ),
        (
            "the signature removed",
            Box::new(|| std::fs::remove_file(&signature).unwrap()),
            "not signed, and plugins.trust.require_signature = true".to_string(),
        ),
    ];
    for (what, tamper, expected) in tamperings {
        tamper();
        let report = agent.reload(None).await;
        assert_eq!(report.failed.len(), 1, "{what}: {report:?}");
        let failure = &report.failed[0];
        assert_eq!((failure.plugin.as_str(), failure.kept.as_deref()), ("text-stats", Some("0.1.0")), "{what}");
        assert!(failure.reason.contains(&expected), "{what}: {}", failure.reason);
        assert!(failure.reason.contains("plugin text-stats@0.1.0"), "{what} names the plugin: {}", failure.reason);
        assert_eq!(call(&agent).await.unwrap(), "wasm:text-stats@0.1.0", "{what}: the good version keeps answering");
        restore();
        let report = agent.reload(None).await;
        assert!(report.is_clean(), "{what}: restored: {report:?}");
    }

    // The operator revokes the key: the files did not change, the policy did, so the
    // version it vouched for stops serving at the next reload instead of being kept.
    config(dir.path(), "trust-tamper", true, "", &trust(true, &[&stranger]));
    let report = agent.reload(None).await;
    let failure = report.failed.iter().find(|f| f.plugin == "text-stats").expect("refused");
    assert_eq!(failure.kept, None, "{report:?}");
    assert!(failure.reason.contains(&format!("signed by key {key_id}, which plugins.trust.keys does not list")));
    assert!(agent.runtime().snapshot().tool("text_stats").is_none(), "a revoked plugin no longer serves");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_pin_refuses_any_other_component_and_names_the_key_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = install_guest("text-stats", &dir.path().join("plugins"));
    let wrong = Sha256Digest::of(b"some other build");
    let pin = |digest: Sha256Digest| format!("[plugins.entries.text-stats]\nsha256 = \"{digest}\"\n");
    let agent = Agent::start(config(dir.path(), "trust-pin", true, "", &pin(wrong))).await.unwrap();
    let PluginStatus::Failed(reason) = status(&agent, "text-stats") else { panic!("a wrong pin refuses") };
    assert!(reason.contains(&format!("plugins.entries.text-stats.sha256 pins {wrong}")), "{reason}");
    assert!(agent.runtime().snapshot().tool("text_stats").is_none(), "nothing of it serves");

    let bytes = std::fs::read(Manifest::load(&manifest).unwrap().component).unwrap();
    let right = Sha256Digest::of(&bytes);
    assert!(reason.contains(&format!("its component's sha256 is {right}")), "{reason}");
    let agent = Agent::start(config(dir.path(), "trust-pin", true, "", &pin(right))).await.unwrap();
    assert_eq!(call(&agent).await.unwrap(), "wasm:text-stats@0.1.0");
    // A pin is checked in every config: `zeroclaw.toml` holds the right one now.
    assert_eq!(status(&agent, "text-stats"), PluginStatus::Active);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_cache_entry_never_runs_it_is_rebuilt_from_the_verified_component() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let key = SigningKey::generate().unwrap();
    let text_stats = install_signed(dir.path(), "text-stats", &key);
    install_signed(dir.path(), "noop", &key);
    let config = plugin_config_with_cache(dir.path(), &cache, &trust(true, &[&key]));
    let backend = WasmBackend::new(&config).unwrap();
    let load = |id: &'static str| {
        let manifest = Manifest::load(&dir.path().join("plugins").join(id).join("plugin.toml")).unwrap();
        let (backend, config) = (&backend, &config);
        async move { backend.load(manifest, config, 1).await.expect("loads") }
    };
    assert_eq!(load("text-stats").await.report.cache, CacheOutcome::Miss);
    assert_eq!(load("noop").await.report.cache, CacheOutcome::Miss);
    assert_eq!(load("text-stats").await.report.cache, CacheOutcome::Hit);

    let component = std::fs::read(text_stats.join("text_stats.wasm")).unwrap();
    let entry = backend.engine().cache().entry_path(&component);
    let noop_entry = backend.engine().cache().entry_path(&std::fs::read(guest("noop").component.as_path()).unwrap());
    let genuine = std::fs::read(&entry).unwrap();
    // A genuine entry of this very cache, written under another component's name: without
    // the name in its tag, noop's code would run as text-stats.
    std::fs::copy(&noop_entry, &entry).unwrap();
    let swapped = load("text-stats").await;
    let CacheOutcome::Rebuilt(reason) = &swapped.report.cache else { panic!("{:?}", swapped.report.cache) };
    assert!(reason.contains("authentication tag does not match"), "{reason}");
    assert_eq!(swapped.tool_specs.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["text_stats"]);
    // Its own entry with one byte of code changed (an attacker cannot recompute the tag).
    let mut forged = genuine.clone();
    let middle = forged.len() / 2;
    forged[middle] ^= 0x40;
    std::fs::write(&entry, &forged).unwrap();
    let rebuilt = load("text-stats").await;
    assert!(matches!(rebuilt.report.cache, CacheOutcome::Rebuilt(_)), "{:?}", rebuilt.report.cache);
    assert_eq!(std::fs::read(&entry).unwrap().len(), genuine.len(), "the entry was written again");
    assert_eq!(load("text-stats").await.report.cache, CacheOutcome::Hit);
    // The key lives beside the cache, readable by its owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("cache.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// Collects the Reload events.
#[derive(Default)]
struct Reloads(Mutex<Vec<u64>>);

impl Observer for Reloads {
    fn record(&self, event: &Event) {
        if let Event::Reload { generation, failures } = event {
            assert!(failures.is_empty(), "no reload fails: {failures:?}");
            self.0.lock().push(*generation);
        }
    }
}

/// A package of guest `name` at `version`, signed with `key`, in `dir`.
fn package_of(dir: &Path, name: &str, version: &str, key: &SigningKey) -> PathBuf {
    let built = dir.join(format!("built-{version}"));
    let manifest = install_guest(name, &built);
    let text =
        std::fs::read_to_string(&manifest).unwrap().replace("version = \"0.1.0\"", &format!("version = \"{version}\""));
    std::fs::write(&manifest, text).unwrap();
    let plugin = manifest.parent().unwrap();
    package::sign_dir(plugin, key, 64 << 20).unwrap();
    let file = dir.join(format!("{name}-{version}.zcpkg"));
    std::fs::write(&file, package::pack_dir(plugin, 64 << 20).unwrap().bytes).unwrap();
    file
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_under_a_watching_gateway_swaps_the_plugin_in_one_reload_and_no_call_fails() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::generate().unwrap();
    let mut cfg = config(dir.path(), "trust-install", true, "", &trust(true, &[&key]));
    let plugins = dir.path().join("plugins");
    let installed =
        package::install(&package_of(dir.path(), "text-stats", "0.1.0", &key), &plugins, &cfg, false).unwrap();
    assert_eq!(installed.replaced, None);
    cfg.config.plugins.hot_reload = true;
    cfg.config.plugins.reload_debounce_ms = 1000;
    let reloads = Arc::new(Reloads::default());
    let options = AgentOptions { observers: vec![reloads.clone()], ..Default::default() };
    let agent = Agent::start_with(cfg.clone(), options).await.unwrap();
    assert_eq!(call(&agent).await.unwrap(), "wasm:text-stats@0.1.0");
    let v2 = package_of(dir.path(), "text-stats", "0.2.0", &key);

    let (stop, calls) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let (agent, stop, calls) = (agent.clone(), stop.clone(), calls.clone());
        tasks.push(tokio::spawn(async move {
            let mut owners = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                owners.push(call(&agent).await.expect("every call succeeds"));
                calls.fetch_add(1, Ordering::Relaxed);
                tokio::task::yield_now().await;
            }
            owners
        }));
    }
    let before = reloads.0.lock().len();
    let installed = package::install(&v2, &plugins, &cfg, false).unwrap();
    assert_eq!(installed.replaced.map(|v| v.to_string()).as_deref(), Some("0.1.0"));
    let mut served = false;
    for _ in 0..600 {
        if call(&agent).await.unwrap().ends_with("@0.2.0") {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(served, "the watcher loaded the installed version");
    // Two more debounce periods: a second reload would have happened by now.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut owners = Vec::new();
    for task in tasks {
        owners.extend(task.await.unwrap());
    }
    assert_eq!(reloads.0.lock().len() - before, 1, "one reload: {:?}", reloads.0.lock());
    assert!(owners.iter().all(|o| o == "wasm:text-stats@0.1.0" || o == "wasm:text-stats@0.2.0"), "{owners:?}");
    assert!(owners.iter().any(|o| o.ends_with("@0.2.0")) && calls.load(Ordering::Relaxed) > 0);
    let left: Vec<String> =
        std::fs::read_dir(&plugins).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left, ["text-stats"], "no staging directory is left behind");
}

#[test]
fn install_verifies_before_anything_lands_and_refuses_another_id_or_a_downgrade_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let (key, stranger) = (SigningKey::generate().unwrap(), SigningKey::generate().unwrap());
    let plugins = dir.path().join("plugins");
    let cfg = plugin_config_with_cache(dir.path(), &dir.path().join("cache"), &trust(true, &[&key]));
    let v1 = package_of(dir.path(), "text-stats", "0.1.0", &key);
    let v2 = package_of(dir.path(), "text-stats", "0.2.0", &key);
    let listing = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&plugins).map_or_else(
            |_| Vec::new(),
            |d| d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect(),
        );
        names.sort();
        names
    };

    // Unsigned under require_signature, and signed by an untrusted key: nothing lands.
    let unsigned = dir.path().join("unsigned");
    install_guest("text-stats", &unsigned);
    let error = package::install(&unsigned.join("text-stats"), &plugins, &cfg, false).unwrap_err().to_string();
    assert!(error.contains("not signed, and plugins.trust.require_signature = true"), "{error}");
    package::sign_dir(&unsigned.join("text-stats"), &stranger, 64 << 20).unwrap();
    let error = package::install(&unsigned.join("text-stats"), &plugins, &cfg, false).unwrap_err().to_string();
    assert!(error.contains(&format!("signed by key {}", stranger.public().id())), "{error}");
    assert!(listing().is_empty(), "nothing installed, no staging left: {:?}", listing());

    package::install(&v2, &plugins, &cfg, false).unwrap();
    let error = package::install(&v1, &plugins, &cfg, false).unwrap_err().to_string();
    assert!(error.contains("holds text-stats 0.2.0, newer than the 0.1.0 being installed; pass --force"), "{error}");
    assert_eq!(package::install(&v1, &plugins, &cfg, true).unwrap().replaced.unwrap().to_string(), "0.2.0");

    // A directory named after the id that holds another plugin.
    let noop = package_of(dir.path(), "noop", "0.1.0", &key);
    let squatter = plugins.join("noop");
    std::fs::create_dir_all(&squatter).unwrap();
    for file in ["plugin.toml", "text_stats.wasm", "plugin.sig"] {
        std::fs::copy(plugins.join("text-stats").join(file), squatter.join(file)).unwrap();
    }
    let error = package::install(&noop, &plugins, &cfg, false).unwrap_err().to_string();
    assert!(error.contains("it holds plugin `text-stats`, not `noop`; pass --force"), "{error}");
    package::install(&noop, &plugins, &cfg, true).unwrap();
    assert_eq!(Manifest::load(&squatter.join("plugin.toml")).unwrap().id, "noop");
    assert_eq!(listing(), ["noop", "text-stats"]);

    assert_eq!(package::remove("noop", &plugins).unwrap().to_string(), "0.1.0");
    let error = package::remove("noop", &plugins).unwrap_err().to_string();
    assert!(error.contains("no plugin `noop` in"), "{error}");
    assert!(matches!(package::remove("../etc", &plugins), Err(PackageError::NotInstalled { .. })));
    assert_eq!(listing(), ["text-stats"]);
}

#[test]
fn a_package_is_reproducible_and_unpacking_refuses_what_its_index_does_not_vouch_for() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::generate().unwrap();
    let plugin = install_signed(dir.path(), "text-stats", &key);
    let first = package::pack_dir(&plugin, 64 << 20).unwrap().bytes;
    assert_eq!(package::pack_dir(&plugin, 64 << 20).unwrap().bytes, first, "the same files, the same bytes");

    // Entries rewritten by hand: (name, bytes, entry type) after a genuine index.
    let entries = read_entries(&first);
    let index = entries[0].1.clone();
    let rebuild = |extra: &[(&str, Vec<u8>, tar::EntryType)]| {
        let mut tar = tar::Builder::new(Vec::new());
        for (name, bytes, kind) in extra {
            let mut header = tar::Header::new_gnu();
            // Written raw: the tar crate refuses to write a `..` name, a hostile packer does not.
            header.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
            header.set_entry_type(*kind);
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append(&header, bytes.as_slice()).unwrap();
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar.into_inner().unwrap()).unwrap();
        gz.finish().unwrap()
    };
    let regular = tar::EntryType::Regular;
    let mut flipped = entries[2].1.clone();
    flipped[100] ^= 1;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "a flipped component byte",
            rebuild(&[
                (package::INDEX_FILE, index.clone(), regular),
                ("plugin.toml", entries[1].1.clone(), regular),
                ("text_stats.wasm", flipped, regular),
            ]),
            "entry `text_stats.wasm`: its sha256 is",
        ),
        (
            "an entry the index does not list",
            rebuild(&[(package::INDEX_FILE, index.clone(), regular), ("../evil.toml", b"x".to_vec(), regular)]),
            "entry `../evil.toml`: not listed in the index",
        ),
        (
            "a link in place of a file",
            rebuild(&[
                (package::INDEX_FILE, index.clone(), regular),
                ("plugin.toml", Vec::new(), tar::EntryType::Symlink),
            ]),
            "entry `plugin.toml`: not a regular file",
        ),
        (
            "a file missing",
            rebuild(&[(package::INDEX_FILE, index.clone(), regular), ("plugin.toml", entries[1].1.clone(), regular)]),
            "entry `text_stats.wasm`: listed in the index but missing",
        ),
        (
            "no index first",
            rebuild(&[("plugin.toml", entries[1].1.clone(), regular)]),
            "its first entry is not zeroclaw-package.toml",
        ),
        ("not gzip at all", b"hello".to_vec(), "not a zeroclaw plugin package"),
    ];
    for (what, bytes, expected) in cases {
        let into = tempfile::tempdir().unwrap();
        let error = package::unpack(Path::new("x.zcpkg"), &bytes, into.path(), 64 << 20).unwrap_err().to_string();
        assert!(error.starts_with("x.zcpkg: "), "{what}: names the package: {error}");
        assert!(error.contains(expected), "{what}: {error}");
        assert!(!into.path().join("../evil.toml").exists());
    }
}

fn read_entries(package: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(package));
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = e.path().unwrap().display().to_string();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            (name, bytes)
        })
        .collect()
}

#[test]
fn keygen_sign_and_verify_from_the_shell_name_the_key_and_the_file_that_changed() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = author_command(dir.path(), args);
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    };
    let (ok, out) = run(&["plugins", "keygen", "-o", "release.key"]);
    assert!(ok && out.contains("[plugins.trust.keys]"), "{out}");
    let (ok, again) = run(&["plugins", "keygen", "-o", "release.key"]);
    assert!(!ok && again.contains("release.key exists"), "{again}");
    let plugin = install_guest("text-stats", &dir.path().join("built"));
    let plugin_dir = plugin.parent().unwrap().to_str().unwrap().to_string();
    let (ok, out) = run(&["plugins", "verify", &plugin_dir, "--key", "release.key.pub"]);
    assert!(!ok && out.contains("not signed"), "{out}");
    let (ok, out) = run(&["plugins", "sign", &plugin_dir, "--key", "release.key"]);
    assert!(ok && out.contains("signed"), "{out}");
    let (ok, out) = run(&["plugins", "pack", &plugin_dir, "-o", "ts.zcpkg"]);
    assert!(ok && out.contains("packed text-stats 0.1.0 into ts.zcpkg"), "{out}");
    let (ok, out) = run(&["plugins", "verify", "ts.zcpkg", "--key", "release.key.pub"]);
    assert!(ok && out.contains("ok, signed by key"), "{out}");
    std::fs::write(&plugin, std::fs::read_to_string(&plugin).unwrap() + "\n# edited\n").unwrap();
    let (ok, out) = run(&["plugins", "verify", &plugin_dir, "--key", "release.key.pub"]);
    assert!(!ok && out.contains("plugin.toml's sha256 is") && out.contains("sign the plugin again"), "{out}");
}
