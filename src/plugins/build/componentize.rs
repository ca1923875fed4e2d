//! Python and JavaScript plugins: a `plugin.toml` beside an entry module, built by the
//! language's componentize tool against the kind's self-contained WIT bundle.
//!
//! Neither tool builds byte-for-byte the same component twice, and a Python build takes
//! 10-20 s: a component is kept under the hash of everything it is built from (the
//! sources, the bundle, the tool and its version), so an unchanged plugin is not rebuilt
//! and the host's compile cache, keyed by the component's bytes, keeps hitting.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::toolchain::{Toolchain, tail};
use super::{BuildError, BuildOptions, BuiltPlugin, GuestLanguage, plugin_target_dir};
use crate::plugins::contract;
use crate::plugins::manifest::{MANIFEST_FILE, Manifest, PluginKind};

/// The module a Python plugin's component is built from.
pub const PYTHON_ENTRY: &str = "app.py";
/// The module a JavaScript plugin's component is built from.
pub const JS_ENTRY: &str = "app.js";

/// Directories of a plugin's source tree that are not its sources.
const NOT_SOURCES: &[&str] = &["target", "tests", "node_modules", "__pycache__"];

/// How many components of one plugin are kept; older ones are deleted.
const KEPT: usize = 3;

/// Builds the plugin in `dir`, or finds it already built from the same inputs.
pub(super) fn build(
    toolchain: Toolchain,
    dir: &Path,
    options: &BuildOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<BuiltPlugin, BuildError> {
    let manifest_path = dir.join(MANIFEST_FILE);
    if !manifest_path.is_file() {
        let source = std::io::Error::from(std::io::ErrorKind::NotFound);
        return Err(BuildError::NoManifest { path: manifest_path, source });
    }
    let manifest = Manifest::load(&manifest_path)?;
    let kind = match manifest.kinds().as_slice() {
        [kind] => *kind,
        kinds => {
            let names: Vec<&str> = kinds.iter().map(|k| k.package()).collect();
            let kinds = if names.is_empty() { "nothing".to_string() } else { names.join(" and ") };
            return Err(BuildError::OneKind { path: manifest_path, language: toolchain.language, kinds });
        }
    };
    let tool = toolchain.ensure(progress)?;

    let out = components_dir(dir, options).join(&manifest.id);
    let wit = out.join("wit");
    contract::write_bundle(kind, &wit).map_err(|source| BuildError::Write { path: wit.clone(), source })?;
    let files = source_files(dir)?;
    let key = input_hash(&files, toolchain, kind)?;
    let component = out.join(format!("{key}.wasm"));
    let built = BuiltPlugin { crate_name: manifest.id.clone(), component: component.clone(), manifest: manifest_path };
    if component.is_file() {
        return Ok(built);
    }

    // The tool runs on a copy of the sources: componentize-py leaves `__pycache__` behind
    // (whatever PYTHONDONTWRITEBYTECODE says), and an edit made during the build must not
    // end up in a component filed under the old sources' hash.
    let unique = format!("{key}.{}", std::process::id());
    let staged = out.join(format!(".src-{unique}"));
    stage(&files, &staged)?;
    let partial = out.join(format!(".{unique}.partial.wasm"));
    if !options.quiet {
        progress(&format!("building {} with {toolchain}…", dir.display()));
    }
    let result = Run { toolchain, tool, kind, wit, dir }.run(&staged, &partial);
    let _ = std::fs::remove_dir_all(&staged);
    if let Err(err) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(err);
    }
    std::fs::rename(&partial, &component).map_err(|source| BuildError::Write { path: component.clone(), source })?;
    prune(&out, &component);
    Ok(built)
}

/// One run of a componentize tool.
struct Run<'a> {
    toolchain: Toolchain,
    /// Its executable.
    tool: PathBuf,
    kind: PluginKind,
    /// The kind's WIT bundle.
    wit: PathBuf,
    /// The plugin's sources, as the author knows them.
    dir: &'a Path,
}

impl Run<'_> {
    /// Builds the sources copied into `staged` into `partial`.
    fn run(&self, staged: &Path, partial: &Path) -> Result<(), BuildError> {
        let Run { toolchain, tool, kind, wit, dir } = self;
        let kind = *kind;
        let mut command = Command::new(tool);
        match toolchain.language {
            GuestLanguage::Python => {
                let module = PYTHON_ENTRY.trim_end_matches(".py");
                command
                    .arg("-d")
                    .arg(wit)
                    .args(["-w", &contract::world(kind), "componentize", "-p"])
                    .arg(staged)
                    .args([module, "-o"])
                    .arg(partial);
            }
            _ => {
                let (_, _, world) = contract::package(kind);
                // `--sync`: without it the component uses the component-model async ABI
                // (`task.cancel`), which this host's engine does not enable.
                command
                    .arg("--wit")
                    .arg(wit)
                    .arg("--js")
                    .arg(staged.join(JS_ENTRY))
                    .arg("--module-root")
                    .arg(staged)
                    .args(["--world", world, "--sync", "-o"])
                    .arg(partial);
            }
        }
        // Its errors are Rust errors with backtraces; the author needs the Python error.
        let output = command
            .env("RUST_BACKTRACE", "0")
            .env("RUST_LIB_BACKTRACE", "0")
            .current_dir(staged)
            .output()
            .map_err(|source| BuildError::Spawn { program: tool.display().to_string(), source })?;
        if !output.status.success() || !partial.is_file() {
            // The tool names the staged copy; the author edits the sources.
            let output = tail(&output, 40).replace(&staged.display().to_string(), &dir.display().to_string());
            return Err(BuildError::Componentize { toolchain: toolchain.to_string(), dir: dir.to_path_buf(), output });
        }
        Ok(())
    }
}

/// Where built components are kept: `<build dir>/zeroclaw-components/<id>/`.
fn components_dir(dir: &Path, options: &BuildOptions) -> PathBuf {
    let cargo_target = || std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()).map(PathBuf::from);
    let root = options.target_dir.clone().or_else(cargo_target).or_else(plugin_target_dir);
    root.unwrap_or_else(|| dir.join("target")).join("zeroclaw-components")
}

/// The hash of everything a component is built from: the tool and its version, the
/// kind's WIT, and every source file (relative path and bytes, in path order).
fn input_hash(files: &[(String, PathBuf)], toolchain: Toolchain, kind: PluginKind) -> Result<String, BuildError> {
    let mut hash = Sha256::new();
    for part in [toolchain.package, toolchain.version, contract::package(kind).1, contract::HOST_WIT] {
        hash.update(part.len().to_le_bytes());
        hash.update(part);
    }
    for (relative, path) in files {
        let bytes = std::fs::read(path).map_err(|source| BuildError::Read { path: path.clone(), source })?;
        hash.update(relative.len().to_le_bytes());
        hash.update(relative.as_bytes());
        hash.update(bytes.len().to_le_bytes());
        hash.update(&bytes);
    }
    Ok(hex::encode(&hash.finalize()[..12]))
}

/// The source files of the plugin in `dir`, by relative path, in path order.
fn source_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, BuildError> {
    let mut files = Vec::new();
    sources(dir, dir, &mut files)?;
    files.sort();
    Ok(files)
}

/// Copies `files` into `staged`, at their relative paths.
fn stage(files: &[(String, PathBuf)], staged: &Path) -> Result<(), BuildError> {
    for (relative, path) in files {
        let to = staged.join(relative);
        let failed = |source| BuildError::Write { path: to.clone(), source };
        std::fs::create_dir_all(to.parent().unwrap_or(staged)).map_err(failed)?;
        std::fs::copy(path, &to).map_err(failed)?;
    }
    Ok(())
}

/// The source files under `dir`: everything but dot-files and [`NOT_SOURCES`].
fn sources(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) -> Result<(), BuildError> {
    let entries = std::fs::read_dir(dir).map_err(|source| BuildError::Read { path: dir.to_path_buf(), source })?;
    for entry in entries {
        let entry = entry.map_err(|source| BuildError::Read { path: dir.to_path_buf(), source })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        // Symlinks are followed: a vendored package may be linked in.
        if path.is_dir() {
            if (dir == root && NOT_SOURCES.contains(&name.as_str())) || name == "__pycache__" {
                continue;
            }
            sources(root, &path, files)?;
        } else if path.is_file() {
            let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            files.push((relative, path));
        }
    }
    Ok(())
}

/// Deletes all but the [`KEPT`] newest components in `out`, never `keep`.
fn prune(out: &Path, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(out) else { return };
    let mut built: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "wasm")
                && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .filter_map(|p| Some((std::fs::metadata(&p).and_then(|m| m.modified()).ok()?, p)))
        .collect();
    built.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    for (_, path) in built.into_iter().skip(KEPT) {
        if path != keep {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::toolchain::COMPONENTIZE_PY;
    use super::*;

    fn plugin(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn the_input_hash_follows_sources_but_not_tests_or_build_output() {
        let dir = plugin(&[("app.py", "x = 1\n"), ("lib/util.py", "y = 2\n")]);
        let hash_for = |kind| input_hash(&source_files(dir.path()).unwrap(), COMPONENTIZE_PY, kind).unwrap();
        let hash = || hash_for(PluginKind::Tools);
        let first = hash();
        std::fs::create_dir_all(dir.path().join("tests")).unwrap();
        std::fs::write(dir.path().join("tests/cases.toml"), "[[tool]]\n").unwrap();
        std::fs::create_dir_all(dir.path().join("target")).unwrap();
        std::fs::write(dir.path().join("target/x.wasm"), "built").unwrap();
        std::fs::create_dir_all(dir.path().join("lib/__pycache__")).unwrap();
        std::fs::write(dir.path().join("lib/__pycache__/util.pyc"), "cache").unwrap();
        assert_eq!(hash(), first, "tests, target/ and __pycache__ are not inputs");
        std::fs::write(dir.path().join("lib/util.py"), "y = 3\n").unwrap();
        assert_ne!(hash(), first, "a changed source file is");
        let tools = hash();
        assert_ne!(hash_for(PluginKind::Hooks), tools, "so is the world");
    }

    #[test]
    fn a_plugin_of_two_kinds_is_refused_naming_both() {
        let dir = plugin(&[
            ("app.py", ""),
            (
                "plugin.toml",
                "id = \"two\"\nversion = \"0.1.0\"\ncomponent = \"two.wasm\"\nwit = [\"zeroclaw:hooks@1.1.0\", \"zeroclaw:tools@1.1.0\"]\n[[hooks]]\npoint = \"agent_end\"\n[[tools]]\nname = \"t\"\neffect = \"read\"\n",
            ),
        ]);
        let err = build(COMPONENTIZE_PY, dir.path(), &BuildOptions::default(), &mut |_| {}).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("zeroclaw:hooks and zeroclaw:tools") && text.contains("one plugin per kind"), "{text}");
    }

    #[test]
    fn a_directory_with_two_languages_or_none_says_what_it_expects() {
        let both = plugin(&[("app.py", ""), ("app.js", "")]);
        assert!(matches!(GuestLanguage::detect(both.path()), Err(BuildError::TwoLanguages(_))));
        let none = plugin(&[("plugin.toml", "")]);
        let err = super::super::build(none.path(), &BuildOptions::default(), &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("Cargo.toml, app.py or app.js"), "{err}");
        let python = plugin(&[("app.py", "")]);
        assert_eq!(GuestLanguage::detect(python.path()).unwrap(), Some(GuestLanguage::Python));
    }
}
