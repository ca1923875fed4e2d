//! Channels: where messages come from and replies go. A channel wraps each turn in the
//! message hooks: `message_received` (rewrite or drop the message), the turn,
//! `message_sending` (rewrite or suppress the reply), and after delivery `message_sent`.

pub mod cli;

use zeroclaw_plugin_api::{InboundMessage, OutboundMessage, hooks};

use crate::agent::{Agent, TurnOutcome};
use crate::hooks::HookFlow;
use crate::observability::Event;

/// A message arriving on a channel.
#[derive(Clone, Debug)]
pub struct Incoming {
    /// The session it belongs to.
    pub session_id: String,
    /// The channel (`cli`, `gateway`).
    pub channel: String,
    /// Who sent it.
    pub sender: String,
    /// The text.
    pub text: String,
}

/// What the channel should do after a message was handled.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// Deliver this text, then call [`delivered`].
    Send {
        /// The reply.
        text: String,
        /// The turn, for callers that show details.
        turn: Box<TurnOutcome>,
    },
    /// `message_received` dropped the message; no turn ran.
    Dropped {
        /// Why.
        reason: String,
    },
    /// `message_sending` suppressed the reply.
    Suppressed {
        /// Why.
        reason: String,
    },
    /// The turn ran but its transcript could not be written: nothing may be acknowledged
    /// (the gateway answers 503, `agent` exits non-zero).
    Unsaved {
        /// The write error.
        reason: String,
    },
}

/// Handles one incoming message: `message_received`, the turn, `message_sending`.
pub async fn receive(agent: &Agent, incoming: Incoming) -> Reply {
    let ctx = agent.context(&incoming.session_id, &incoming.channel);
    let inbound =
        InboundMessage { channel: incoming.channel.clone(), sender: incoming.sender.clone(), content: incoming.text };
    let text = match agent.runner().run::<hooks::MessageReceived>(&ctx, inbound).await {
        HookFlow::Continue(message) => message.content,
        HookFlow::Cancelled { reason, by } => return Reply::Dropped { reason: format!("{by}: {reason}") },
    };
    let session = agent.session(&incoming.session_id, &incoming.channel).await;
    let mut session = session.lock().await;
    let turn = agent.turn(&mut session, text).await;
    let turns = session.turns;
    drop(session);
    if let Some(reason) = turn.unsaved {
        // Its history now holds what the transcript does not: it leaves memory, and its
        // next message rebuilds it from the transcript, the source of truth.
        agent.forget_session(&incoming.session_id);
        return Reply::Unsaved { reason };
    }
    let outbound =
        OutboundMessage { channel: incoming.channel.clone(), recipient: incoming.sender, content: turn.reply.clone() };
    let reply = match agent.runner().run::<hooks::MessageSending>(&ctx, outbound).await {
        HookFlow::Continue(message) => Reply::Send { text: message.content, turn: Box::new(turn) },
        HookFlow::Cancelled { reason, by } => Reply::Suppressed { reason: format!("{by}: {reason}") },
    };
    agent.observer().record(&Event::TurnComplete { session_id: incoming.session_id, turns });
    reply
}

/// Fires `message_sent` once a reply was delivered.
pub async fn delivered(agent: &Agent, session_id: &str, channel: &str, recipient: &str, text: &str) {
    let ctx = agent.context(session_id, channel);
    let sent = OutboundMessage { channel: channel.into(), recipient: recipient.into(), content: text.into() };
    agent.runner().fire::<hooks::MessageSent>(&ctx, sent).await;
}
