//! Compaction: when the history passes `agent.compaction_threshold` messages, the oldest
//! are replaced by a summary written by the provider.
//!
//! `before_compaction` sees the slice (it may rewrite what gets summarised, or cancel:
//! then nothing changes); `after_compaction` sees the summary (it may rewrite it, or cancel:
//! then nothing changes). A provider failure also leaves the history intact.

use zeroclaw_plugin_api::{ChatMessage, ChatRequest, Compaction, CompactionSummary, HookContext, Role, hooks};

use super::host::Agent;
use super::session::Session;
use crate::hooks::HookFlow;
use crate::observability::Event;
use crate::providers::{ProviderFactory, SUMMARIZE_PROMPT};

/// The prefix of the system message that replaces a compacted slice.
pub const SUMMARY_PREFIX: &str = "Summary of the earlier conversation: ";

/// Renders messages as one text the summarising model reads.
fn render(messages: &[ChatMessage]) -> String {
    messages
        .iter()
        .map(|m| match m.role {
            Role::Tool => format!("tool result: {}", m.content),
            Role::Assistant if !m.tool_calls.is_empty() => {
                let names: Vec<&str> = m.tool_calls.iter().map(|c| c.name.as_str()).collect();
                format!("assistant: (calls {}) {}", names.join(", "), m.content)
            }
            role => format!("{}: {}", role.as_str(), m.content),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl Agent {
    /// Compacts `session`'s history if it is over its bound.
    pub(super) async fn maybe_compact(&self, session: &mut Session, ctx: &HookContext) {
        let agent = &self.config.config.agent;
        if (session.history.len() as u64) <= agent.compaction_threshold {
            return;
        }
        // Keep the newest messages, and never split a tool call from its results.
        let mut split = session.history.len().saturating_sub(agent.compaction_keep as usize);
        while split < session.history.len() && session.history[split].role == Role::Tool {
            split += 1;
        }
        if split == 0 {
            return;
        }
        let slice = Compaction { session_id: session.id.clone(), messages: session.history[..split].to_vec() };
        let slice = match self.runner.run::<hooks::BeforeCompaction>(ctx, slice).await {
            HookFlow::Continue(slice) => slice,
            HookFlow::Cancelled { reason, by } => {
                tracing::info!(session = %session.id, "compaction skipped: cancelled by {by}: {reason}");
                return;
            }
        };
        let snapshot = self.runtime.registry().current();
        let model = agent.compaction_model.clone().unwrap_or_else(|| agent.model.clone());
        let summary = match ProviderFactory::new(&snapshot, &self.config.config.providers)
            .for_agent(&agent.provider, &model)
        {
            Ok(resolved) => {
                let request = ChatRequest {
                    model: resolved.model,
                    messages: vec![ChatMessage::system(SUMMARIZE_PROMPT), ChatMessage::user(render(&slice.messages))],
                    tools: Vec::new(),
                    temperature: None,
                };
                resolved.provider.chat(&request).await.map(|r| r.text)
            }
            Err(e) => Err(e),
        };
        let summary = match summary {
            Ok(text) => text,
            Err(e) => {
                tracing::warn!(session = %session.id, "compaction skipped: the summary failed: {e}");
                self.observer.record(&Event::Error { component: "compaction".into(), message: e.to_string() });
                return;
            }
        };
        let compacted = split as u32;
        let written = CompactionSummary { session_id: session.id.clone(), summary, compacted_messages: compacted };
        let written = match self.runner.run::<hooks::AfterCompaction>(ctx, written).await {
            HookFlow::Continue(written) => written,
            HookFlow::Cancelled { reason, by } => {
                tracing::info!(session = %session.id, "compaction dropped: cancelled by {by}: {reason}");
                return;
            }
        };
        let summary = ChatMessage::system(format!("{SUMMARY_PREFIX}{}", written.summary));
        if let Some(store) = &self.transcripts {
            let stored = store.append_summary(&session.id, &session.channel, &summary, split);
            self.store_outcome(&stored);
            if let Err(e) = stored {
                // The history is left as it was: the transcript has no summary to replay.
                tracing::error!(session = %session.id, "compaction not applied: {e}");
                session.unsaved.get_or_insert(e.to_string());
                return;
            }
        }
        session.compact(split, summary);
        self.observer.record(&Event::Compaction { session_id: session.id.clone(), compacted });
    }
}
