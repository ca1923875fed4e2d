//! The componentize tools that build Python and JavaScript plugins: pinned here, in one
//! place, and installed on first use into the user's cache (one directory per tool and
//! version, so an upgrade never touches the tool an older zeroclaw uses).
//!
//! An install holds a lock file, so parallel builds (tests, two terminals) install once;
//! it is complete only when its `.installed` marker is written, so an interrupted install
//! is redone, never used half-made.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::{BuildError, GuestLanguage};

/// A pinned componentize tool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Toolchain {
    /// The package name on its registry (PyPI or npm).
    pub package: &'static str,
    /// The exact version installed and tested.
    pub version: &'static str,
    /// The language it builds.
    pub language: GuestLanguage,
}

/// componentize-py, from PyPI: Python to a component embedding CPython.
pub const COMPONENTIZE_PY: Toolchain =
    Toolchain { package: "componentize-py", version: "0.25.1", language: GuestLanguage::Python };

/// componentize-qjs, from npm: JavaScript to a component embedding QuickJS. It is the
/// QuickJS backend jco 1.35 drives (`jco componentize --backend quickjs`), installed alone:
/// 38 MB instead of jco's 385 MB, and without `jco componentize` 1.35.0's path bug.
pub const COMPONENTIZE_QJS: Toolchain =
    Toolchain { package: "componentize-qjs", version: "0.4.5", language: GuestLanguage::JavaScript };

impl Toolchain {
    /// The toolchain that builds `language`, if one is needed (Rust uses cargo).
    pub fn for_language(language: GuestLanguage) -> Option<Toolchain> {
        match language {
            GuestLanguage::Rust => None,
            GuestLanguage::Python => Some(COMPONENTIZE_PY),
            GuestLanguage::JavaScript => Some(COMPONENTIZE_QJS),
        }
    }

    /// Where this version is installed: `<toolchains dir>/<package>-<version>`.
    pub fn install_dir(&self) -> Option<PathBuf> {
        toolchains_dir().map(|dir| dir.join(format!("{}-{}", self.package, self.version)))
    }

    /// Its executable inside `install_dir`.
    fn executable(&self, dir: &Path) -> PathBuf {
        match self.language {
            GuestLanguage::Python => dir.join("bin").join(self.package),
            _ => dir.join("node_modules").join(".bin").join(self.package),
        }
    }

    /// The installed executable, installing this version first when it is not there yet
    /// (with one line through `progress`).
    pub fn ensure(&self, progress: &mut dyn FnMut(&str)) -> Result<PathBuf, BuildError> {
        let dir = self.install_dir().ok_or(BuildError::Missing {
            toolchain: self.to_string(),
            needs: "a cache directory to install into",
            fix: "set HOME, XDG_CACHE_HOME or ZEROCLAW_TOOLCHAIN_DIR",
        })?;
        let marker = dir.join(".installed");
        if marker.is_file() {
            return Ok(self.executable(&dir));
        }
        let parent = dir.parent().unwrap_or(&dir);
        let write_failed = |path: &Path| {
            let path = path.to_path_buf();
            move |source| BuildError::Write { path, source }
        };
        std::fs::create_dir_all(parent).map_err(write_failed(parent))?;
        let lock_path = parent.join(format!(".{}-{}.lock", self.package, self.version));
        let lock = File::create(&lock_path).map_err(write_failed(&lock_path))?;
        lock.lock().map_err(write_failed(&lock_path))?;
        // Another build may have installed it while this one waited for the lock.
        if !marker.is_file() {
            progress(&format!("installing {self} into {} (one time)…", dir.display()));
            if dir.exists() {
                std::fs::remove_dir_all(&dir).map_err(write_failed(&dir))?;
            }
            std::fs::create_dir_all(&dir).map_err(write_failed(&dir))?;
            match self.language {
                GuestLanguage::Python => self.install_python(&dir)?,
                _ => self.install_npm(&dir)?,
            }
            std::fs::write(&marker, format!("{} {}\n", self.package, self.version)).map_err(write_failed(&marker))?;
        }
        Ok(self.executable(&dir))
    }

    /// A virtual environment with the package from PyPI.
    fn install_python(&self, dir: &Path) -> Result<(), BuildError> {
        let python = std::env::var_os("ZEROCLAW_PYTHON").filter(|p| !p.is_empty()).unwrap_or_else(|| "python3".into());
        let venv = Command::new(&python).args(["-m", "venv"]).arg(dir).output();
        let venv = venv.map_err(|_| BuildError::Missing {
            toolchain: self.to_string(),
            needs: "python3 (3.10 or later)",
            fix: "install Python 3, or set ZEROCLAW_PYTHON to its interpreter",
        })?;
        self.step(dir, "python3 -m venv", venv)?;
        let pip = Command::new(dir.join("bin").join("python"))
            .args(["-m", "pip", "install", "--disable-pip-version-check", "--quiet"])
            .arg(format!("{}=={}", self.package, self.version))
            .output()
            .map_err(|source| BuildError::Spawn { program: "pip".into(), source })?;
        self.step(dir, &format!("pip install {}=={}", self.package, self.version), pip)
    }

    /// A private npm project with the package from the npm registry.
    fn install_npm(&self, dir: &Path) -> Result<(), BuildError> {
        let manifest = dir.join("package.json");
        std::fs::write(&manifest, "{ \"private\": true }\n")
            .map_err(|source| BuildError::Write { path: manifest.clone(), source })?;
        let spec = format!("{}@{}", self.package, self.version);
        let npm = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--loglevel=error", "--save-exact", &spec])
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|_| BuildError::Missing {
                toolchain: self.to_string(),
                needs: "Node.js 18 or later with npm",
                fix: "install Node.js (node and npm on PATH)",
            })?;
        self.step(dir, &format!("npm install {spec}"), npm)
    }

    fn step(&self, dir: &Path, step: &str, output: Output) -> Result<(), BuildError> {
        if output.status.success() {
            return Ok(());
        }
        Err(BuildError::Install {
            toolchain: self.to_string(),
            dir: dir.to_path_buf(),
            step: step.to_string(),
            output: tail(&output, 20),
        })
    }
}

impl std::fmt::Display for Toolchain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.package, self.version)
    }
}

/// Where toolchains are installed: `ZEROCLAW_TOOLCHAIN_DIR` when set, else `toolchains`
/// in the user's cache (`~/.cache/zeroclaw`).
pub fn toolchains_dir() -> Option<PathBuf> {
    match std::env::var_os("ZEROCLAW_TOOLCHAIN_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => crate::config::state::user_cache_dir().map(|cache| cache.join("toolchains")),
    }
}

/// The last `lines` lines a command printed, stderr after stdout.
pub(super) fn tail(output: &Output, lines: usize) -> String {
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let kept: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    kept[kept.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_but_rust_has_a_pinned_toolchain_of_its_own() {
        assert_eq!(Toolchain::for_language(GuestLanguage::Rust), None);
        for language in [GuestLanguage::Python, GuestLanguage::JavaScript] {
            let toolchain = Toolchain::for_language(language).unwrap();
            assert_eq!(toolchain.language, language);
            assert!(semver::Version::parse(toolchain.version).is_ok(), "{toolchain}: an exact version");
        }
    }
}
