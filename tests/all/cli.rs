//! The `zeroclaw` binary, run as a user would.

use std::process::Command;

fn zeroclaw(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zeroclaw"))
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("XDG_DATA_HOME")
        .output()
        .expect("the binary runs")
}

#[test]
fn config_check_on_a_broken_file_prints_one_clear_error_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.toml");
    std::fs::write(&file, "[plugins]\nenabled = true\n[plugins.limits]\ntimeout = 5\n").unwrap();
    let out = zeroclaw(&["config", "check", file.to_str().unwrap()], dir.path());
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(lines[0].starts_with("error: ") && lines[0].contains("broken.toml:4:1 in [plugins.limits]"), "{stderr}");
    assert!(lines[0].contains("unknown field `timeout`") && lines[0].contains("timeout_ms"), "{stderr}");
}

#[test]
fn config_init_writes_a_file_that_checks_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = zeroclaw(&["config", "init"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = zeroclaw(&["config", "check"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("zeroclaw.toml: ok"));
    let again = zeroclaw(&["config", "init"], dir.path());
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
}

#[test]
fn plugins_list_prints_every_entry_as_table_and_json() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("zeroclaw.toml"), "[hooks.builtin]\ncommand_logger = true\n").unwrap();
    let out = zeroclaw(&["plugins", "list"], dir.path());
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.starts_with("KIND"), "{table}");
    assert!(table.contains("after_tool_call/log_tool_call") && table.contains("native:command_logger"), "{table}");
    let out = zeroclaw(&["plugins", "list", "--json"], dir.path());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["entries"][0]["kind"], "hook");
    assert_eq!(doc["entries"][0]["status"], "active");
    assert_eq!(doc["generation"], 1);
}

#[cfg(feature = "wasm")]
#[test]
fn the_demo_shows_native_and_wasm_hooks_tools_and_a_provider_acting() {
    let _ = crate::guests::built();
    let dir = tempfile::tempdir().unwrap();
    let out = zeroclaw(&["demo", "--dir", dir.path().join("demo").to_str().unwrap()], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    for expected in [
        "tool clock (native:clock): ok",
        "tool text_stats (wasm:text-stats@0.1.0): ok",
        "tool_result_persist  wasm:redact@0.1.0          modify",
        "`file_read`: deploy with api key [REDACTED] and password=[REDACTED]",
        "before_tool_call     wasm:guard@0.1.0           cancel",
        "tool file_write (not run): refused or failed",
        "tool json_query (wasm:guard@0.1.0): ok",
        "compaction: ",
        "(summary by the echo plugin)",
        "after_tool_call      native:command_logger      continue 5",
        "command_logger wrote 5 line(s)",
    ] {
        assert!(stdout.contains(expected), "missing `{expected}` in:\n{stdout}");
    }
    assert!(!stdout.contains("sk-demo"), "the secret never shows");
}

#[test]
fn memory_commands_list_show_export_and_forget() {
    use zeroclaw_session_memory::{Source, SummaryStore};
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("zeroclaw.toml"), "state_dir = \"state\"\n").unwrap();
    let none = zeroclaw(&["memory", "list"], dir.path());
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("no memory database"));
    let store = SummaryStore::new(&dir.path().join("state/memory.sqlite3"));
    let id = store.insert("garden", "cli", Source::Compaction, "we talked about turquoise delphiniums").unwrap();
    store.insert("other", "gateway", Source::SessionEnd, "Last 1 turn(s): user: hi / assistant: hello").unwrap();
    let list = zeroclaw(&["memory", "list", "--session", "garden"], dir.path());
    assert!(list.status.success(), "{}", String::from_utf8_lossy(&list.stderr));
    let list = String::from_utf8(list.stdout).unwrap();
    assert_eq!(list.lines().count(), 1, "{list}");
    assert!(list.contains("garden") && list.contains("compaction") && list.contains("turquoise"), "{list}");
    let show = String::from_utf8(zeroclaw(&["memory", "show", &id.to_string()], dir.path()).stdout).unwrap();
    assert!(show.contains("we talked about turquoise delphiniums") && show.contains("source   compaction"), "{show}");
    let export = String::from_utf8(zeroclaw(&["memory", "export"], dir.path()).stdout).unwrap();
    let rows: Vec<serde_json::Value> = export.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["session_id"], "other");
    let forget = zeroclaw(&["memory", "forget", "--session", "garden"], dir.path());
    assert_eq!(String::from_utf8_lossy(&forget.stdout).trim(), "forgot 1 summary");
    assert_eq!(store.list(None).unwrap().len(), 1);
    let bare = zeroclaw(&["memory", "forget"], dir.path());
    assert!(!bare.status.success() && String::from_utf8_lossy(&bare.stderr).contains("say what to forget"));
    drop(store); // the last connection: SQLite folds the WAL back into the file
    std::fs::write(dir.path().join("state/memory.sqlite3"), vec![1u8; 4096]).unwrap();
    let corrupt = zeroclaw(&["memory", "list"], dir.path());
    let stderr = String::from_utf8_lossy(&corrupt.stderr);
    assert!(
        !corrupt.status.success() && stderr.contains("memory database") && stderr.contains("not a database"),
        "{stderr}"
    );
}

#[test]
fn config_check_refuses_out_of_range_numbers_bad_binds_and_unknown_providers_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let check = |text: &str| {
        let file = dir.path().join("c.toml");
        std::fs::write(&file, text).unwrap();
        let out = zeroclaw(&["config", "check", file.to_str().unwrap()], dir.path());
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (ok, err) = check("[plugins.limits]\nmemory_mb = 17592186044416\n");
    assert!(!ok && err.contains("c.toml:2:13 in [plugins.limits]") && err.contains("out of range: 1 to 4096"), "{err}");
    let (ok, err) = check("[plugins.limits]\nmax_stack_kb = 18014398509481984\n");
    assert!(!ok && err.contains("c.toml:2:") && err.contains("16 to 16384"), "{err}");
    let (ok, err) = check("[gateway]\nbind = \"999.1.1.1:99999\"\n");
    assert!(!ok && err.contains("c.toml:2:") && err.contains("in [gateway]") && err.contains("99999"), "{err}");
    let (ok, err) =
        check("state_dir = \"s\"\n[providers]\nfallbacks = [\"ghost\"]\n[providers.routes]\ncheap = \"nowhere/m\"\n");
    assert!(!ok, "{err}");
    assert!(
        err.contains("providers.fallbacks[0] names provider `ghost`") && err.contains("(providers: offline, openai"),
        "{err}"
    );
    assert!(err.contains("providers.routes.cheap names provider `nowhere`"), "{err}");
    let (ok, err) = check("state_dir = \"s\"\n[agent]\nmodel = \"hint:fast\"\n");
    assert!(!ok && err.contains("agent.model = \"hint:fast\" but providers.routes has no `fast`"), "{err}");
    let (ok, err) =
        check("state_dir = \"s\"\n[hooks.builtin]\ncommand_logger = true\n[native.command_logger]\npaht = 1\n");
    assert!(!ok && err.contains("in [native.command_logger]") && !err.contains("in [hooks.builtin]"), "{err}");
}

#[test]
fn agent_with_a_missing_provider_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("zeroclaw.toml"), "state_dir = \"s\"\n[agent]\nprovider = \"ghost\"\n").unwrap();
    let out = zeroclaw(&["agent", "-m", "hello"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("agent.provider names provider `ghost`"), "{stderr}");
}

#[test]
fn agent_exits_non_zero_when_its_turn_cannot_be_stored() {
    let dir = tempfile::tempdir().unwrap();
    let config = "state_dir = \"s\"\n[memory]\nmax_size_mb = 1\n[hooks.builtin]\nsession_memory = false\n";
    std::fs::write(dir.path().join("zeroclaw.toml"), config).unwrap();
    // 100 KB a message (an argument's limit is 128 KiB), and as much again in the reply.
    let message = "z".repeat(100 * 1024);
    let failed = (0..20).find_map(|i| {
        let out = zeroclaw(&["agent", "--session", &format!("s{i}"), "-m", &message], dir.path());
        (!out.status.success()).then(|| (String::from_utf8_lossy(&out.stderr).into_owned(), out.stdout))
    });
    let (stderr, stdout) = failed.expect("a 1 MiB database fills up");
    assert!(stderr.contains("could not be stored") && stderr.contains("full"), "{stderr}");
    assert!(stdout.is_empty(), "nothing is answered");
}

#[test]
fn plugins_hooks_lists_every_point_with_its_payload_rights_and_redaction() {
    let dir = tempfile::tempdir().unwrap();
    let out = zeroclaw(&["plugins", "hooks", "--json"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hooks = doc["hooks"].as_array().unwrap();
    let names: Vec<&str> = hooks.iter().map(|h| h["name"].as_str().unwrap()).collect();
    let catalog: Vec<&str> = zeroclaw_plugin_api::HookPoint::ALL.iter().map(|p| p.name()).collect();
    assert_eq!(names, catalog, "every point, in catalog order");
    let sending = hooks.iter().find(|h| h["name"] == "message_sending").unwrap();
    assert_eq!(sending["kind"], "modifying");
    assert_eq!(sending["rewrite_needs"], "messages:modify");
    assert_eq!(sending["rewritable"], serde_json::json!(["content"]));
    assert_eq!(sending["redacted"], serde_json::json!(["content"]));
    let fields: Vec<(&str, &str)> = sending["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["type"].as_str().unwrap()))
        .collect();
    assert_eq!(fields, [("channel", "string"), ("recipient", "string"), ("content", "string")]);
    let text = zeroclaw(&["plugins", "hooks"], dir.path());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("a rewrite needs `tool-results:modify` and may change: result"), "{text}");
}

#[test]
fn the_config_is_found_from_the_working_directory_upwards() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("zeroclaw.toml"), "state_dir = \"state\"\n").unwrap();
    let crate_dir = dir.path().join("my-plugin/src");
    std::fs::create_dir_all(&crate_dir).unwrap();
    let out = zeroclaw(&["config", "check"], &crate_dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let expected = format!("{}: ok", dir.path().join("zeroclaw.toml").display());
    assert!(stdout.contains(&expected), "the project's config two levels up: {stdout}");
    // The working directory's own file comes first, and reads as it is named there.
    std::fs::write(crate_dir.join("zeroclaw.toml"), "state_dir = \"state\"\n").unwrap();
    let out = zeroclaw(&["config", "check"], &crate_dir);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("zeroclaw.toml: ok"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn plugins_wit_writes_a_bundle_that_resolves_from_one_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = zeroclaw(&["plugins", "wit", "--kind", "provider", "wit"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("world zeroclaw:providers/provider-plugin"));
    let mut resolve = wit_parser::Resolve::new();
    let (package, _) = resolve.push_dir(dir.path().join("wit")).expect("the bundle resolves alone");
    assert!(resolve.select_world(&[package], Some("provider-plugin")).is_ok());
}
