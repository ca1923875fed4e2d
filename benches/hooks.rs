//! HookRunner overhead with native handlers.
//!
//! `direct/*` calls the same handlers straight through `dyn HookHandler`, with no runner:
//! the difference to `runner/*`, divided by the handler count, is the runner's overhead per
//! handler (ordering, timeout, panic guard, stats, rights check). Target: at most 100 ns.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use zeroclaw::config::OnError;
use zeroclaw::hooks::HookRunner;
use zeroclaw::plugins::capability::RightSet;
use zeroclaw::plugins::stats::CallStats;
use zeroclaw::plugins::{HookEntry, Registry, SnapshotBuilder};
use zeroclaw_plugin_api::{
    AgentEnd, AgentStart, HookContext, HookError, HookHandler, HookOutcome, HookPayload, HookPoint, Owner,
    Subscription, TokenUsage,
};

/// Looks at the payload and lets it pass: the cheapest real handler.
struct Pass;

#[async_trait]
impl HookHandler for Pass {
    fn name(&self) -> &str {
        "pass"
    }
    fn subscriptions(&self) -> Vec<Subscription> {
        Vec::new()
    }
    async fn handle(&self, _ctx: &HookContext, payload: &HookPayload) -> Result<HookOutcome, HookError> {
        std::hint::black_box(payload);
        Ok(HookOutcome::Continue)
    }
}

fn runner(point: HookPoint, n: usize) -> (HookRunner, Vec<Arc<dyn HookHandler>>) {
    let mut builder = SnapshotBuilder::new(1);
    let mut handlers: Vec<Arc<dyn HookHandler>> = Vec::new();
    for i in 0..n {
        let handler: Arc<dyn HookHandler> = Arc::new(Pass);
        handlers.push(handler.clone());
        builder.add_hook(
            point,
            HookEntry {
                owner: Owner::native(format!("plugin{i}")),
                handler_name: "pass".into(),
                priority: 0,
                handler,
                on_error: OnError::FailOpen,
                timeout: Duration::from_secs(2),
                rights: RightSet::ALL,
                stats: Arc::new(CallStats::default()),
            },
        );
    }
    let registry = Arc::new(Registry::new(builder.build().unwrap()));
    (HookRunner::new(registry), handlers)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let ctx = HookContext::session("zeroclaw", "s1", "bench");
    let start = HookPayload::BeforeAgentStart(AgentStart {
        system_prompt: "You are helpful.".into(),
        context: vec!["memory".into()],
        user_message: "hello".into(),
    });
    let end = HookPayload::AgentEnd(AgentEnd {
        reply: "done".into(),
        iterations: 1,
        tool_calls: 0,
        usage: TokenUsage::default(),
        duration_ms: 1,
        cancelled: None,
    });

    let mut group = c.benchmark_group("hooks");
    for n in [1usize, 8] {
        let (runner, handlers) = runner(HookPoint::BeforeAgentStart, n);
        group.bench_with_input(BenchmarkId::new("modifying/runner", n), &n, |b, _| {
            b.to_async(&rt).iter(|| runner.run_payload(&ctx, start.clone()))
        });
        group.bench_with_input(BenchmarkId::new("modifying/direct", n), &n, |b, _| {
            b.to_async(&rt).iter(|| async {
                let payload = start.clone();
                for h in &handlers {
                    std::hint::black_box(h.handle(&ctx, &payload).await.unwrap());
                }
                payload
            })
        });
    }
    let (runner, handlers) = runner(HookPoint::AgentEnd, 8);
    group.bench_function("void_fanout/runner/8", |b| b.to_async(&rt).iter(|| runner.fire_payload(&ctx, &end)));
    group.bench_function("void_fanout/direct/8", |b| {
        b.to_async(&rt).iter(|| async {
            let calls = handlers.iter().map(|h| h.handle(&ctx, &end));
            std::hint::black_box(futures::future::join_all(calls).await);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
