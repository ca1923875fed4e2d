//! Manifest parsing and the version policy, error by error.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use zeroclaw_plugin_api::HookPoint;

use super::*;
use crate::plugins::capability::Capability;

const GOOD: &str = r#"
id = "redact"
version = "0.1.0"
description = "Redacts secrets"
component = "redact.wasm"
wit = ["zeroclaw:hooks@1.0.0"]
capabilities = ["tool-results:modify"]

[[hooks]]
point = "tool_result_persist"
priority = 50

[config_schema]
type = "object"
additionalProperties = false
properties.prefixes = { type = "array", items = { type = "string" } }
"#;

fn parse(text: &str) -> Result<Manifest, ManifestError> {
    Manifest::parse(text, Path::new("/p/redact/plugin.toml"))
}

fn error(text: &str) -> String {
    parse(text).expect_err("must be refused").to_string()
}

#[test]
fn a_good_manifest_parses() {
    let m = parse(GOOD).unwrap();
    assert_eq!(m.id, "redact");
    assert_eq!(m.component, PathBuf::from("/p/redact/redact.wasm"));
    assert_eq!(
        m.hooks,
        [HookDecl { point: HookPoint::ToolResultPersist, priority: 50, name: "tool_result_persist".into() }]
    );
    assert_eq!(m.kinds(), [PluginKind::Hooks]);
    assert_eq!(m.capabilities, [Capability::ToolResultsModify]);
}

#[test]
fn manifest_rejects_incompatible_wit_major() {
    let e = error(&GOOD.replace("zeroclaw:hooks@1.0.0", "zeroclaw:hooks@2.0.0"));
    assert!(e.starts_with("/p/redact/plugin.toml:6:"), "{e}");
    assert!(
        e.contains("built against zeroclaw:hooks@2.0.0") && e.contains("zeroclaw:hooks@1.1.0"),
        "names both versions: {e}"
    );
    let e = error(&GOOD.replace("zeroclaw:hooks@1.0.0", "zeroclaw:hooks@0.9.0"));
    assert!(e.contains("built against zeroclaw:hooks@0.9.0"), "{e}");
}

#[test]
fn any_published_1x_keeps_loading_on_a_later_1y_host() {
    let future_host = [("zeroclaw:hooks", Version::new(1, 4, 2))];
    for old in ["1.0.0", "1.3.9", "1.4.0", "1.4.7"] {
        let package = PackageRef::parse(&format!("zeroclaw:hooks@{old}")).unwrap();
        assert_eq!(check_package_against(&package, &future_host), Ok(()), "{old}");
    }
    let newer = PackageRef::parse("zeroclaw:hooks@1.5.0").unwrap();
    let e = check_package_against(&newer, &future_host).unwrap_err().to_string();
    assert!(e.contains("newer than this host's zeroclaw:hooks@1.4.2"), "{e}");
}

#[test]
fn each_field_error_names_the_file_line_and_field() {
    let cases: [(String, &str, &str); 12] = [
        (GOOD.replace("id = \"redact\"\n", ""), ":1:1", "missing field `id`"),
        (GOOD.replace("\"redact\"", "\"Redact!\""), ":2:", "id `Redact!`"),
        (GOOD.replace("\"0.1.0\"", "\"one\""), ":3:", "version `one`: not semver"),
        (GOOD.replace("redact.wasm", "../evil.wasm"), ":5:", "must be a relative path inside the plugin directory"),
        (GOOD.replace("zeroclaw:hooks@1.0.0", "acme:hooks@1.0.0"), ":6:", "unknown WIT package `acme:hooks`"),
        (GOOD.replace("zeroclaw:hooks@1.0.0", "zeroclaw:hooks"), ":6:", "has no version"),
        (GOOD.replace("tool-results:modify", "root"), ":7:", "unknown variant `root`"),
        (
            GOOD.replace("tool_result_persist", "after_everything"),
            ":10:",
            "hooks.point `after_everything`: no such hook",
        ),
        (GOOD.replace("priority = 50", "priority = \"high\""), ":11:", "invalid type"),
        (
            GOOD.replace("\"zeroclaw:hooks@1.0.0\"", "\"zeroclaw:hooks@1.0.0\", \"zeroclaw:tools@1.0.0\""),
            ":6:",
            "declares no [[tools]]",
        ),
        (GOOD.replace("type = \"object\"", "type = \"blob\""), ":13:", "not a valid JSON Schema"),
        (format!("entrypoint = \"main\"\n{GOOD}"), ":1:1", "unknown field `entrypoint`"),
    ];
    for (text, at, message) in cases {
        let e = error(&text);
        assert!(e.starts_with("/p/redact/plugin.toml"), "{e}");
        assert!(e.contains(at), "expected location {at}: {e}");
        assert!(e.contains(message), "expected `{message}`: {e}");
    }
}

#[test]
fn a_manifest_must_serve_something() {
    let text = "id = \"x\"\nversion = \"1.0.0\"\ncomponent = \"x.wasm\"\nwit = [\"zeroclaw:host@1.0.0\"]\n";
    assert!(error(text).contains("declares no [[hooks]], [[tools]] or [[providers]]"));
}

#[test]
fn sha256_mismatch_is_refused_with_both_hashes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("redact.wasm"), b"not really wasm").unwrap();
    let wrong = "0".repeat(64);
    let text =
        GOOD.replace("component = \"redact.wasm\"", &format!("component = \"redact.wasm\"\nsha256 = \"{wrong}\""));
    let m = Manifest::parse(&text, &dir.path().join("plugin.toml")).unwrap();
    let e = m.read_component(1024).unwrap_err().to_string();
    assert!(e.contains(&wrong) && e.contains(&hex::encode(Sha256::digest(b"not really wasm"))), "{e}");
    let right = hex::encode(Sha256::digest(b"not really wasm"));
    let m = Manifest::parse(&text.replace(&wrong, &right), &dir.path().join("plugin.toml")).unwrap();
    assert_eq!(m.read_component(1024).unwrap(), b"not really wasm");
}

#[test]
fn operator_config_is_checked_against_the_schema() {
    let m = parse(GOOD).unwrap();
    assert_eq!(m.check_config(&serde_json::json!({"prefixes": ["sk-"]})), Ok(()));
    let e = m.check_config(&serde_json::json!({"prefixes": "sk-"})).unwrap_err();
    assert!(e.contains("plugins.entries.redact.config") && e.contains("/prefixes"), "{e}");
    let e = m.check_config(&serde_json::json!({"prefix": ["sk-"]})).unwrap_err();
    assert!(e.contains("prefix"), "{e}");
}

#[test]
fn host_packages_match_the_wit_files() {
    for (name, version) in &HOST_PACKAGES {
        let kind = name.trim_start_matches("zeroclaw:");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("wit/zeroclaw").join(kind).join("v1");
        let text: String =
            std::fs::read_dir(&dir).unwrap().map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap()).collect();
        assert!(text.contains(&format!("package {name}@{version};")), "{} declares {name}@{version}", dir.display());
    }
}

#[test]
fn a_hook_point_newer_than_the_listed_contract_is_refused_naming_both_versions() {
    let newer = GOOD.replace("point = \"tool_result_persist\"", "point = \"llm_error\"");
    let e = error(&newer);
    assert!(e.starts_with("/p/redact/plugin.toml:10:"), "{e}");
    assert!(
        e.contains(
            "hooks.point `llm_error` was added in zeroclaw:hooks@1.1.0, but the plugin lists zeroclaw:hooks@1.0.0"
        ),
        "{e}"
    );
    let listed = parse(&newer.replace("zeroclaw:hooks@1.0.0", "zeroclaw:hooks@1.1.0")).unwrap();
    assert_eq!(listed.hooks[0].point, HookPoint::LlmError);
}
