//! Host counters for `/metrics`, fed by the observer stream. Per-plugin and per-hook call
//! counts and latencies come from the registry's `CallStats` instead.

use std::sync::atomic::{AtomicU64, Ordering};

use super::event::Event;
use super::observer::Observer;

/// Counts turns, model calls, tool calls and failures.
#[derive(Debug, Default)]
pub struct MetricsObserver {
    turns: AtomicU64,
    turns_cancelled: AtomicU64,
    llm_calls: AtomicU64,
    llm_failures: AtomicU64,
    tokens: AtomicU64,
    tool_calls: AtomicU64,
    tool_failures: AtomicU64,
    compactions: AtomicU64,
    errors: AtomicU64,
    plugin_failures: AtomicU64,
    plugin_busy: AtomicU64,
    quarantines: AtomicU64,
    reloads: AtomicU64,
    reloads_failed: AtomicU64,
    plugin_tool_calls: AtomicU64,
}

impl Observer for MetricsObserver {
    fn record(&self, event: &Event) {
        let add = |counter: &AtomicU64| {
            counter.fetch_add(1, Ordering::Relaxed);
        };
        match event {
            Event::AgentEnd { cancelled, .. } => {
                add(&self.turns);
                if cancelled.is_some() {
                    add(&self.turns_cancelled);
                }
            }
            Event::LlmResponse { success, tokens, .. } => {
                add(&self.llm_calls);
                if !success {
                    add(&self.llm_failures);
                }
                self.tokens.fetch_add(u64::from(*tokens), Ordering::Relaxed);
            }
            Event::ToolCallEnd { success, .. } => {
                add(&self.tool_calls);
                if !success {
                    add(&self.tool_failures);
                }
            }
            Event::PluginToolCall { .. } => add(&self.plugin_tool_calls),
            Event::Compaction { .. } => add(&self.compactions),
            Event::Error { .. } => add(&self.errors),
            Event::PluginFailure { .. } => add(&self.plugin_failures),
            Event::PluginBusy { .. } => add(&self.plugin_busy),
            Event::PluginQuarantined { .. } => add(&self.quarantines),
            Event::Reload { failures, .. } => {
                add(&self.reloads);
                if !failures.is_empty() {
                    add(&self.reloads_failed);
                }
            }
            Event::AgentStart { .. }
            | Event::LlmRequest { .. }
            | Event::ToolCallStart { .. }
            | Event::TurnComplete { .. }
            | Event::PluginRecovered { .. } => {}
        }
    }
}

impl MetricsObserver {
    /// The counters in Prometheus text format.
    pub fn render(&self, out: &mut String) {
        let counters = [
            ("zeroclaw_turns_total", "Turns completed.", &self.turns),
            ("zeroclaw_turns_cancelled_total", "Turns stopped early by a hook or a failure.", &self.turns_cancelled),
            ("zeroclaw_llm_calls_total", "Provider calls.", &self.llm_calls),
            ("zeroclaw_llm_failures_total", "Provider calls that failed.", &self.llm_failures),
            ("zeroclaw_tokens_total", "Tokens reported by providers.", &self.tokens),
            ("zeroclaw_tool_calls_total", "Tool calls.", &self.tool_calls),
            ("zeroclaw_tool_failures_total", "Tool calls that failed or were refused.", &self.tool_failures),
            ("zeroclaw_plugin_tool_calls_total", "Tool calls made by plugins (tools:invoke).", &self.plugin_tool_calls),
            ("zeroclaw_compactions_total", "History compactions.", &self.compactions),
            ("zeroclaw_errors_total", "Host errors.", &self.errors),
            ("zeroclaw_plugin_failures_total", "Plugin handler, tool and provider failures.", &self.plugin_failures),
            (
                "zeroclaw_plugin_busy_total",
                "Plugin calls that gave up waiting for a concurrency slot (not failures).",
                &self.plugin_busy,
            ),
            ("zeroclaw_plugin_quarantines_total", "Plugins quarantined by their circuit breaker.", &self.quarantines),
            ("zeroclaw_reloads_total", "Plugin reloads.", &self.reloads),
            ("zeroclaw_reloads_failed_total", "Reloads where a plugin or the config failed.", &self.reloads_failed),
        ];
        for (name, help, value) in counters {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
                value.load(Ordering::Relaxed)
            ));
        }
    }
}
