//! HookRunner semantics: order, chaining, cancel, failures, timeouts, refusals.

use std::time::Duration;

use zeroclaw::hooks::HookFlow;
use zeroclaw::plugins::capability::RightSet;
use zeroclaw_plugin_api::{GatewayStart, HookPayload, HookPoint, MutationRight, Owner};

use crate::support::{Script, Spec, agent_start, context_of, ctx, runner};

fn ordered_specs() -> Vec<Spec> {
    vec![
        Spec::new("beta", "b", 10, Script::Append),
        Spec::new("alpha", "z", 0, Script::Append),
        Spec::new("alpha", "a", 0, Script::Append),
        Spec::new("gamma", "a", 100, Script::Append),
        Spec::new("alpha", "m", 10, Script::Append),
    ]
}

const EXPECTED_ORDER: [&str; 5] = ["gamma/a", "alpha/m", "beta/b", "alpha/a", "alpha/z"];

#[tokio::test]
async fn order_is_priority_then_plugin_then_handler_whatever_the_registration_order() {
    let specs = ordered_specs();
    // Every rotation and the reverse of every rotation: the result must never change.
    for shift in 0..specs.len() {
        let mut rotated = specs.clone();
        rotated.rotate_left(shift);
        for order in [rotated.clone(), rotated.into_iter().rev().collect()] {
            let (runner, calls, _) = runner(HookPoint::BeforeAgentStart, &order);
            let HookFlow::Continue(out) = runner.run_payload(&ctx(), agent_start()).await else { panic!("cancelled") };
            assert_eq!(context_of(&out), EXPECTED_ORDER, "each handler sees the previous output, in order");
            assert_eq!(*calls.lock(), EXPECTED_ORDER);
        }
    }
}

#[tokio::test]
async fn cancel_stops_lower_priority_handlers() {
    let (runner, calls, _) = runner(
        HookPoint::BeforeAgentStart,
        &[
            Spec::new("a", "first", 30, Script::Append),
            Spec::new("b", "blocker", 20, Script::Cancel("policy says no")),
            Spec::new("c", "never", 10, Script::Append),
        ],
    );
    let flow = runner.run_payload(&ctx(), agent_start()).await;
    assert_eq!(flow, HookFlow::Cancelled { reason: "policy says no".into(), by: Owner::native("b") });
    assert_eq!(*calls.lock(), ["a/first", "b/blocker"], "the handler below the cancel never ran");
}

#[tokio::test]
async fn fail_open_skips_the_failing_handler_and_keeps_the_previous_value() {
    let (runner, calls, stats) = runner(
        HookPoint::BeforeAgentStart,
        &[
            Spec::new("a", "first", 30, Script::Append),
            Spec::new("b", "broken", 20, Script::Fail),
            Spec::new("c", "panics", 15, Script::Panic),
            Spec::new("d", "last", 10, Script::Append),
        ],
    );
    let HookFlow::Continue(out) = runner.run_payload(&ctx(), agent_start()).await else {
        panic!("fail-open must not cancel")
    };
    assert_eq!(context_of(&out), ["a/first", "d/last"]);
    assert_eq!(calls.lock().len(), 4);
    assert_eq!(stats[1].view().errors, 1, "the error is counted");
    assert_eq!(stats[2].view().errors, 1, "the panic is counted");
    assert_eq!(stats[3].view().errors, 0);
}

#[tokio::test]
async fn fail_closed_turns_a_failure_into_a_cancel() {
    for script in [Script::Fail, Script::Panic] {
        let (runner, calls, _) = runner(
            HookPoint::BeforeAgentStart,
            &[Spec::new("guard", "check", 20, script).fail_closed(), Spec::new("z", "after", 10, Script::Append)],
        );
        let HookFlow::Cancelled { reason, by } = runner.run_payload(&ctx(), agent_start()).await else {
            panic!("fail-closed must cancel")
        };
        assert_eq!(by, Owner::native("guard"));
        assert!(reason.contains("native:guard failed") && reason.contains("fail-closed"), "{reason}");
        assert_eq!(*calls.lock(), ["guard/check"]);
    }
}

#[tokio::test(start_paused = true)]
async fn a_slow_modifying_handler_is_cut_at_its_timeout() {
    let (runner, calls, stats) = runner(
        HookPoint::BeforeAgentStart,
        &[
            Spec::new("slow", "sleeper", 20, Script::Sleep(Duration::from_secs(3600)))
                .timeout(Duration::from_millis(50)),
            Spec::new("z", "after", 10, Script::Append),
        ],
    );
    let started = tokio::time::Instant::now();
    let HookFlow::Continue(out) = runner.run_payload(&ctx(), agent_start()).await else { panic!("fail-open") };
    assert_eq!(started.elapsed(), Duration::from_millis(50), "cut exactly at the timeout");
    assert_eq!(context_of(&out), ["z/after"]);
    assert_eq!(calls.lock().len(), 2);
    assert_eq!(stats[0].view().timeouts, 1);
}

#[tokio::test(start_paused = true)]
async fn panicking_and_slow_void_handlers_do_not_hold_up_the_chain_past_the_timeout() {
    let gateway = HookPayload::GatewayStart(GatewayStart { bind_addr: "127.0.0.1:0".into() });
    let (runner, calls, stats) = runner(
        HookPoint::GatewayStart,
        &[
            Spec::new("a", "panics", 0, Script::Panic),
            Spec::new("b", "sleeps", 0, Script::Sleep(Duration::from_secs(3600))).timeout(Duration::from_millis(100)),
            Spec::new("c", "quick", 0, Script::Continue),
        ],
    );
    let started = tokio::time::Instant::now();
    runner.fire_payload(&ctx(), &gateway).await;
    assert_eq!(started.elapsed(), Duration::from_millis(100), "bounded by the slow handler's timeout");
    let mut ran = calls.lock().clone();
    ran.sort();
    assert_eq!(ran, ["a/panics", "b/sleeps", "c/quick"], "every handler ran");
    assert_eq!(stats[0].view().errors, 1);
    assert_eq!(stats[1].view().timeouts, 1);
    assert_eq!(stats[2].view().errors, 0);
}

#[tokio::test(start_paused = true)]
async fn void_handlers_run_concurrently() {
    let gateway = HookPayload::GatewayStart(GatewayStart { bind_addr: "127.0.0.1:0".into() });
    let sleepy: Vec<Spec> = ["a", "b", "c", "d"]
        .into_iter()
        .map(|p| Spec::new(p, "nap", 0, Script::Sleep(Duration::from_millis(100))))
        .collect();
    let (runner, calls, _) = runner(HookPoint::GatewayStart, &sleepy);
    let started = tokio::time::Instant::now();
    runner.fire_payload(&ctx(), &gateway).await;
    assert_eq!(started.elapsed(), Duration::from_millis(100), "four 100 ms naps overlap");
    assert_eq!(calls.lock().len(), 4);
}

#[tokio::test]
async fn a_modify_that_changes_the_payload_kind_is_refused() {
    let wrong = HookPayload::GatewayStart(GatewayStart { bind_addr: "evil".into() });
    let (runner, _, stats) = runner(
        HookPoint::BeforeAgentStart,
        &[Spec::new("a", "wrong_kind", 20, Script::Replace(wrong)), Spec::new("b", "after", 10, Script::Append)],
    );
    let HookFlow::Continue(out) = runner.run_payload(&ctx(), agent_start()).await else {
        panic!("refusal is not a cancel")
    };
    assert_eq!(context_of(&out), ["b/after"], "the unchanged value passed on");
    assert_eq!(stats[0].view().refused, 1);
}

#[tokio::test]
async fn a_rewrite_or_cancel_without_the_right_is_refused() {
    let tool_results_only = RightSet::NONE.with(MutationRight::ToolResults);
    let (runner, calls, stats) = runner(
        HookPoint::BeforeAgentStart,
        &[
            Spec::new("a", "rewrite", 30, Script::Append).rights(tool_results_only),
            Spec::new("b", "cancel", 20, Script::Cancel("no")).rights(RightSet::NONE),
            Spec::new("c", "allowed", 10, Script::Append).rights(RightSet::NONE.with(MutationRight::Prompt)),
        ],
    );
    let HookFlow::Continue(out) = runner.run_payload(&ctx(), agent_start()).await else {
        panic!("an unauthorised cancel is refused")
    };
    assert_eq!(context_of(&out), ["c/allowed"]);
    assert_eq!(calls.lock().len(), 3);
    assert_eq!((stats[0].view().refused, stats[1].view().refused, stats[2].view().refused), (1, 1, 0));
}

#[tokio::test]
async fn run_on_a_void_point_fires_it_and_continues_unchanged() {
    let gateway = HookPayload::GatewayStart(GatewayStart { bind_addr: "x".into() });
    let (runner, calls, stats) =
        runner(HookPoint::GatewayStart, &[Spec::new("a", "cancel", 0, Script::Cancel("ignored"))]);
    assert_eq!(runner.run_payload(&ctx(), gateway.clone()).await, HookFlow::Continue(gateway));
    assert_eq!(calls.lock().len(), 1);
    assert_eq!(stats[0].view().refused, 1, "a cancel on a void point is refused");
}

#[tokio::test]
async fn no_handlers_means_the_payload_passes_through() {
    let (runner, _, _) = runner(HookPoint::BeforeAgentStart, &[]);
    assert_eq!(runner.run_payload(&ctx(), agent_start()).await, HookFlow::Continue(agent_start()));
}
