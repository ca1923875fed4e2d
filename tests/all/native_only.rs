//! With `plugins.enabled = false`, the host behaves exactly as the native-only build
//! (`--no-default-features`, no wasmtime linked): the same conversation gives the same
//! bytes on stdout and the same transcript.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::guests::install_guest;

/// The native-only binary, built once (in its own target directory, so it neither waits
/// for nor overwrites this test's build).
fn native_only_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../native-only");
        let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "--quiet", "--no-default-features", "--bin", "zeroclaw", "--manifest-path"])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&target)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "the native-only build succeeds");
        target.join("debug/zeroclaw")
    })
}

const SCRIPT: &str = "hello there\ncalculate 2*21\nread notes.txt\nwrite out.txt: hi\nstats: a b c\nuse clock_nope {}\nmessage five\nmessage six\n/reset\nafter the reset\n";

/// Runs the scripted conversation with `binary` in a fresh workspace; returns stdout and
/// the transcript rows (without their timestamps).
fn converse(binary: &Path) -> (String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "remember the milk").unwrap();
    for plugin in ["redact", "guard", "text-stats"] {
        install_guest(plugin, &dir.path().join("plugins"));
    }
    std::fs::write(
        dir.path().join("zeroclaw.toml"),
        "state_dir = \"state\"\n[agent]\ncompaction_threshold = 6\ncompaction_keep = 2\n[hooks.builtin]\ncommand_logger = true\n\
         [plugins]\nenabled = false\ndirs = [\"plugins\"]\n[plugins.entries.redact]\ngrant = [\"tool-results:modify\"]\n",
    )
    .unwrap();
    let mut child = Command::new(binary)
        .args(["agent", "--session", "script"])
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env_remove("XDG_DATA_HOME")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(SCRIPT.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let db = rusqlite::Connection::open(dir.path().join("state/memory.sqlite3")).unwrap();
    let mut stmt = db
        .prepare("SELECT session_id, seq, channel, role, content, tool_calls, tool_call_id FROM transcript ORDER BY session_id, seq")
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok(format!(
                "{}|{}|{}|{}|{}|{:?}|{:?}",
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?
            ))
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    (String::from_utf8(out.stdout).unwrap(), rows)
}

#[test]
fn plugins_disabled_gives_byte_identical_output_to_the_native_only_build() {
    let _ = crate::guests::built();
    let (with_wasm, with_wasm_rows) = converse(Path::new(env!("CARGO_BIN_EXE_zeroclaw")));
    let (native, native_rows) = converse(native_only_binary());
    assert_eq!(with_wasm, native, "stdout");
    assert_eq!(with_wasm_rows, native_rows, "transcript");
    // The conversation did exercise the host: tools, a refusal, compaction, a reset.
    assert!(native.contains("`calculator`: 42") && native.contains("`file_read`: remember the milk"), "{native}");
    assert!(native.contains("not permitted"), "{native}");
    assert!(native.contains("(new session script-1)"), "{native}");
    assert!(native_rows.iter().any(|r| r.contains("Summary of the earlier conversation")), "{native_rows:?}");
}
