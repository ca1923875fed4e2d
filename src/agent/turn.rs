//! One turn: from the user's message to the agent's reply.

use std::time::Instant;

use zeroclaw_plugin_api::{
    AgentEnd, AgentStart, ChatMessage, ChatRequest, HookContext, LlmCall, LlmError, LlmOutput, ProviderError,
    TokenUsage, hooks,
};

use super::host::Agent;
use super::session::Session;
use crate::hooks::HookFlow;
use crate::observability::Event;
use crate::providers::{ProviderFactory, ResolvedModel};
use crate::tools::{Executed, ToolExecutor};

/// The longest `llm_error` text a hook is sent, in characters.
const MAX_LLM_ERROR_CHARS: usize = 2000;
/// How a turn ended.
#[derive(Clone, Debug, PartialEq)]
pub struct TurnOutcome {
    /// The reply to deliver (empty when the turn was cancelled before the model answered).
    pub reply: String,
    /// Why the turn stopped early, when it did.
    pub cancelled: Option<String>,
    /// Provider round trips.
    pub iterations: u32,
    /// The tool calls made, as they ended.
    pub tool_calls: Vec<Executed>,
    /// Tokens used.
    pub usage: TokenUsage,
    /// Why a message of this turn could not be stored in its transcript, if one could
    /// not: the turn must not be acknowledged.
    pub unsaved: Option<String>,
}

impl Agent {
    /// Runs one turn of `session` on `user_message`.
    pub async fn turn(&self, session: &mut Session, user_message: String) -> TurnOutcome {
        let started = Instant::now();
        let ctx = self.context(&session.id, &session.channel);
        self.observer.record(&Event::AgentStart { session_id: session.id.clone(), channel: session.channel.clone() });
        let mut outcome = TurnOutcome {
            reply: String::new(),
            cancelled: None,
            iterations: 0,
            tool_calls: Vec::new(),
            usage: TokenUsage::default(),
            unsaved: None,
        };
        session.turns += 1;
        session.unsaved = None;
        self.run(session, &ctx, user_message, &mut outcome).await;
        let duration_ms = started.elapsed().as_millis() as u64;
        let end = AgentEnd {
            reply: outcome.reply.clone(),
            iterations: outcome.iterations,
            tool_calls: outcome.tool_calls.len() as u32,
            usage: outcome.usage,
            duration_ms,
            cancelled: outcome.cancelled.clone(),
        };
        self.runner.fire::<hooks::AgentEnd>(&ctx, end).await;
        self.observer.record(&Event::AgentEnd {
            session_id: session.id.clone(),
            iterations: outcome.iterations,
            tool_calls: outcome.tool_calls.len() as u32,
            duration_ms,
            cancelled: outcome.cancelled.clone(),
        });
        outcome.unsaved = session.unsaved.take();
        outcome
    }

    /// The agent's provider chain for `snapshot`: built once per snapshot generation (the
    /// router over reliable chains), then only looked up.
    fn agent_provider(&self, snapshot: &crate::plugins::Snapshot) -> Result<ResolvedModel, ProviderError> {
        let generation = snapshot.generation();
        if let Some((built_for, resolved)) = self.provider_chain.lock().as_ref()
            && *built_for == generation
        {
            return Ok(resolved.clone());
        }
        let agent = &self.config.config.agent;
        let resolved =
            ProviderFactory::new(snapshot, &self.config.config.providers).for_agent(&agent.provider, &agent.model)?;
        *self.provider_chain.lock() = Some((generation, resolved.clone()));
        Ok(resolved)
    }

    /// Appends to the history and the transcript.
    /// A failed write marks the turn unsaved (and the host degraded until a write succeeds).
    pub(super) fn remember(&self, session: &mut Session, message: ChatMessage) {
        if let Some(store) = &self.transcripts {
            let stored = store.append(&session.id, &session.channel, &message);
            self.store_outcome(&stored);
            if let Err(e) = stored {
                let e = e.to_string();
                tracing::error!(session = %session.id, "{e}");
                self.observer.record(&Event::Error { component: "memory".into(), message: e.clone() });
                session.unsaved.get_or_insert(e);
            }
        }
        session.push(message);
    }

    async fn run(&self, session: &mut Session, ctx: &HookContext, user_message: String, outcome: &mut TurnOutcome) {
        let agent = &self.config.config.agent;
        let start = AgentStart {
            system_prompt: agent.system_prompt.clone(),
            context: Vec::new(),
            user_message: user_message.clone(),
        };
        let start = match self.runner.run::<hooks::BeforeAgentStart>(ctx, start).await {
            HookFlow::Continue(start) => start,
            HookFlow::Cancelled { reason, by } => {
                outcome.cancelled = Some(format!("{by}: {reason}"));
                return;
            }
        };
        let mut system = start.system_prompt;
        for block in start.context.iter().filter(|b| !b.is_empty()) {
            system.push_str("\n\n");
            system.push_str(block);
        }
        self.remember(session, ChatMessage::user(user_message));

        for _ in 0..agent.max_iterations {
            self.maybe_compact(session, ctx).await;
            let snapshot = self.runtime.registry().current();
            let resolved = match self.agent_provider(&snapshot) {
                Ok(resolved) => resolved,
                Err(e) => {
                    self.observer.record(&Event::Error { component: "providers".into(), message: e.to_string() });
                    outcome.reply = format!("The model is unavailable: {e}");
                    outcome.cancelled = Some(e.to_string());
                    return;
                }
            };
            let mut messages = Vec::with_capacity(session.history.len() + 1);
            messages.push(ChatMessage::system(system.clone()));
            messages.extend(session.history.iter().cloned());
            let request = ChatRequest {
                model: resolved.model.clone(),
                messages,
                tools: snapshot.tools().map(|t| t.spec.clone()).collect(),
                temperature: None,
            };
            let call = LlmCall { provider: resolved.provider_name.clone(), request };
            let request = match self.runner.run::<hooks::BeforeLlmCall>(ctx, call).await {
                HookFlow::Continue(call) => call.request,
                HookFlow::Cancelled { reason, by } => {
                    outcome.cancelled = Some(format!("{by}: {reason}"));
                    return;
                }
            };
            self.observer.record(&Event::LlmRequest {
                provider: resolved.provider_name.clone(),
                model: request.model.clone(),
                messages: request.messages.len(),
            });
            let called = Instant::now();
            let answer = resolved.provider.chat(&request).await;
            let duration_ms = called.elapsed().as_millis() as u64;
            outcome.iterations += 1;
            let response = match answer {
                Ok(response) => response,
                Err(e) => {
                    self.observer.record(&Event::LlmResponse {
                        provider: resolved.provider_name.clone(),
                        duration_ms,
                        success: false,
                        tokens: 0,
                    });
                    self.observer.record(&Event::Error { component: "providers".into(), message: e.to_string() });
                    // One line, and bounded: a provider's error may carry a whole response body.
                    let mut error = crate::config::one_line(&e.to_string());
                    if let Some((cut, _)) = error.char_indices().nth(MAX_LLM_ERROR_CHARS) {
                        error.truncate(cut);
                        error.push('…');
                    }
                    let failed = LlmError { provider: resolved.provider_name.clone(), error, duration_ms };
                    self.runner.fire::<hooks::LlmError>(ctx, failed).await;
                    outcome.reply = format!("The model is unavailable: {e}");
                    outcome.cancelled = Some(e.to_string());
                    return;
                }
            };
            outcome.usage.add(response.usage);
            self.observer.record(&Event::LlmResponse {
                provider: resolved.provider_name.clone(),
                duration_ms,
                success: true,
                tokens: response.usage.total(),
            });
            let output =
                LlmOutput { provider: resolved.provider_name.clone(), response: response.clone(), duration_ms };
            self.runner.fire::<hooks::LlmOutput>(ctx, output).await;

            if response.tool_calls.is_empty() {
                outcome.reply = response.text.clone();
                self.remember(session, ChatMessage::assistant(response.text));
                return;
            }
            self.remember(session, ChatMessage::assistant_calls(response.text, response.tool_calls.clone()));
            let executor =
                ToolExecutor { runner: &self.runner, policy: &self.policy, observer: self.observer.as_ref() };
            for call in response.tool_calls {
                let executed = executor.execute(&snapshot, ctx, call).await;
                self.remember(session, ChatMessage::tool_result(&executed.result));
                outcome.tool_calls.push(executed);
            }
        }
        let limit = agent.max_iterations;
        outcome.cancelled = Some(format!("stopped after {limit} model calls (agent.max_iterations)"));
        outcome.reply = format!("I stopped after {limit} model calls without an answer (agent.max_iterations).");
    }
}
