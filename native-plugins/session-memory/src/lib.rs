//! `session_memory`: a built-in native hook that remembers sessions across restarts.
//!
//! - On `after_compaction` it stores the summary the compaction produced (no second model
//!   call); after every delivered reply (`message_sent`) it stores the session's last turns
//!   as its session-end summary, replacing the previous one, so a session that ends, a
//!   shutdown or a crash leaves nothing unwritten.
//! - On `before_agent_start` it recalls the stored summaries of the session (and, with
//!   `include_channel`, of the channel's other sessions) that best match the incoming
//!   message, then the newest, within a character budget, and adds them to the context.
//!
//! Summaries live in the host's memory database (`[memory] path`), in tables this plugin
//! owns and migrates. A database that is corrupt or locked is reported and the turn goes on
//! without memory; nothing stored is ever deleted or rewritten to "repair" it.
//!
//! ```toml
//! [hooks.builtin]
//! session_memory = true          # on by default
//!
//! [native.session_memory]
//! recall_limit = 5               # summaries added at most
//! recall_budget_chars = 2000     # characters added at most
//! include_channel = false        # also recall the channel's other sessions
//! session_end_turns = 3          # turns kept in a session-end summary
//! channel_window = 2000          # with include_channel: the channel's newest summaries ranked
//! ```

mod pending;
mod store;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use parking_lot::Mutex;
use serde::Deserialize;
use zeroclaw_plugin_api::{
    FactoryError, HookContext, HookError, HookHandler, HookOutcome, HookPayload, HookPoint, PluginContext,
    Subscription, async_trait, register_hook,
};

pub use pending::{FLUSH_EVERY, PendingSummaries};
pub use store::{MemoryError, PendingSummary, RecallQuery, Source, Summary, SummaryStore};

use store::now_ms;

/// The plugin name: `hooks.builtin.session_memory`, `[native.session_memory]`.
pub const PLUGIN: &str = "session_memory";

/// The heading of the recalled context block.
pub const RECALL_HEADING: &str = "Memory from earlier in this conversation:";

register_hook! {
    plugin: PLUGIN,
    description: "stores session summaries in SQLite and recalls the relevant ones into later turns",
    enabled_by_default: true,
    factory: build,
}

/// `[native.session_memory]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionMemoryConfig {
    /// Summaries added to a turn's context at most.
    pub recall_limit: usize,
    /// Characters added at most.
    pub recall_budget_chars: usize,
    /// Also recall summaries of the channel's other sessions.
    pub include_channel: bool,
    /// Turns kept in the summary stored when a session ends.
    pub session_end_turns: usize,
    /// With `include_channel`: how many of the channel's newest summaries are ranked.
    pub channel_window: usize,
}

impl Default for SessionMemoryConfig {
    fn default() -> Self {
        SessionMemoryConfig {
            recall_limit: 5,
            recall_budget_chars: 2000,
            include_channel: false,
            session_end_turns: 3,
            channel_window: 2000,
        }
    }
}

fn build(ctx: &PluginContext) -> Result<Vec<Arc<dyn HookHandler>>, FactoryError> {
    let config: SessionMemoryConfig = ctx.config()?;
    if config.recall_limit == 0 || config.session_end_turns == 0 || config.channel_window == 0 {
        return Err(FactoryError::Config(
            "recall_limit, session_end_turns and channel_window must be at least 1".into(),
        ));
    }
    let store = Arc::new(SummaryStore::new(ctx.memory_path()));
    Ok(vec![Arc::new(SessionMemory {
        config,
        pending: PendingSummaries::new(store.clone()),
        store,
        turns: Mutex::default(),
    })])
}

/// One turn as the channel saw it.
#[derive(Clone, Debug, Default)]
struct Turn {
    user: String,
    reply: String,
}

/// The handler.
struct SessionMemory {
    config: SessionMemoryConfig,
    store: Arc<SummaryStore>,
    /// Session summaries waiting for the next flush.
    pending: Arc<PendingSummaries>,
    /// The last turns of each open session (for its session-end summary).
    turns: Mutex<HashMap<String, OpenSession>>,
}

/// What the handler tracks of a session in memory.
#[derive(Debug)]
struct OpenSession {
    /// Its last turns.
    turns: VecDeque<Turn>,
    /// When this lifetime of it began (its first message since it entered memory): its
    /// summary replaces only those stored since, never an earlier lifetime's.
    since_ms: i64,
}

fn clip(text: &str, max: usize) -> String {
    let mut clipped: String = text.chars().take(max).collect();
    if clipped.len() < text.len() {
        clipped.push('…');
    }
    clipped
}

impl SessionMemory {
    /// Runs a store operation off the async threads.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&SummaryStore) -> Result<T, MemoryError> + Send + 'static,
    ) -> Result<T, HookError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| HookError::Handler(format!("memory task failed: {e}")))?
            .map_err(|e| HookError::Handler(format!("{e}; this turn goes on without memory")))
    }

    fn session_end_summary(&self, turns: &VecDeque<Turn>) -> String {
        let lines: Vec<String> = turns
            .iter()
            .map(|t| format!("user: {} / assistant: {}", clip(&t.user, 200), clip(&t.reply, 200)))
            .collect();
        format!("Last {} turn(s): {}", lines.len(), lines.join(" | "))
    }
}

#[async_trait]
impl HookHandler for SessionMemory {
    fn name(&self) -> &str {
        "memory"
    }

    fn subscriptions(&self) -> Vec<Subscription> {
        vec![
            Subscription::new(HookPoint::BeforeAgentStart, 50),
            // Last, so it stores the summary as the other handlers left it.
            Subscription::new(HookPoint::AfterCompaction, -1000),
            Subscription::new(HookPoint::MessageReceived, -1000),
            Subscription::new(HookPoint::MessageSent, 0),
            Subscription::new(HookPoint::SessionEnd, 0),
        ]
    }

    async fn handle(&self, ctx: &HookContext, payload: &HookPayload) -> Result<HookOutcome, HookError> {
        let session = ctx.session_id.clone().unwrap_or_default();
        let channel = ctx.channel.clone().unwrap_or_default();
        match payload {
            HookPayload::BeforeAgentStart(start) => {
                let (limit, budget, include_channel, window) = (
                    self.config.recall_limit,
                    self.config.recall_budget_chars,
                    self.config.include_channel,
                    self.config.channel_window,
                );
                let text = start.user_message.clone();
                let found = self
                    .blocking(move |store| {
                        store.recall(&RecallQuery {
                            session_id: &session,
                            channel: include_channel.then_some(channel.as_str()),
                            text: &text,
                            limit,
                            budget_chars: budget,
                            channel_window: window,
                        })
                    })
                    .await?;
                if found.is_empty() {
                    return Ok(HookOutcome::Continue);
                }
                let mut block = RECALL_HEADING.to_string();
                for summary in found {
                    let when = humantime::format_rfc3339_seconds(
                        std::time::UNIX_EPOCH + std::time::Duration::from_millis(summary.created_at_ms.max(0) as u64),
                    );
                    block.push_str(&format!("\n- ({when}, {}) {}", summary.source, summary.summary));
                }
                let mut start = start.clone();
                start.context.push(block);
                Ok(HookOutcome::Modify(HookPayload::BeforeAgentStart(start)))
            }
            HookPayload::AfterCompaction(done) => {
                let summary = done.summary.clone();
                self.blocking(move |store| store.insert(&session, &channel, Source::Compaction, &summary)).await?;
                Ok(HookOutcome::Continue)
            }
            HookPayload::MessageReceived(message) => {
                let (summary, since) = {
                    let mut turns = self.turns.lock();
                    let open = turns
                        .entry(session.clone())
                        .or_insert_with(|| OpenSession { turns: VecDeque::new(), since_ms: now_ms() });
                    open.turns.push_back(Turn { user: message.content.clone(), reply: String::new() });
                    while open.turns.len() > self.config.session_end_turns {
                        open.turns.pop_front();
                    }
                    (self.session_end_summary(&open.turns), open.since_ms)
                };
                self.pending.set(&session, &channel, summary, since);
                Ok(HookOutcome::Continue)
            }
            HookPayload::MessageSent(message) => {
                // The session's summary is kept current turn by turn, written in batches
                // (see `pending`): a session that ends, a shutdown or a crash finds almost
                // nothing left to write.
                let (summary, since) = {
                    let mut turns = self.turns.lock();
                    let Some(open) = turns.get_mut(&session) else { return Ok(HookOutcome::Continue) };
                    if let Some(turn) = open.turns.back_mut() {
                        turn.reply = message.content.clone();
                    }
                    (self.session_end_summary(&open.turns), open.since_ms)
                };
                self.pending.set(&session, &channel, summary, since);
                Ok(HookOutcome::Continue)
            }
            HookPayload::SessionEnd(end) => {
                self.turns.lock().remove(&end.session_id);
                self.pending
                    .finish(&end.session_id)
                    .await
                    .map_err(|e| HookError::Handler(format!("{e}; the session's last summary is not stored")))?;
                Ok(HookOutcome::Continue)
            }
            _ => Ok(HookOutcome::Continue),
        }
    }
}
