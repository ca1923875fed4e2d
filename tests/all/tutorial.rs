//! docs/writing-wasm-plugins.md, replayed: its commands run in a fresh directory, with its
//! code blocks as the files it tells the reader to write, and print what it says they do.
//! The code blocks are the files of `wasm-plugins/examples/shout/`, so doc and code cannot
//! drift apart.

use std::path::Path;
use std::process::{Command, Output};

const DOC: &str = include_str!("../../docs/writing-wasm-plugins.md");

/// The fenced code blocks of `text` whose info string is `lang` (`""`: a plain block).
fn blocks<'a>(text: &'a str, lang: &str) -> Vec<&'a str> {
    let fence = format!("```{lang}\n");
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("```") {
        let after = &rest[start..];
        let Some(body_start) = after.find('\n') else { break };
        let info = &after[3..body_start];
        let body = &after[body_start + 1..];
        let Some(end) = body.find("```") else { break };
        if format!("```{info}\n") == fence {
            found.push(&body[..end]);
        }
        rest = &body[end + 3..];
    }
    found
}

/// The tutorial: sections 1 to 7, before the reference sections.
fn tutorial() -> &'static str {
    DOC.split("## Testing from `cargo test`").next().unwrap()
}

fn repo(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn the_tutorial_code_is_the_example_crate() {
    let (rust, toml) = (blocks(tutorial(), "rust"), blocks(tutorial(), "toml"));
    assert_eq!(rust[0], repo("wasm-plugins/examples/shout/src/lib.rs"), "section 3 is examples/shout/src/lib.rs");
    assert_eq!(toml[0], repo("wasm-plugins/examples/shout/plugin.toml"), "section 4 is examples/shout/plugin.toml");
    assert_eq!(
        toml[1],
        repo("wasm-plugins/examples/shout/tests/cases.toml"),
        "section 5 is examples/shout/tests/cases.toml"
    );
}

/// Runs one command line of the tutorial in `project` through `sh`, with this build's
/// `zeroclaw` first on the PATH; fails the test when it fails.
fn run(project: &Path, line: &str) -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_zeroclaw")).parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let out: Output = Command::new("sh")
        .arg("-c")
        .arg(line)
        .current_dir(project)
        .env("PATH", path)
        // Nothing of the machine's own zeroclaw (no ~/.zeroclaw config, no user cache), but
        // its Rust toolchain and crate registry.
        .env("HOME", project)
        .env("CARGO_HOME", toolchain_home("CARGO_HOME", ".cargo"))
        .env("RUSTUP_HOME", toolchain_home("RUSTUP_HOME", ".rustup"))
        .env("XDG_DATA_HOME", project.join(".data"))
        .env("XDG_CACHE_HOME", project.join(".cache"))
        // The guest workspace's build directory: the PDK is compiled there already.
        .env("CARGO_TARGET_DIR", crate::guests::target_dir())
        .env_remove("ZEROCLAW_LOG")
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "`{line}` failed:\n{stdout}\n{stderr}");
    // Paths print absolute; the page shows them relative to the project.
    format!("{stdout}{stderr}").replace(&format!("{}/", project.display()), "")
}

/// Where the toolchain keeps its files: `var`, else `~/<dir>` of the real home.
fn toolchain_home(var: &str, dir: &str) -> std::path::PathBuf {
    std::env::var_os(var)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(dir))
}

/// The command lines of a `sh` block.
fn lines(block: &str) -> Vec<&str> {
    block.lines().filter(|l| !l.trim().is_empty()).collect()
}

#[test]
fn the_tutorial_runs_as_written() {
    let _ = crate::guests::built(); // the guest workspace first: the tutorial's crate reuses its build
    let project = tempfile::tempdir().unwrap();
    let project = project.path();
    let (sh, rust, toml) = (blocks(tutorial(), "sh"), blocks(tutorial(), "rust"), blocks(tutorial(), "toml"));
    assert_eq!((sh.len(), rust.len(), toml.len()), (4, 1, 3), "the tutorial's shape changed; update this test");
    let shown = blocks(tutorial(), "");

    // 2. Create a plugin.
    for line in lines(sh[0]) {
        run(project, line);
    }
    // 3 and 4. Write the hook and describe it.
    std::fs::write(project.join("shout/src/lib.rs"), rust[0]).unwrap();
    std::fs::write(project.join("shout/plugin.toml"), toml[0]).unwrap();

    // 5. Test it: the cases pass, as the page shows.
    std::fs::write(project.join("shout/tests/cases.toml"), toml[1]).unwrap();
    let _ = std::fs::remove_file(project.join("shout/tests/plugin.rs")); // as section 5 says
    let tested = lines(sh[1]).into_iter().map(|line| run(project, line)).collect::<String>();
    for line in shown[0].lines() {
        assert!(tested.contains(line), "section 5 shows `{line}`; the test printed:\n{tested}");
    }

    // 6. Build, install, validate: it prints what the page shows.
    let built = lines(sh[2]).into_iter().map(|line| run(project, line)).collect::<String>();
    for line in shown[1].lines() {
        assert!(built.contains(line), "section 6 shows `{line}`; the build printed:\n{built}");
    }

    // 7. Enable it, then the commands: list, fire, agent.
    std::fs::write(project.join("zeroclaw.toml"), toml[2]).unwrap();
    let [list, fire, agent] = lines(sh[3])[..] else { panic!("section 7 runs three commands") };
    let listed = run(project, list);
    let line = listed.lines().find(|l| l.contains("wasm:shout@0.1.0")).unwrap_or_else(|| panic!("{listed}"));
    assert!(
        line.starts_with("hook") && line.contains("message_sending/message_sending") && line.ends_with("active"),
        "{line}"
    );
    let fired = run(project, fire);
    assert!(fired.contains("modify") && fired.contains("\"HI\""), "the hook rewrote the reply: {fired}");
    let answered = run(project, agent);
    assert!(answered.contains("YOU SAID: HELLO"), "the agent's reply went through the hook: {answered}");
    let traced = answered.lines().find(|l| l.starts_with("hook") && l.contains("wasm:shout@0.1.0"));
    assert!(traced.is_some_and(|l| l.contains("message_sending") && l.contains(" modify ")), "--trace: {answered}");
}
