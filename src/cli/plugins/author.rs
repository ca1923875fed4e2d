//! `plugins build`, `plugins validate`, `plugins inspect`: for plugin authors.

use std::path::{Path, PathBuf};

use super::find_manifest;
use crate::capability::Capability;
use crate::cli::CliError;
use crate::config::LoadedConfig;
use crate::observability::for_terminal;
use crate::plugins::build::{BuildOptions, GuestLanguage, install};
use crate::plugins::capability::{CapabilityQuery, decide};
use crate::plugins::manifest::Manifest;

/// `plugins build DIR [--out PLUGINS_DIR] [--key KEY]`.
pub async fn build(
    config: Option<&Path>,
    dir: &Path,
    out: Option<PathBuf>,
    key: Option<PathBuf>,
) -> Result<(), CliError> {
    let loaded = LoadedConfig::discover(config)?;
    let key = super::package::signing_key(&loaded, key)?;
    let (plugins_dir, whose) = match out {
        Some(out) => (out, String::new()),
        None => {
            let first = loaded.plugin_dirs().into_iter().next().ok_or_else(|| {
                CliError("plugins.dirs is empty; pass --out <plugins dir> or set plugins.dirs".into())
            })?;
            (first, format!(" (plugins.dirs of {})", loaded.display_path()))
        }
    };
    let language = GuestLanguage::detect(dir)?;
    let built = build_plugins(dir, false)?;
    for plugin in &built {
        let installed = install(plugin, &plugins_dir)?;
        crate::plugins::build::record_sha256(&installed)?;
        let installed_dir = installed.parent().unwrap_or(&plugins_dir);
        eprintln!("installed {} into {}{whose}", plugin.crate_name, installed_dir.display());
        if let Some(key) = &key {
            let max = loaded.config.plugins.max_component_bytes();
            let signature = crate::plugins::package::sign_dir(installed_dir, key, max)?;
            eprintln!("signed it with key {}", signature.key);
        }
        let manifest = Manifest::load(&installed)?;
        report(&loaded, manifest, language).await?;
    }
    if !loaded.config.plugins.enabled {
        eprintln!("note: plugins.enabled is false in {}; set it to true to load wasm plugins", loaded.display_path());
    }
    Ok(())
}

/// Builds the plugin (or Rust workspace of plugins) in `dir` for `plugins build` and
/// `plugins test`, whatever its language, in [`shared_target_dir`].
pub(super) fn build_plugins(dir: &Path, quiet: bool) -> Result<Vec<crate::plugins::build::BuiltPlugin>, CliError> {
    if let Some(language) = GuestLanguage::detect(dir)? {
        eprintln!("building {} ({language}) for wasm32-wasip2…", dir.display());
    }
    let options = BuildOptions { target_dir: shared_target_dir(), quiet };
    Ok(crate::plugins::build::build(dir, &options, &mut |message| eprintln!("{message}"))?)
}

/// The build directory of `plugins build` and `plugins test`: the one every plugin crate
/// shares ([`plugin_target_dir`](crate::plugins::build::plugin_target_dir)), unless the
/// environment sets `CARGO_TARGET_DIR` (cargo then uses it).
pub(super) fn shared_target_dir() -> Option<PathBuf> {
    if std::env::var_os("CARGO_TARGET_DIR").is_some_and(|d| !d.is_empty()) {
        return None;
    }
    crate::plugins::build::plugin_target_dir()
}

/// `plugins validate PATH`.
pub async fn validate(config: Option<&Path>, path: &Path) -> Result<(), CliError> {
    let loaded = LoadedConfig::discover(config)?;
    let manifest = find_manifest(&loaded, &path.display().to_string())?;
    // A plugin's own sources say what built it; an installed plugin's directory does not.
    let language = GuestLanguage::detect(manifest.dir()).ok().flatten();
    report(&loaded, manifest, language).await
}

/// Validates a plugin as fully as this build can, then says what the operator's config
/// grants it. Fails only when the plugin itself is invalid. `language` is what built it,
/// when known.
async fn report(loaded: &LoadedConfig, manifest: Manifest, language: Option<GuestLanguage>) -> Result<(), CliError> {
    let path = manifest.path.clone();
    let what = format!(
        "{} {}: {} hook(s), {} tool(s), {} provider(s)",
        manifest.id,
        manifest.version,
        manifest.hooks.len(),
        manifest.tools.len(),
        manifest.providers.len()
    );
    let grants = grant_lines(loaded, &manifest);
    let entry_config = serde_json::to_value(loaded.entry(&manifest.id).config)?;
    manifest.check_config(&entry_config).map_err(CliError)?;
    let (id, requested) = (manifest.id.clone(), manifest.capabilities.clone());
    let imports = check_component(loaded, manifest).await?;
    let unrequested = unrequested_lines(&id, &requested, &imports, language);
    // An interpreter's bindings import its whole world: for Python and JavaScript an
    // import says nothing about what the code calls, so it is a note, not a warning.
    let interpreted = matches!(language, Some(GuestLanguage::Python | GuestLanguage::JavaScript));
    let warned = if unrequested.is_empty() || interpreted { "" } else { ", with warnings" };
    println!("{}: ok{warned} ({what})", path.display());
    for line in unrequested {
        println!("{}: {}", if interpreted { "note" } else { "warning" }, for_terminal(&line));
    }
    for line in grants {
        println!("note: {}", for_terminal(&line));
    }
    Ok(())
}

/// One line per capability the component's imports show it uses but its manifest does
/// not request: each such call fails at run time, so the line names the whole fix.
#[cfg(feature = "wasm")]
fn unrequested_lines(
    id: &str,
    requested: &[Capability],
    imports: &[String],
    language: Option<GuestLanguage>,
) -> Vec<String> {
    crate::plugins::wasm::imported_uses(imports)
        .into_iter()
        .filter(|used| !used.capabilities.iter().any(|cap| requested.contains(cap)))
        .map(|used| {
            let names: Vec<String> = used.capabilities.iter().map(|c| format!("`{c}`")).collect();
            let (import, needs, fix) = (&used.import, names.join(" or "), used.capabilities[0].whole_fix(id));
            match language {
                Some(language @ (GuestLanguage::Python | GuestLanguage::JavaScript)) => format!(
                    "the component imports {import} (which needs {needs}), as every {language} component does whether its code calls it or not; if the code calls it, {fix}"
                ),
                _ => format!(
                    "the component imports {import}, which needs {needs}, but plugin.toml does not request it, so those calls will be refused; {fix}"
                ),
            }
        })
        .collect()
}

#[cfg(not(feature = "wasm"))]
fn unrequested_lines(
    _id: &str,
    _requested: &[Capability],
    _imports: &[String],
    _language: Option<GuestLanguage>,
) -> Vec<String> {
    Vec::new()
}

/// What the operator's config decides for each capability the plugin requests.
fn grant_lines(loaded: &LoadedConfig, manifest: &Manifest) -> Vec<String> {
    let entry = loaded.entry(&manifest.id);
    let query = CapabilityQuery::for_plugin(&manifest.capabilities, &entry.grant, &loaded.config.plugins.capabilities);
    manifest.capabilities.iter().map(|cap| decide(*cap, query).explain(*cap, &manifest.id)).collect()
}

/// The operator's secrets for the plugin: where each is read from and where it goes, never
/// its value (which `inspect` does not even read).
fn secret_lines(loaded: &LoadedConfig, manifest: &Manifest) -> Vec<String> {
    let entry = loaded.entry(&manifest.id);
    entry
        .secrets
        .iter()
        .map(|(name, b)| {
            let source = match (&b.env, &b.file) {
                (Some(var), _) => format!("env {var}"),
                (None, Some(file)) => format!("file {}", file.display()),
                (None, None) => "no source".to_string(),
            };
            format!("{name} ({source}; header {} to {})", b.header, b.hosts.join(" "))
        })
        .collect()
}

/// Loads the component as the runtime would (compile, exports, versions, link, self-check),
/// as if every capability it requests were granted: grants are reported separately.
/// Returns the component's imports.
#[cfg(feature = "wasm")]
async fn check_component(loaded: &LoadedConfig, manifest: Manifest) -> Result<Vec<String>, CliError> {
    use crate::plugins::wasm::WasmBackend;
    let mut trial = loaded.clone();
    trial.config.plugins.enabled = true;
    trial.config.plugins.capabilities = Default::default();
    let entry = trial.config.plugins.entries.entry(manifest.id.clone()).or_default();
    entry.grant = manifest.capabilities.clone();
    if entry.grant.contains(&crate::capability::Capability::ToolsInvoke) && entry.invoke_allow.is_empty() {
        entry.invoke_allow = vec![crate::plugins::invoke::NO_TOOLS_HERE.to_string()];
    }
    let backend = WasmBackend::new(&trial).map_err(|e| CliError(e.to_string()))?;
    let loaded = backend.load(manifest, &trial, 0).await?;
    Ok(loaded.report.imports.clone())
}

#[cfg(not(feature = "wasm"))]
async fn check_component(_loaded: &LoadedConfig, manifest: Manifest) -> Result<Vec<String>, CliError> {
    manifest.read_component(_loaded.config.plugins.max_component_bytes())?;
    eprintln!("note: built without the `wasm` feature: the component itself was not checked");
    Ok(Vec::new())
}

/// `plugins inspect ID|PATH`.
pub async fn inspect(config: Option<&Path>, plugin: &str) -> Result<(), CliError> {
    let loaded = LoadedConfig::discover(config)?;
    let manifest = find_manifest(&loaded, plugin)?;
    let list = |items: Vec<String>| if items.is_empty() { "-".to_string() } else { items.join(", ") };
    println!("plugin        {} {}", manifest.id, manifest.version);
    if !manifest.description.is_empty() {
        println!("description   {}", for_terminal(&manifest.description));
    }
    println!("manifest      {}", manifest.path.display());
    println!("component     {}", manifest.component.display());
    println!("wit           {}", list(manifest.packages.iter().map(ToString::to_string).collect()));
    println!(
        "hooks         {}",
        list(
            manifest
                .hooks
                .iter()
                .map(|h| format!("{} `{}` (priority {})", h.point.name(), h.name, h.priority))
                .collect()
        )
    );
    println!("tools         {}", list(manifest.tools.iter().map(|t| format!("{} ({:?})", t.name, t.effect)).collect()));
    println!("providers     {}", list(manifest.providers.iter().map(|p| p.name.clone()).collect()));
    println!("capabilities  {}", list(grant_lines(&loaded, &manifest)));
    println!("secrets       {}", list(secret_lines(&loaded, &manifest)));
    let component = manifest.read_component(loaded.config.plugins.max_component_bytes())?;
    let digest = crate::trust::Sha256Digest::of(&component);
    println!("sha256        {digest}");
    match crate::plugins::verify::verify(&manifest, digest, &loaded) {
        Ok(verdict) => println!("trust         {}", verdict.describe()),
        Err(refused) => {
            println!("trust         refused: {}", for_terminal(&refused.to_string()));
            // Nothing the trust policy refuses is compiled.
            return Err(CliError(format!("{}: not compiled: the trust policy refuses it", manifest.path.display())));
        }
    }
    inspect_component(&loaded, &manifest)
}

#[cfg(feature = "wasm")]
fn inspect_component(loaded: &LoadedConfig, manifest: &Manifest) -> Result<(), CliError> {
    use crate::plugins::wasm::WasmBackend;
    let backend = WasmBackend::new(loaded).map_err(|e| CliError(e.to_string()))?;
    let found = backend.inspect(manifest, loaded.config.plugins.max_component_bytes())?;
    println!("size          {} bytes", found.component_bytes);
    println!("imports       {}", found.imports.join(", "));
    println!("exports       {}", found.exports.join(", "));
    let speaks: Vec<String> = found.speaks.iter().map(|s| s.package().to_string()).collect();
    let speaks = if speaks.is_empty() { "-".to_string() } else { speaks.join(", ") };
    println!("speaks        {speaks} (this host speaks up to {})", crate::plugins::manifest::CONTRACT);
    let ratio = found.compile.as_secs_f64() / found.cached_load.as_secs_f64().max(1e-9);
    println!(
        "load cost     compile {:.1} ms, cached load {:.3} ms ({ratio:.0}x faster)",
        found.compile.as_secs_f64() * 1e3,
        found.cached_load.as_secs_f64() * 1e3
    );
    Ok(())
}

#[cfg(not(feature = "wasm"))]
fn inspect_component(_loaded: &LoadedConfig, manifest: &Manifest) -> Result<(), CliError> {
    let bytes = manifest.read_component(_loaded.config.plugins.max_component_bytes())?;
    println!("size          {} bytes", bytes.len());
    println!("(built without the `wasm` feature: imports, exports and load costs are not shown)");
    Ok(())
}

/// `plugins reload [--url URL] [--json]`: `POST /plugins/reload` on a running gateway.
pub async fn reload(config: Option<&Path>, url: Option<String>, json: bool) -> Result<(), CliError> {
    let loaded = LoadedConfig::discover(config)?;
    let gateway = &loaded.config.gateway;
    let base = url.unwrap_or_else(|| format!("http://{}", gateway.bind));
    // A JSON body: the gateway refuses a state-changing POST that a browser form could send.
    let mut request = reqwest::Client::new()
        .post(format!("{}/plugins/reload", base.trim_end_matches('/')))
        .json(&serde_json::json!({}));
    if let Some(var) = &gateway.token_env {
        let token =
            std::env::var(var).map_err(|_| CliError(format!("gateway.token_env names `{var}`, which is not set")))?;
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|e| {
        CliError(format!("no gateway answers at {base} ({e}); start one with `zeroclaw gateway`, or pass --url"))
    })?;
    let status = response.status();
    if status == reqwest::StatusCode::UNAUTHORIZED {
        return Err(CliError(format!("{base} refused the token; set the variable named by gateway.token_env")));
    }
    let report: crate::plugins::ReloadReport = response
        .json()
        .await
        .map_err(|e| CliError(format!("{base} answered {status} with an unreadable report: {e}")))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}", for_terminal(&report.summary()));
    }
    if report.is_clean() { Ok(()) } else { Err(CliError("the reload was not clean (see above)".into())) }
}
