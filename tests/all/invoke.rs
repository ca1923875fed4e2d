//! Plugins call tools (`tools:invoke`, contract 1.1): through the agent's tool pipeline,
//! under the same policy and hooks as the model's calls, within a depth limit, and never
//! waiting on a slot their own call chain holds.

use std::path::Path;
use std::sync::Arc;

use zeroclaw::agent::Agent;
use zeroclaw_plugin_api::{HookPayload, ToolError};

use crate::agent::config;
use crate::recorder;
use crate::sandbox::{Zoo, install};

/// An agent `id` with the zoo `caller` installed, its manifest requesting `capabilities`;
/// `rest` is config after `[plugins]`.
async fn agent(root: &Path, id: &str, capabilities: &[&str], rest: &str) -> Arc<Agent> {
    let _ = crate::guests::built();
    install(root, &Zoo::new("caller").caps(capabilities));
    let rest = format!("[plugins.entries.caller.config]\ntool_name = \"fault_caller\"\n{rest}");
    Agent::start(config(root, id, true, "", &rest)).await.expect("the agent starts")
}

/// Runs the zoo's tool with `args` (the call a model would make; what it calls in turn
/// goes through the pipeline).
async fn call(agent: &Agent, args: serde_json::Value) -> Result<String, ToolError> {
    let snapshot = agent.runtime().snapshot();
    let tool = snapshot.tool("fault_caller").expect("the zoo's tool is loaded");
    tool.invoke(&args).await
}

fn invoke(tool: &str, args: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"kind": "invoke", "name": tool, "value": args.to_string()})
}

/// The zoo's error text (its tool fails with what the nested call answered).
fn refusal(result: Result<String, ToolError>) -> String {
    match result {
        Err(ToolError::Execution(message)) => message,
        other => panic!("expected the nested call to be refused, got {other:?}"),
    }
}

/// `tools:invoke` granted (`nope` is listed and no tool has that name); the zoo's own
/// tool (an act tool) allowed by the policy, as it
/// calls itself in some tests.
const GRANTED: &str = "[plugins.entries.caller]\ngrant = [\"tools:invoke\"]\ninvoke_allow = [\"calculator\", \"file_write\", \"fault_caller\", \"nope\"]\n[security]\nallow_tools = [\"fault_caller\"]\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_calls_an_allowed_tool_through_the_pipeline_and_its_hooks() {
    let dir = tempfile::tempdir().unwrap();
    let agent = agent(dir.path(), "invoke-ok", &["tools:invoke"], GRANTED).await;
    let answer = call(&agent, invoke("calculator", serde_json::json!({"expression": "2+3"}))).await;
    assert_eq!(answer.unwrap(), "5");
    // The same hooks as a model's call, in the same order.
    let seen: Vec<String> = recorder::recorded("invoke-ok")
        .iter()
        .filter_map(|p| match p {
            HookPayload::BeforeToolCall(c) => Some(format!("before {}", c.name)),
            HookPayload::ToolResultPersist(p) => Some(format!("persist {}", p.result.content)),
            HookPayload::AfterToolCall(a) => Some(format!("after {} {}", a.call.name, a.owner)),
            _ => None,
        })
        .collect();
    assert_eq!(seen, ["before calculator", "persist 5", "after calculator native:calculator"]);
    // The tool's schema judges the arguments, as for any call.
    let bad = refusal(call(&agent, invoke("calculator", serde_json::json!({"expression": 5}))).await);
    assert!(bad.starts_with("invalid arguments: Invalid arguments for `calculator`"), "{bad}");
    let missing = refusal(call(&agent, invoke("nope", serde_json::json!({}))).await);
    assert!(missing.contains("not found: There is no tool named `nope`"), "{missing}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_without_the_capability_is_refused_with_the_whole_fix() {
    let dir = tempfile::tempdir().unwrap();
    let agent = agent(dir.path(), "invoke-ungranted", &[], "").await;
    let refused = refusal(call(&agent, invoke("calculator", serde_json::json!({"expression": "1"}))).await);
    assert!(refused.starts_with("denied: `tools:invoke` is not granted"), "{refused}");
    assert!(refused.contains("plugins.entries.caller.grant = [\"tools:invoke\"]"), "{refused}");
    assert!(recorder::recorded("invoke-ungranted").iter().all(|p| !matches!(p, HookPayload::BeforeToolCall(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_off_the_allowlist_is_refused_before_the_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let rest = "[plugins.entries.caller]\ngrant = [\"tools:invoke\"]\ninvoke_allow = [\"clock\"]\n";
    let agent = agent(dir.path(), "invoke-unlisted", &["tools:invoke"], rest).await;
    let refused = refusal(call(&agent, invoke("calculator", serde_json::json!({"expression": "1"}))).await);
    assert_eq!(
        refused,
        "denied: `calculator` is not in plugins.entries.caller.invoke_allow; add it there to let `caller` call it"
    );
    assert!(recorder::recorded("invoke-unlisted").iter().all(|p| !matches!(p, HookPayload::BeforeToolCall(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_granted_capability_without_a_tool_list_refuses_the_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let agent =
        agent(dir.path(), "invoke-empty", &["tools:invoke"], "[plugins.entries.caller]\ngrant = [\"tools:invoke\"]\n")
            .await;
    let snapshot = agent.runtime().snapshot();
    let record = snapshot.plugins().iter().find(|p| p.id == "caller").unwrap();
    let status = format!("{:?}", record.status);
    assert!(
        status.contains("`tools:invoke` is granted but plugins.entries.caller.invoke_allow lists no tool"),
        "{status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_nest_only_as_deep_as_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let agent = agent(dir.path(), "invoke-deep", &["tools:invoke"], GRANTED).await;
    let deep = refusal(call(&agent, serde_json::json!({"kind": "invoke_self", "name": "fault_caller"})).await);
    // Each level reports the level below it; the innermost says why it stopped.
    assert!(deep.starts_with("failed: `fault_caller` failed:"), "{deep}");
    assert!(
        deep.contains("limit: calling `fault_caller` would nest plugin calls 5 deep (caller → caller → caller → caller → caller); plugins.limits.invoke_max_depth is 4"),
        "{deep}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_calling_itself_with_its_only_slot_is_refused_at_once_not_deadlocked() {
    let dir = tempfile::tempdir().unwrap();
    let rest = format!("{GRANTED}[plugins.entries.caller.limits]\nmax_concurrency = 1\ntimeout_ms = 60000\n");
    let agent = agent(dir.path(), "invoke-self", &["tools:invoke"], &rest).await;
    let busy = refusal(call(&agent, serde_json::json!({"kind": "invoke_self", "name": "fault_caller"})).await);
    // Refused at once with busy: were it waiting for its own slot, the call would instead
    // end at its 60 s deadline with a limit.
    assert!(busy.starts_with("failed: `fault_caller` failed:"), "{busy}");
    assert!(busy.contains("busy: `caller` is already running in this call chain (caller)"), "{busy}");
    assert!(!busy.contains("did not finish"), "{busy}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_act_tool_is_refused_under_read_only_as_for_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let rest = GRANTED.replace("[security]\n", "[security]\nautonomy = \"read_only\"\n");
    let agent = agent(dir.path(), "invoke-readonly", &["tools:invoke"], &rest).await;
    let write = invoke("file_write", serde_json::json!({"path": "pwned.txt", "content": "x"}));
    let refused = refusal(call(&agent, write).await);
    assert!(refused.starts_with("denied: The call to `file_write` is not permitted"), "{refused}");
    assert!(refused.contains("read_only"), "{refused}");
    assert!(!dir.path().join("pwned.txt").exists());
    // A read tool is still allowed.
    assert_eq!(call(&agent, invoke("calculator", serde_json::json!({"expression": "6*7"}))).await.unwrap(), "42");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_stats_example_reads_through_file_read_and_its_confinement() {
    let dir = tempfile::tempdir().unwrap();
    crate::guests::install_guest("file-stats", &dir.path().join("plugins"));
    std::fs::write(dir.path().join("notes.txt"), "one two\nthree\n").unwrap();
    // A secret file in the workspace is the host's: no tool reads it, through a plugin or not.
    std::fs::write(dir.path().join("token.txt"), "zc-secret-in-workspace").unwrap();
    let rest = "[plugins.entries.file-stats]\ngrant = [\"tools:invoke\"]\ninvoke_allow = [\"file_read\"]\n\
                [plugins.entries.other.secrets.t]\nfile = \"token.txt\"\nhosts = [\"a.example\"]\n";
    let agent = Agent::start(config(dir.path(), "file-stats", true, "", rest)).await.unwrap();
    let snapshot = agent.runtime().snapshot();
    let tool = snapshot.tool("file_stats").expect("the example's tool is loaded");
    let stats: serde_json::Value =
        serde_json::from_str(&tool.invoke(&serde_json::json!({"path": "notes.txt"})).await.unwrap()).unwrap();
    assert_eq!((stats["lines"].as_u64(), stats["words"].as_u64()), (Some(2), Some(3)));
    // The host's confinement judges the read, not the plugin.
    let outside = tool.invoke(&serde_json::json!({"path": "../../etc/passwd"})).await.unwrap_err().to_string();
    assert!(outside.contains("cannot read ../../etc/passwd: failed: "), "{outside}");
    assert!(!outside.contains("root:"), "{outside}");
    let secret = tool.invoke(&serde_json::json!({"path": "token.txt"})).await.unwrap_err().to_string();
    assert!(secret.contains("cannot read token.txt: failed: ") && !secret.contains("zc-secret"), "{secret}");
}

/// Records the depth of the call chain each observer event is handled in.
struct ChainDepths(Arc<parking_lot::Mutex<Vec<usize>>>);

#[zeroclaw_plugin_api::async_trait]
impl zeroclaw_plugin_api::HookHandler for ChainDepths {
    fn name(&self) -> &str {
        "depths"
    }

    fn subscriptions(&self) -> Vec<zeroclaw_plugin_api::Subscription> {
        vec![zeroclaw_plugin_api::Subscription::new(zeroclaw_plugin_api::HookPoint::ObserverEvent, 0)]
    }

    async fn handle(
        &self,
        _ctx: &zeroclaw_plugin_api::HookContext,
        _payload: &HookPayload,
    ) -> Result<zeroclaw_plugin_api::HookOutcome, zeroclaw_plugin_api::HookError> {
        self.0.lock().push(zeroclaw::plugins::invoke::CallChain::current().depth());
        Ok(zeroclaw_plugin_api::HookOutcome::Continue)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_observer_event_of_a_plugin_call_is_handled_inside_its_chain_so_a_loop_meets_the_depth_limit() {
    use zeroclaw::observability::{Event, Observer, ObserverBridge};
    use zeroclaw::plugins::invoke::CallChain;
    let depths = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let mut builder = zeroclaw::plugins::SnapshotBuilder::new(1);
    builder.add_hook(
        zeroclaw_plugin_api::HookPoint::ObserverEvent,
        zeroclaw::plugins::HookEntry {
            owner: zeroclaw_plugin_api::Owner::native("depths"),
            handler_name: "depths".into(),
            priority: 0,
            handler: Arc::new(ChainDepths(depths.clone())),
            on_error: zeroclaw::config::OnError::FailOpen,
            timeout: std::time::Duration::from_secs(5),
            rights: zeroclaw::plugins::capability::RightSet::default(),
            stats: Arc::default(),
        },
    );
    let registry = Arc::new(zeroclaw::plugins::Registry::new(builder.build().unwrap()));
    let (bridge, _task) = ObserverBridge::start(zeroclaw::hooks::HookRunner::new(registry), "t".into(), 16);
    let event = Event::ToolCallStart { tool: "clock".into(), owner: zeroclaw_plugin_api::Owner::native("clock") };
    bridge.record(&event);
    CallChain::default().child("a").child("b").scope(async { bridge.record(&event) }).await;
    for _ in 0..600 {
        if depths.lock().len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(*depths.lock(), [0, 2], "outside any chain, then inside `a → b`");
}
