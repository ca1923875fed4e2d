//! The plugin author's commands, run through the binary as an author would: `validate`,
//! `inspect`, `call` (`new`, `build`, `list` and `fire` run in scaffold.rs and tutorial.rs).

use std::process::Output;

use crate::guests::{author_command as zeroclaw, install_guest};

/// A project directory with a config and the guests `names` installed in `plugins/`.
fn project(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("zeroclaw.toml"), "state_dir = \"state\"\n[plugins]\nenabled = true\n").unwrap();
    for name in names {
        install_guest(name, &dir.path().join("plugins"));
    }
    dir
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn validate_warns_about_imports_the_manifest_does_not_request_with_the_whole_fix() {
    // fault-zoo uses kv, wasi:http and the filesystem, and its manifest requests none.
    let dir = project(&["fault-zoo", "noop"]);
    let zoo = stdout(&zeroclaw(dir.path(), &["plugins", "validate", "plugins/fault-zoo"]));
    assert!(zoo.contains("ok, with warnings"), "{zoo}");
    assert!(
        zoo.contains("warning: the component imports zeroclaw:host/kv@1.1.0, which needs `kv`, but plugin.toml does not request it"),
        "{zoo}"
    );
    assert!(zoo.contains("add \"kv\" to `capabilities` in the plugin's plugin.toml, and grant it in the config: plugins.entries.fault-zoo.grant = [\"kv\"]"), "{zoo}");
    assert!(zoo.contains("wasi:http/outgoing-handler") && zoo.contains("`http:outbound`"), "{zoo}");
    assert!(zoo.contains("`fs:read` or `fs:write`"), "{zoo}");
    // A component that imports nothing it needs a capability for validates clean.
    let noop = stdout(&zeroclaw(dir.path(), &["plugins", "validate", "plugins/noop"]));
    assert!(noop.contains("plugin.toml: ok (noop 0.1.0") && !noop.contains("warning"), "{noop}");
}

#[test]
fn inspect_and_call_work_on_an_installed_plugin() {
    let dir = project(&["noop"]);
    let inspected = stdout(&zeroclaw(dir.path(), &["plugins", "inspect", "noop"]));
    assert!(inspected.contains("plugin        noop 0.1.0"), "{inspected}");
    assert!(inspected.contains("zeroclaw:hooks/handler@1.1.0"), "the exports are listed: {inspected}");
    let called = stdout(&zeroclaw(dir.path(), &["plugins", "call", "noop", "noop", "{}"]));
    assert!(called.contains("ok"), "{called}");
    let refused = zeroclaw(dir.path(), &["plugins", "call", "noop", "no_such_tool", "{}"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no_such_tool"), "the error names the tool");
}

#[test]
fn call_shows_what_the_plugin_logs_at_info_by_default() {
    let dir = project(&["fault-zoo"]);
    let out = zeroclaw(dir.path(), &["plugins", "call", "fault-zoo", "fault", r#"{"kind": "log_flood"}"#]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("flood line 0") && stderr.contains("plugin=wasm:fault-zoo@0.1.0"), "{stderr}");
    // Other commands stay quiet at info.
    let listed = zeroclaw(dir.path(), &["plugins", "list"]);
    assert!(!String::from_utf8_lossy(&listed.stderr).contains(" INFO "), "{}", String::from_utf8_lossy(&listed.stderr));
}

#[test]
fn plugins_test_runs_a_built_plugin_directory_and_refuses_checks_of_fields_the_host_ignores() {
    let dir = project(&["shout"]);
    let tests = dir.path().join("plugins/shout/tests");
    std::fs::create_dir_all(&tests).unwrap();
    let case = |name: &str, expect: &str| {
        format!(
            "[[hook]]\nname = \"{name}\"\npoint = \"message_sending\"\npayload = {{ channel = \"cli\", recipient = \"me\", content = \"hi\" }}\nexpect = \"modify\"\nexpect_payload = {expect}\n"
        )
    };
    let text = case("capitals", "{ content = \"HI\" }") + &case("ignored field", "{ channel = \"cli\" }");
    std::fs::write(tests.join("cases.toml"), text).unwrap();
    let out = zeroclaw(dir.path(), &["plugins", "test", "plugins/shout"]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("ok    shout: tests/cases.toml: capitals"), "{stdout}");
    assert!(
        stdout.contains("FAIL  shout: tests/cases.toml: ignored field: expect_payload checks `channel`, but message_sending reads back only content"),
        "{stdout}"
    );
    assert!(stdout.contains("1 passed, 1 failed"), "{stdout}");
    // An empty case file is a failure, not a pass.
    std::fs::write(tests.join("cases.toml"), "# nothing yet\n").unwrap();
    let out = zeroclaw(dir.path(), &["plugins", "test", "plugins/shout"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("FAIL  shout: no test cases in"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
