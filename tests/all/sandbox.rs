//! The sandbox: the fault zoo's every fault is contained, every escape refused, every limit
//! enforced, and each capability gives exactly what it names.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use zeroclaw::hooks::{HookFlow, HookRunner};
use zeroclaw::plugins::conversation::REDACTED;
use zeroclaw::plugins::{PluginRuntime, PluginStatus, Snapshot};
use zeroclaw_plugin_api::{
    ChatRequest, FailureKind, HookContext, HookPayload, OutboundMessage, ToolCall, ToolError, ToolResult,
    ToolResultPersist,
};

use crate::guests::{guest, plugin_config};

/// One installed copy of the fault zoo.
pub struct Zoo<'a> {
    id: &'a str,
    capabilities: &'a [&'a str],
    hooks: &'a [&'a str],
}

impl<'a> Zoo<'a> {
    pub fn new(id: &'a str) -> Self {
        Zoo { id, capabilities: &[], hooks: &[] }
    }
    pub fn caps(mut self, capabilities: &'a [&'a str]) -> Self {
        self.capabilities = capabilities;
        self
    }
    fn hooks(mut self, hooks: &'a [&'a str]) -> Self {
        self.hooks = hooks;
        self
    }
    /// The tool name of this copy.
    pub fn tool(&self) -> String {
        format!("fault_{}", self.id.replace('-', "_"))
    }
}

/// Installs `zoo` under `root/plugins`, speaking contract `1.1`.
pub fn install(root: &Path, zoo: &Zoo) {
    let dir = root.join("plugins").join(zoo.id);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&guest("fault-zoo").component, dir.join("fault_zoo.wasm")).unwrap();
    let caps: Vec<String> = zoo.capabilities.iter().map(|c| format!("\"{c}\"")).collect();
    let mut manifest = format!(
        "id = \"{}\"\nversion = \"0.1.0\"\ncomponent = \"fault_zoo.wasm\"\nwit = [\"zeroclaw:hooks@1.1.0\", \"zeroclaw:tools@1.1.0\", \"zeroclaw:providers@1.1.0\"]\ncapabilities = [{}]\n[[tools]]\nname = \"{}\"\neffect = \"act\"\n[[providers]]\nname = \"faulty_{}\"\n",
        zoo.id,
        caps.join(", "),
        zoo.tool(),
        zoo.id.replace('-', "_")
    );
    let hooks = if zoo.hooks.is_empty() { &["agent_end"][..] } else { zoo.hooks };
    for hook in hooks {
        manifest.push_str(&format!("[[hooks]]\npoint = \"{hook}\"\n"));
    }
    manifest.push_str("[config_schema]\ntype = \"object\"\n");
    std::fs::write(dir.join("plugin.toml"), manifest).unwrap();
}

/// Starts a runtime with the zoos installed. `extra` adds config; each zoo gets an entry
/// naming its tool (more keys for it go in `extra` under `[plugins.entries.<id>…]`).
async fn start(root: &Path, zoos: &[Zoo<'_>], extra: &str) -> PluginRuntime {
    for zoo in zoos {
        install(root, zoo);
    }
    let mut config = plugin_config(root, extra);
    for zoo in zoos {
        let entry = config.config.plugins.entries.entry(zoo.id.to_string()).or_default();
        entry.config.insert("tool_name".into(), toml::Value::String(zoo.tool()));
    }
    PluginRuntime::start(config).await.expect("the runtime starts")
}

async fn fault(snapshot: &Snapshot, zoo: &Zoo<'_>, args: serde_json::Value) -> Result<String, ToolError> {
    let entry =
        snapshot.tool(&zoo.tool()).unwrap_or_else(|| panic!("{} is not serving: {:?}", zoo.id, snapshot.diagnostics()));
    entry.invoke(&args).await
}

fn runtime_failure(result: Result<String, ToolError>) -> zeroclaw_plugin_api::RuntimeFailure {
    match result {
        Err(ToolError::Runtime(failure)) => failure,
        other => panic!("expected a runtime failure, got {other:?}"),
    }
}

fn ok_kind() -> serde_json::Value {
    serde_json::json!({"kind": "ok"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_on_the_tool_path_is_contained_named_and_survived() {
    let _ = crate::guests::built();
    let dir = tempfile::tempdir().unwrap();
    let zoo = Zoo::new("zoo");
    let extra = "[plugins.entries.zoo.limits]\ntimeout_ms = 300\nmemory_mb = 32\nmax_output_bytes = 1048576\nfailure_threshold = 1000\n";
    let runtime = start(dir.path(), &[Zoo::new("zoo")], extra).await;
    let snapshot = runtime.snapshot();
    let cases: [(serde_json::Value, FailureKind, &str); 11] = [
        (serde_json::json!({"kind": "spin"}), FailureKind::Timeout, "300 ms timeout"),
        (serde_json::json!({"kind": "sleep", "ms": 5000}), FailureKind::Timeout, "300 ms timeout"),
        (serde_json::json!({"kind": "grow_memory"}), FailureKind::MemoryLimit, "32 MiB cap"),
        (serde_json::json!({"kind": "huge_output"}), FailureKind::MemoryLimit, "32 MiB cap"),
        (
            serde_json::json!({"kind": "huge_output", "bytes": 2_000_000}),
            FailureKind::OutputTooLarge,
            "1048576 byte cap",
        ),
        (serde_json::json!({"kind": "recurse"}), FailureKind::Trap, "trapped"),
        (serde_json::json!({"kind": "deep_recurse"}), FailureKind::Trap, "overflowed its wasm stack"),
        (serde_json::json!({"kind": "trap"}), FailureKind::Trap, "trapped"),
        (serde_json::json!({"kind": "panic"}), FailureKind::Trap, "panics on purpose"),
        (serde_json::json!({"kind": "log_flood"}), FailureKind::HostCallLimit, "10000 host calls"),
        (serde_json::json!({"kind": "host_call_flood"}), FailureKind::HostCallLimit, "max_host_calls"),
    ];
    for (args, kind, detail) in cases {
        let started = Instant::now();
        let failure = runtime_failure(fault(&snapshot, &zoo, args.clone()).await);
        let elapsed = started.elapsed();
        assert_eq!(failure.kind, kind, "{args}: {failure}");
        let message = failure.to_string();
        assert!(message.starts_with("plugin wasm:zoo@0.1.0: "), "names the plugin and version: {message}");
        assert!(message.contains(detail), "{args}: says what happened: {message}");
        assert!(elapsed < Duration::from_millis(400), "{args}: stopped within its timeout + 100 ms, took {elapsed:?}");
        assert_eq!(fault(&snapshot, &zoo, ok_kind()).await.unwrap(), "fine", "the next call after {args} is answered");
    }
    // Output flooding is contained without failing the call.
    assert_eq!(fault(&snapshot, &zoo, serde_json::json!({"kind": "print_flood"})).await.unwrap(), "printed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spinning_plugin_does_not_hold_up_other_plugins() {
    let _ = crate::guests::built();
    let dir = tempfile::tempdir().unwrap();
    let other = Zoo::new("other");
    let extra = "[plugins.entries.spinner.limits]\ntimeout_ms = 1500\n";
    let runtime = start(dir.path(), &[Zoo::new("spinner"), Zoo::new("other")], extra).await;
    let snapshot = runtime.snapshot();
    let spin_snapshot = snapshot.clone();
    let spinning = tokio::spawn(async move {
        let zoo = Zoo::new("spinner");
        fault(&spin_snapshot, &zoo, serde_json::json!({"kind": "spin"})).await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    for _ in 0..20 {
        assert_eq!(fault(&snapshot, &other, ok_kind()).await.unwrap(), "fine");
    }
    assert!(
        started.elapsed() < Duration::from_millis(700),
        "20 calls took {:?} while the other spun",
        started.elapsed()
    );
    assert!(!spinning.is_finished(), "the spinner was still running meanwhile");
    let failure = runtime_failure(spinning.await.unwrap());
    assert_eq!(failure.kind, FailureKind::Timeout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hook_faults_fail_open_and_forbidden_rewrites_are_refused() {
    let _ = crate::guests::built();
    let dir = tempfile::tempdir().unwrap();
    let zoos = [
        Zoo::new("hook-trap").hooks(&["tool_result_persist"]),
        Zoo::new("hook-spin").hooks(&["tool_result_persist"]),
        Zoo::new("hook-wrong").hooks(&["tool_result_persist"]),
        Zoo::new("hook-rewrite").hooks(&["tool_result_persist"]),
    ];
    let extra = "[plugins.entries.hook-trap.config]\nhook_fault = \"trap\"\n\
                 [plugins.entries.hook-spin.config]\nhook_fault = \"spin\"\n[plugins.entries.hook-spin.limits]\ntimeout_ms = 200\n\
                 [plugins.entries.hook-wrong.config]\nhook_fault = \"wrong_kind\"\n\
                 [plugins.entries.hook-rewrite.config]\nhook_fault = \"rewrite_result\"\n";
    let runtime = start(dir.path(), &zoos, extra).await;
    let runner = HookRunner::new(runtime.registry().clone());
    let payload = HookPayload::ToolResultPersist(ToolResultPersist {
        call: ToolCall { id: "1".into(), name: "t".into(), arguments: serde_json::json!({}) },
        result: ToolResult { call_id: "1".into(), name: "t".into(), content: "original".into(), is_error: false },
    });
    let started = Instant::now();
    let flow = runner.run_payload(&HookContext::agent("t"), payload.clone()).await;
    assert_eq!(flow, HookFlow::Continue(payload.clone()), "every fault and refusal left the value unchanged");
    assert!(started.elapsed() < Duration::from_millis(600), "the spinning handler was cut: {:?}", started.elapsed());
    let snapshot = runtime.snapshot();
    let stats = |id: &str| {
        snapshot
            .hooks(zeroclaw_plugin_api::HookPoint::ToolResultPersist)
            .iter()
            .find(|e| e.owner.plugin_id() == id)
            .unwrap()
            .stats
            .view()
    };
    assert_eq!(stats("hook-trap").errors, 1);
    assert_eq!(stats("hook-spin").timeouts, 1);
    assert_eq!(stats("hook-wrong").refused, 1, "a modify of the wrong kind is refused");
    assert_eq!(stats("hook-rewrite").refused, 1, "a rewrite without tool-results:modify is refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_granted_rewrite_works_and_fail_closed_cancels() {
    let _ = crate::guests::built();
    let dir = tempfile::tempdir().unwrap();
    let zoos = [Zoo::new("rewriter").caps(&["tool-results:modify"]).hooks(&["tool_result_persist"])];
    let extra = "[plugins.entries.rewriter]\ngrant = [\"tool-results:modify\"]\n[plugins.entries.rewriter.config]\nhook_fault = \"rewrite_result\"\n";
    let runtime = start(dir.path(), &zoos, extra).await;
    let runner = HookRunner::new(runtime.registry().clone());
    let payload = HookPayload::ToolResultPersist(ToolResultPersist {
        call: ToolCall { id: "1".into(), name: "t".into(), arguments: serde_json::json!({}) },
        result: ToolResult { call_id: "1".into(), name: "t".into(), content: "original".into(), is_error: false },
    });
    let HookFlow::Continue(HookPayload::ToolResultPersist(out)) =
        runner.run_payload(&HookContext::agent("t"), payload).await
    else {
        panic!()
    };
    assert_eq!(out.result.content, "pwned");

    let dir = tempfile::tempdir().unwrap();
    let zoos = [Zoo::new("strict").hooks(&["message_sending"])];
    let extra = "[plugins.entries.strict]\non_error = \"fail-closed\"\n[plugins.entries.strict.config]\nhook_fault = \"trap\"\n";
    let runtime = start(dir.path(), &zoos, extra).await;
    let runner = HookRunner::new(runtime.registry().clone());
    let reply = HookPayload::MessageSending(OutboundMessage {
        channel: "cli".into(),
        recipient: "u".into(),
        content: "hi".into(),
    });
    let HookFlow::Cancelled { reason, .. } = runner.run_payload(&HookContext::agent("t"), reply).await else {
        panic!("fail-closed cancels")
    };
    assert!(reason.contains("wasm:strict@0.1.0 failed") && reason.contains("trap"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_faults_come_back_as_runtime_failures() {
    let _ = crate::guests::built();
    let dir = tempfile::tempdir().unwrap();
    let extra = "[plugins.entries.prov.config]\nprovider_fault = \"grow_memory\"\n[plugins.entries.prov.limits]\nmemory_mb = 16\n";
    let runtime = start(dir.path(), &[Zoo::new("prov")], extra).await;
    let snapshot = runtime.snapshot();
    let provider = &snapshot.provider("faulty_prov").unwrap().provider;
    let err = provider.chat(&ChatRequest::default()).await.unwrap_err();
    assert!(
        matches!(&err, zeroclaw_plugin_api::ProviderError::Runtime(f) if f.kind == FailureKind::MemoryLimit),
        "{err:?}"
    );
    assert!(!err.is_retryable(), "a trapping plugin is not retried on the same provider");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_on_concurrency_fuel_and_payload_are_enforced() {
    let _ = crate::guests::built();
    let dir = tempfile::tempdir().unwrap();
    let zoos = [Zoo::new("busy"), Zoo::new("fuel"), Zoo::new("small")];
    let extra = "[plugins.entries.busy.limits]\nmax_concurrency = 1\ntimeout_ms = 300\nfailure_threshold = 100\n\
                 [plugins.entries.fuel.limits]\nfuel = 5000000\ntimeout_ms = 10000\n\
                 [plugins.entries.small.limits]\nmax_payload_bytes = 64\n";
    let runtime = start(dir.path(), &zoos, extra).await;
    let snapshot = runtime.snapshot();

    // Three calls at once on one slot: the first holds it (sleeping in a host call, cut at
    // its deadline); the others wait their whole timeout for it and fail as busy.
    let sleep = || fault(&snapshot, &zoos[0], serde_json::json!({"kind": "sleep", "ms": 5000}));
    let results = futures::future::join_all([sleep(), sleep(), sleep()]).await;
    let mut kinds: Vec<FailureKind> = results.into_iter().map(|r| runtime_failure(r).kind).collect();
    kinds.sort_by_key(|k| k.as_str());
    assert_eq!(kinds, [FailureKind::Busy, FailureKind::Busy, FailureKind::Timeout]);
    assert_eq!(fault(&snapshot, &zoos[0], ok_kind()).await.unwrap(), "fine", "the slot is free again");

    let failure = runtime_failure(fault(&snapshot, &zoos[1], serde_json::json!({"kind": "spin"})).await);
    assert_eq!(failure.kind, FailureKind::FuelExhausted, "{failure}");

    let big = serde_json::json!({"kind": "ok", "content": "x".repeat(100)});
    let failure = runtime_failure(fault(&snapshot, &zoos[2], big).await);
    assert_eq!(failure.kind, FailureKind::PayloadTooLarge, "{failure}");
    assert_eq!(fault(&snapshot, &zoos[2], ok_kind()).await.unwrap(), "fine");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_quarantine_a_plugin_until_its_cooldown_ends() {
    let _ = crate::guests::built();
    let dir = tempfile::tempdir().unwrap();
    let zoo = Zoo::new("flaky");
    let extra = "[plugins.entries.flaky.limits]\nfailure_threshold = 3\nquarantine_ms = 300\n";
    let runtime = start(dir.path(), &[Zoo::new("flaky")], extra).await;
    let mut events = runtime.wasm().unwrap().events();
    let snapshot = runtime.snapshot();
    for _ in 0..3 {
        assert_eq!(
            runtime_failure(fault(&snapshot, &zoo, serde_json::json!({"kind": "trap"})).await).kind,
            FailureKind::Trap
        );
    }
    let event = events.try_recv().expect("a quarantine event");
    assert!(
        matches!(&event, zeroclaw::plugins::wasm::RuntimeEvent::Quarantined { owner, .. } if owner.plugin_id() == "flaky"),
        "{event:?}"
    );
    let failure = runtime_failure(fault(&snapshot, &zoo, ok_kind()).await);
    assert_eq!(failure.kind, FailureKind::Quarantined, "calls are refused while quarantined: {failure}");
    let row = snapshot.rows().into_iter().find(|r| r.name == "flaky").expect("listed while quarantined");
    assert!(row.status.starts_with("quarantined"), "{row:?}");
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(fault(&snapshot, &zoo, ok_kind()).await.unwrap(), "fine", "it recovers by itself");
    assert!(matches!(events.try_recv(), Ok(zeroclaw::plugins::wasm::RuntimeEvent::Recovered { .. })));
    assert!(snapshot.rows().iter().all(|r| r.name != "flaky"), "no longer listed as quarantined");
}

/// A one-shot HTTP server on 127.0.0.1 that counts the connections it accepts.
fn http_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut stream = stream;
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
        }
    });
    (port, hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_escape_is_refused_and_nothing_is_reached() {
    let _ = crate::guests::built();
    let dir = tempfile::tempdir().unwrap();
    let jail = dir.path().join("jail");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&jail).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "top secret").unwrap();
    std::os::unix::fs::symlink(&outside, jail.join("link")).unwrap();
    // SAFETY: set before any plugin thread reads it; no other test reads this variable.
    unsafe { std::env::set_var("ZEROCLAW_TEST_SECRET", "hunter2") };
    let (port, hits) = http_server();
    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    socket.set_nonblocking(true).unwrap();
    let socket_addr = socket.local_addr().unwrap();

    let zoo = Zoo::new("escaper").caps(&["fs:write"]);
    let extra =
        format!("[plugins.entries.escaper]\ngrant = [\"fs:write\"]\nfs_write = [{:?}]\n", jail.display().to_string());
    let runtime = start(dir.path(), &[Zoo::new("escaper").caps(&["fs:write"])], &extra).await;
    let snapshot = runtime.snapshot();
    let jail_text = std::fs::canonicalize(&jail).unwrap().display().to_string();
    let attempts = [
        serde_json::json!({"kind": "read_file", "path": "/etc/passwd"}),
        serde_json::json!({"kind": "read_file", "path": format!("{jail_text}/../outside/secret.txt")}),
        serde_json::json!({"kind": "read_file", "path": format!("{jail_text}/link/secret.txt")}),
        serde_json::json!({"kind": "write_file", "path": format!("{jail_text}/../outside/pwned.txt"), "content": "x"}),
        serde_json::json!({"kind": "write_file", "path": format!("{jail_text}/link/pwned.txt"), "content": "x"}),
        serde_json::json!({"kind": "write_file", "path": "/tmp/zeroclaw-pwned.txt", "content": "x"}),
        serde_json::json!({"kind": "env", "name": "ZEROCLAW_TEST_SECRET"}),
        serde_json::json!({"kind": "env", "name": "HOME"}),
        serde_json::json!({"kind": "connect", "addr": socket_addr.to_string()}),
        serde_json::json!({"kind": "http_get", "url": format!("http://127.0.0.1:{port}/")}),
        serde_json::json!({"kind": "kv_set", "key": "k", "value": "v"}),
    ];
    for attempt in attempts {
        let result = fault(&snapshot, &zoo, attempt.clone()).await;
        let Err(ToolError::Execution(message)) = &result else {
            panic!("{attempt}: expected a refusal, got {result:?}")
        };
        assert!(
            !message.contains("top secret") && !message.contains("hunter2") && !message.contains("root:"),
            "{attempt}: {message}"
        );
    }
    let kv = fault(&snapshot, &zoo, serde_json::json!({"kind": "kv_get", "key": "k"})).await.unwrap_err().to_string();
    assert!(kv.contains("`kv` is not granted"), "the refusal says why: {kv}");
    assert!(
        kv.contains("to `capabilities` in the plugin's plugin.toml") && kv.contains("plugins.entries.escaper.grant"),
        "the refusal names the whole fix, manifest and grant at once: {kv}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the HTTP server was never reached");
    assert!(socket.accept().is_err(), "the socket was never reached");
    assert!(!outside.join("pwned.txt").exists() && !Path::new("/tmp/zeroclaw-pwned.txt").exists());
    // The grant itself works, and only inside the jail.
    let inside = format!("{jail_text}/ok.txt");
    assert_eq!(
        fault(&snapshot, &zoo, serde_json::json!({"kind": "write_file", "path": inside, "content": "fine"}))
            .await
            .unwrap(),
        format!("wrote {inside}")
    );
    assert_eq!(std::fs::read_to_string(jail.join("ok.txt")).unwrap(), "fine");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capability_matrix() {
    let _ = crate::guests::built();
    let (port, hits) = http_server();
    let (other_port, other_hits) = http_server();
    let dir = tempfile::tempdir().unwrap();
    let readable = dir.path().join("readable");
    std::fs::create_dir_all(&readable).unwrap();
    std::fs::write(readable.join("data.txt"), "data").unwrap();
    let readable = std::fs::canonicalize(&readable).unwrap().display().to_string();
    // SAFETY: set before any plugin thread reads them; no other test reads these variables.
    unsafe {
        std::env::set_var("ZEROCLAW_MATRIX_VISIBLE", "yes");
        std::env::set_var("ZEROCLAW_MATRIX_HIDDEN", "no");
    }
    type Probe = (&'static str, serde_json::Value, &'static str);
    let probes: Vec<Probe> = vec![
        ("kv", serde_json::json!({"kind": "kv_set", "key": "k", "value": "v"}), "set k"),
        (
            "http:outbound",
            serde_json::json!({"kind": "http_get", "url": format!("http://127.0.0.1:{port}/")}),
            "status 200",
        ),
        ("fs:read", serde_json::json!({"kind": "read_file", "path": format!("{readable}/data.txt")}), "data"),
        (
            "fs:write",
            serde_json::json!({"kind": "write_file", "path": format!("{readable}/new.txt"), "content": "n"}),
            "wrote",
        ),
        ("env", serde_json::json!({"kind": "env", "name": "ZEROCLAW_MATRIX_VISIBLE"}), "yes"),
    ];
    let entry = |id: &str, cap: &str| -> String {
        let lists = match cap {
            "http:outbound" => format!("http_allow = [\"127.0.0.1:{port}\"]\n"),
            "fs:read" => format!("fs_read = [{readable:?}]\n"),
            "fs:write" => format!("fs_write = [{readable:?}]\n"),
            "env" => "env = [\"ZEROCLAW_MATRIX_VISIBLE\"]\n".to_string(),
            _ => String::new(),
        };
        format!("[plugins.entries.{id}]\ngrant = [\"{cap}\"]\n{lists}")
    };
    for (cap, probe, works) in &probes {
        let slug = cap.replace(':', "-");
        let (granted, ungranted, denied) = (format!("{slug}-yes"), format!("{slug}-no"), format!("{slug}-deny"));
        let root = dir.path().join(&slug);
        // Requested and granted; not requested (so not grantable); requested but globally denied.
        let zoos = [
            Zoo::new(&granted).caps(std::slice::from_ref(cap)),
            Zoo::new(&ungranted),
            Zoo::new(&denied).caps(std::slice::from_ref(cap)),
        ];
        let mut extra = entry(&granted, cap);
        extra.push_str(&entry(&ungranted, cap));
        extra.push_str(&entry(&denied, cap));
        let runtime = start(&root, &zoos, &extra).await;
        let snapshot = runtime.snapshot();
        let out = fault(&snapshot, &zoos[0], probe.clone()).await;
        assert!(out.as_ref().is_ok_and(|o| o.contains(works)), "{cap}: works when granted: {out:?}");
        let out = fault(&snapshot, &zoos[1], probe.clone()).await;
        assert!(out.is_err(), "{cap}: denied without a request and grant: {out:?}");
        // Globally denied: a plugin requesting it is refused at load.
        let denied_root = dir.path().join(format!("{slug}-global"));
        let zoos = [Zoo::new(&denied).caps(std::slice::from_ref(cap))];
        let extra = format!("{}[plugins.capabilities]\ndeny = [\"{cap}\"]\n", entry(&denied, cap));
        let runtime = start(&denied_root, &zoos, &extra).await;
        let record = runtime.snapshot().plugins().iter().find(|p| p.id == denied).unwrap().clone();
        assert!(
            matches!(&record.status, PluginStatus::Failed(r) if r.contains("plugins.capabilities.deny forbids it")),
            "{cap}: {:?}",
            record.status
        );
    }
    // Never wider than granted.
    let root = dir.path().join("narrow");
    let zoos = [Zoo::new("narrow").caps(&["http:outbound", "fs:read", "env"])];
    let extra = format!(
        "[plugins.entries.narrow]\ngrant = [\"http:outbound\", \"fs:read\", \"env\"]\nhttp_allow = [\"127.0.0.1:{port}\"]\nfs_read = [{readable:?}]\nenv = [\"ZEROCLAW_MATRIX_VISIBLE\"]\n"
    );
    let runtime = start(&root, &zoos, &extra).await;
    let snapshot = runtime.snapshot();
    let narrow = &zoos[0];
    let wider = [
        serde_json::json!({"kind": "http_get", "url": format!("http://127.0.0.1:{other_port}/")}),
        serde_json::json!({"kind": "http_get", "url": format!("http://localhost:{port}/")}),
        serde_json::json!({"kind": "write_file", "path": format!("{readable}/w.txt"), "content": "w"}),
        serde_json::json!({"kind": "read_file", "path": "/etc/hostname"}),
        serde_json::json!({"kind": "env", "name": "ZEROCLAW_MATRIX_HIDDEN"}),
        serde_json::json!({"kind": "kv_set", "key": "k", "value": "v"}),
    ];
    for probe in wider {
        assert!(fault(&snapshot, narrow, probe.clone()).await.is_err(), "{probe} must be refused");
    }
    assert_eq!(other_hits.load(Ordering::SeqCst), 0);
    assert_eq!(hits.load(Ordering::SeqCst), 1, "only the granted probe reached the allowed server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_persists_across_fresh_instances_and_restarts_within_quota() {
    let _ = crate::guests::built();
    let dir = tempfile::tempdir().unwrap();
    let zoo = Zoo::new("keeper").caps(&["kv"]);
    let extra = "[plugins.entries.keeper]\ngrant = [\"kv\"]\n[plugins.entries.keeper.limits]\nkv_max_keys = 2\n";
    let runtime = start(dir.path(), &[Zoo::new("keeper").caps(&["kv"])], extra).await;
    let snapshot = runtime.snapshot();
    let set = |key: &str| serde_json::json!({"kind": "kv_set", "key": key, "value": format!("value of {key}")});
    assert_eq!(fault(&snapshot, &zoo, set("a")).await.unwrap(), "set a");
    assert_eq!(fault(&snapshot, &zoo, set("b")).await.unwrap(), "set b");
    let over = fault(&snapshot, &zoo, set("c")).await.unwrap_err().to_string();
    assert!(over.contains("Quota") && over.contains("kv_max_keys"), "{over}");
    drop((snapshot, runtime));
    let runtime = start(dir.path(), &[Zoo::new("keeper").caps(&["kv"])], extra).await;
    let got = fault(&runtime.snapshot(), &zoo, serde_json::json!({"kind": "kv_get", "key": "a"})).await.unwrap();
    assert_eq!(got, "value of a", "state survives fresh instances and a restart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_conversation_read_content_is_redacted_and_cannot_be_rewritten() {
    let _ = crate::guests::built();
    let dir = tempfile::tempdir().unwrap();
    let zoos = [
        Zoo::new("blind").caps(&["messages:modify"]).hooks(&["message_sending"]),
        Zoo::new("reader").caps(&["messages:modify", "conversation:read"]).hooks(&["message_sending"]),
    ];
    let extra = "[plugins.entries.blind]\ngrant = [\"messages:modify\"]\npriority = 10\n[plugins.entries.blind.config]\nhook_fault = \"echo_modify\"\n\
                 [plugins.entries.reader]\ngrant = [\"messages:modify\", \"conversation:read\"]\n[plugins.entries.reader.config]\nhook_fault = \"report\"\n";
    let runtime = start(dir.path(), &zoos, extra).await;
    let runner = HookRunner::new(runtime.registry().clone());
    let reply = HookPayload::MessageSending(OutboundMessage {
        channel: "cli".into(),
        recipient: "u".into(),
        content: "the secret plan".into(),
    });
    let flow = runner.run_payload(&HookContext::agent("t"), reply).await;
    // `blind` (first) saw it redacted and tried to write it back: refused. `reader` then
    // saw the real content and reported it.
    let HookFlow::Cancelled { reason, .. } = flow else { panic!("reader reports by cancelling") };
    assert!(reason.contains("the secret plan") && !reason.contains(REDACTED), "{reason}");
    let entry = |id: &str| {
        runtime
            .snapshot()
            .hooks(zeroclaw_plugin_api::HookPoint::MessageSending)
            .iter()
            .find(|e| e.owner.plugin_id() == id)
            .unwrap()
            .stats
            .view()
    };
    assert_eq!(entry("blind").errors, 1, "the blind rewrite was refused");

    let dir = tempfile::tempdir().unwrap();
    let zoos = [Zoo::new("peek").caps(&["messages:modify"]).hooks(&["message_sending"])];
    let extra = "[plugins.entries.peek]\ngrant = [\"messages:modify\"]\n[plugins.entries.peek.config]\nhook_fault = \"report\"\n";
    let runtime = start(dir.path(), &zoos, extra).await;
    let runner = HookRunner::new(runtime.registry().clone());
    let reply = HookPayload::MessageSending(OutboundMessage {
        channel: "cli".into(),
        recipient: "u".into(),
        content: "the secret plan".into(),
    });
    let HookFlow::Cancelled { reason, .. } = runner.run_payload(&HookContext::agent("t"), reply).await else {
        panic!()
    };
    assert!(reason.contains(REDACTED) && !reason.contains("secret"), "{reason}");
}

fn resident_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).unwrap_or(0) * 4
}

/// Runs in a process of its own (see below): how much the host's resident memory grows
/// while a plugin capped at 64 MiB tries to allocate without end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by rss_stays_within_the_memory_cap_plus_a_margin in a process of its own"]
async fn rss_probe() {
    if std::env::var_os("ZEROCLAW_RSS_PROBE").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let zoo = Zoo::new("hog");
    let extra = "[plugins.entries.hog.limits]\nmemory_mb = 64\ntimeout_ms = 10000\n";
    let runtime = start(dir.path(), &[Zoo::new("hog")], extra).await;
    let snapshot = runtime.snapshot();
    assert_eq!(fault(&snapshot, &zoo, ok_kind()).await.unwrap(), "fine");
    let baseline = resident_kib();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let sampler = std::thread::spawn(move || {
        let mut peak = 0;
        while !flag.load(Ordering::Relaxed) {
            peak = peak.max(resident_kib());
            std::thread::sleep(Duration::from_millis(1));
        }
        peak
    });
    let failure = runtime_failure(fault(&snapshot, &zoo, serde_json::json!({"kind": "grow_memory"})).await);
    stop.store(true, Ordering::Relaxed);
    let peak = sampler.join().unwrap().max(resident_kib());
    assert_eq!(failure.kind, FailureKind::MemoryLimit, "{failure}");
    println!("peak_growth_kib={}", peak.saturating_sub(baseline));
}

#[test]
fn rss_stays_within_the_memory_cap_plus_a_margin() {
    let _ = crate::guests::built();
    // Alone in its process, so no other test's allocations are counted.
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "sandbox::rss_probe", "--ignored", "--nocapture", "--test-threads=1"])
        .env("ZEROCLAW_RSS_PROBE", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let growth: u64 = stdout
        .lines()
        .find_map(|l| l.split("peak_growth_kib=").nth(1))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no measurement in: {stdout}"));
    let (cap, margin) = (64 * 1024, 32 * 1024);
    assert!(growth <= cap + margin, "resident memory grew by {growth} KiB, over the 64 MiB cap + 32 MiB margin");
    assert!(growth >= 16 * 1024, "the plugin did allocate (grew by {growth} KiB): the probe measured something");
}
