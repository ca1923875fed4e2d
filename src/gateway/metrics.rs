//! `GET /metrics`: Prometheus text. Host counters, then calls, errors, timeouts, refusals
//! and latency per plugin and hook, tool and provider (from the registry's counters), then
//! the ObserverBridge's queue.

use std::fmt::Write;

use zeroclaw_plugin_api::HookPoint;

use crate::agent::Agent;
use crate::plugins::stats::{LATENCY_BUCKETS_US, StatsView};

fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn series(out: &mut String, family: &str, labels: &str, stats: &StatsView) {
    let _ = writeln!(out, "zeroclaw_{family}_calls_total{{{labels}}} {}", stats.calls);
    let _ = writeln!(out, "zeroclaw_{family}_errors_total{{{labels}}} {}", stats.errors);
    let _ = writeln!(out, "zeroclaw_{family}_timeouts_total{{{labels}}} {}", stats.timeouts);
    let _ = writeln!(out, "zeroclaw_{family}_refused_total{{{labels}}} {}", stats.refused);
    let mut cumulative = 0;
    for (i, count) in stats.buckets.iter().enumerate() {
        cumulative += count;
        let le = LATENCY_BUCKETS_US.get(i).map_or_else(|| "+Inf".to_string(), |us| format!("{}", *us as f64 / 1e6));
        let _ = writeln!(out, "zeroclaw_{family}_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}");
    }
    let _ = writeln!(out, "zeroclaw_{family}_duration_seconds_sum{{{labels}}} {}", stats.total_ns as f64 / 1e9);
    let _ = writeln!(out, "zeroclaw_{family}_duration_seconds_count{{{labels}}} {}", stats.calls);
}

/// The whole metrics page.
pub fn render(agent: &Agent) -> String {
    let mut out = String::new();
    agent.metrics().render(&mut out);
    let snapshot = agent.runtime().snapshot();
    let _ = writeln!(
        out,
        "# HELP zeroclaw_snapshot_generation The snapshot generation serving.\n# TYPE zeroclaw_snapshot_generation gauge\nzeroclaw_snapshot_generation {}",
        snapshot.generation()
    );
    out.push_str("# HELP zeroclaw_hook_calls_total Hook handler calls, per plugin, hook and handler.\n# TYPE zeroclaw_hook_calls_total counter\n");
    for point in HookPoint::ALL {
        for entry in snapshot.hooks(*point) {
            let labels = format!(
                "plugin=\"{}\",hook=\"{}\",handler=\"{}\"",
                escape(&entry.owner.to_string()),
                point.name(),
                escape(&entry.handler_name)
            );
            series(&mut out, "hook", &labels, &entry.stats.view());
        }
    }
    out.push_str(
        "# HELP zeroclaw_tool_calls_total Tool calls, per tool and owner.\n# TYPE zeroclaw_tool_calls_total counter\n",
    );
    for entry in snapshot.tools() {
        for e in std::iter::once(entry).chain(entry.fallback.as_deref()) {
            let labels = format!("plugin=\"{}\",tool=\"{}\"", escape(&e.owner.to_string()), escape(&e.spec.name));
            series(&mut out, "tool", &labels, &e.stats.view());
        }
    }
    out.push_str("# HELP zeroclaw_provider_calls_total Provider calls, per provider and owner.\n# TYPE zeroclaw_provider_calls_total counter\n");
    for entry in snapshot.providers() {
        let labels = format!("plugin=\"{}\",provider=\"{}\"", escape(&entry.owner.to_string()), escape(&entry.name));
        series(&mut out, "provider", &labels, &entry.stats.view());
    }
    let _ = writeln!(
        out,
        "# HELP zeroclaw_observer_bridge_events_total Observer events forwarded to plugins, and dropped on a full queue.\n# TYPE zeroclaw_observer_bridge_events_total counter"
    );
    let _ =
        writeln!(out, "zeroclaw_observer_bridge_events_total{{outcome=\"forwarded\"}} {}", agent.bridge().forwarded());
    let _ = writeln!(out, "zeroclaw_observer_bridge_events_total{{outcome=\"dropped\"}} {}", agent.bridge().dropped());
    out
}
