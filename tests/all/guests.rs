//! The real guests of `wasm-plugins/`, built once per test run from source, and helpers to
//! install them into a temporary plugins directory.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use zeroclaw::config::LoadedConfig;
use zeroclaw::plugins::build::toolchain::toolchains_dir;
use zeroclaw::plugins::build::{BuildOptions, BuiltPlugin, build, build_guests, ensure_wasm_target, install};

/// Every guest crate of the repository's guest workspace, built (release, wasm32-wasip2).
pub fn built() -> &'static [BuiltPlugin] {
    static BUILT: OnceLock<Vec<BuiltPlugin>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("wasm-plugins");
        ensure_wasm_target(&mut |m| eprintln!("{m}")).expect("the wasm32-wasip2 target");
        build_guests(&root, Some(&target_dir()), true).expect("the guest workspace builds")
    })
}

/// Where the guest workspace is built: beside the host's own build output, so CI's cache
/// keeps it. Plugin crates the tests build use it too, and reuse its compiled PDK.
pub fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("../wasm-guests")
}

/// `zeroclaw ARGS` as a plugin author runs it in `dir`: the user's data inside `dir`, a
/// cache every such command shares (compiled components are kept across runs), the
/// user's Python and JavaScript toolchains, plugins built in [`target_dir`], the default
/// log filter.
pub fn author_command(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_zeroclaw"))
        .args(args)
        .current_dir(dir)
        .env("XDG_DATA_HOME", dir.join(".data"))
        .env("XDG_CACHE_HOME", Path::new(env!("CARGO_TARGET_TMPDIR")).join("author-cache"))
        .env("ZEROCLAW_TOOLCHAIN_DIR", toolchains_dir().expect("a home directory for the toolchains"))
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("ZEROCLAW_LOG")
        .output()
        .unwrap()
}

/// The Python and JavaScript plugins of `wasm-plugins/` (examples and fixtures), built
/// once per test run with the toolchains in the user's cache (installed on first use).
/// Built components are kept in [`target_dir`] under the hash of their sources, so a
/// second run neither rebuilds nor recompiles them.
pub fn interpreted() -> &'static [BuiltPlugin] {
    static BUILT: OnceLock<Vec<BuiltPlugin>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("wasm-plugins");
        let options = BuildOptions { target_dir: Some(target_dir()), quiet: true };
        ["examples/python/text-stats", "examples/python/sign-replies", "fixtures/python/raises"]
            .into_iter()
            .chain(["examples/js/text-stats", "examples/js/clip-results", "fixtures/js/throws"])
            .flat_map(|dir| build(&root.join(dir), &options, &mut |m| eprintln!("{m}")).expect(dir))
            .collect()
    })
}

/// Installs the Python or JavaScript plugin `id` into `plugins_dir`.
pub fn install_interpreted(id: &str, plugins_dir: &Path) -> PathBuf {
    let built = interpreted().iter().find(|b| b.crate_name == id).unwrap_or_else(|| panic!("no plugin `{id}`"));
    install(built, plugins_dir).expect("installs")
}

/// The built guest named `crate_name`.
pub fn guest(crate_name: &str) -> &'static BuiltPlugin {
    built().iter().find(|b| b.crate_name == crate_name).unwrap_or_else(|| panic!("no guest crate `{crate_name}`"))
}

/// Installs guest `crate_name` into `plugins_dir`; returns its installed `plugin.toml`.
pub fn install_guest(crate_name: &str, plugins_dir: &Path) -> PathBuf {
    install(guest(crate_name), plugins_dir).expect("installs")
}

/// A compile cache shared by the tests that do not test the cache itself: compiling a
/// component in a debug build takes about a second.
pub fn shared_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("zeroclaw-test-cache")
}

/// A config with plugins enabled, reading `<root>/plugins`, state in `<root>/state`, the
/// shared compile cache, plus `extra` TOML (which may add `[plugins.*]` tables).
pub fn plugin_config(root: &Path, extra: &str) -> LoadedConfig {
    plugin_config_with_cache(root, &shared_cache(), extra)
}

/// [`plugin_config`] with its own compile cache directory.
pub fn plugin_config_with_cache(root: &Path, cache: &Path, extra: &str) -> LoadedConfig {
    let text = format!(
        "state_dir = \"state\"\n[plugins]\nenabled = true\ndirs = [\"plugins\"]\ncache_dir = {cache:?}\n{extra}\n"
    );
    let path = root.join("zeroclaw.toml");
    std::fs::write(&path, &text).unwrap();
    LoadedConfig::parse(&text, &path).expect("valid test config")
}

/// `component` with a custom section holding `nonce`: bytes no cache has seen.
pub fn unique_component(component: &[u8], nonce: u128) -> Vec<u8> {
    let name = b"zeroclaw-test";
    let payload = nonce.to_le_bytes();
    let mut bytes = component.to_vec();
    bytes.push(0); // a custom section: id 0, size, name, payload (sizes fit one LEB128 byte)
    bytes.extend([(1 + name.len() + payload.len()) as u8, name.len() as u8]);
    bytes.extend(name);
    bytes.extend(payload);
    bytes
}
