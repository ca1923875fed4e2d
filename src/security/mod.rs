//! The security policy: whether a tool call may run, decided before it runs.
//!
//! Autonomy sets what kinds of tool may run (`read_only`: only read tools; `supervised`:
//! read tools and the act tools listed in `allow_tools`; `full`: every tool); `deny_tools`
//! wins over everything; act tool calls are rate-limited per hour. The policy sees a tool's
//! name and the effect the host judges it by (a snapshot entry's `effect`, never a plugin's
//! claim alone), so native and plugin tools are judged alike.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use zeroclaw_plugin_api::ToolEffect;

use crate::config::{Autonomy, SecurityConfig};

const WINDOW: Duration = Duration::from_secs(3600);

/// Why the policy refuses a tool call; the message says what would allow it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The tool is in `security.deny_tools`.
    #[error("`{tool}` is in security.deny_tools")]
    Denied {
        /// The tool.
        tool: String,
    },
    /// An act tool under `autonomy = "read_only"`.
    #[error("`{tool}` acts, and security.autonomy is read_only")]
    ReadOnly {
        /// The tool.
        tool: String,
    },
    /// An act tool not in `security.allow_tools` under supervised autonomy.
    #[error("`{tool}` acts, and in supervised autonomy only tools in security.allow_tools may act")]
    NotAllowed {
        /// The tool.
        tool: String,
    },
    /// The act rate limit is reached.
    #[error("the limit of {limit} act tool calls per hour is reached (security.max_actions_per_hour)")]
    RateLimited {
        /// `security.max_actions_per_hour`.
        limit: u64,
    },
}

/// The policy in force.
pub struct SecurityPolicy {
    config: SecurityConfig,
    actions: Mutex<VecDeque<Instant>>,
}

impl SecurityPolicy {
    /// The policy of `config`.
    pub fn new(config: SecurityConfig) -> Self {
        SecurityPolicy { config, actions: Mutex::new(VecDeque::new()) }
    }

    /// Whether a call to tool `name`, judged `effect`, may run now; an allowed act call
    /// counts toward the rate limit. The error says why and what would allow it.
    pub fn check(&self, name: &str, effect: ToolEffect) -> Result<(), Refusal> {
        self.check_at(name, effect, Instant::now)
    }

    /// `now` is read only for an act call (the rate limit's window): a read costs no clock.
    fn check_at(&self, name: &str, effect: ToolEffect, now: impl FnOnce() -> Instant) -> Result<(), Refusal> {
        if self.config.deny_tools.iter().any(|t| t == name) {
            return Err(Refusal::Denied { tool: name.to_string() });
        }
        if effect == ToolEffect::Read {
            return Ok(());
        }
        match self.config.autonomy {
            Autonomy::ReadOnly => return Err(Refusal::ReadOnly { tool: name.to_string() }),
            Autonomy::Supervised if !self.config.allow_tools.iter().any(|t| t == name) => {
                return Err(Refusal::NotAllowed { tool: name.to_string() });
            }
            Autonomy::Supervised | Autonomy::Full => {}
        }
        let now = now();
        let mut actions = self.actions.lock();
        while actions.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            actions.pop_front();
        }
        if actions.len() as u64 >= self.config.max_actions_per_hour {
            return Err(Refusal::RateLimited { limit: self.config.max_actions_per_hour });
        }
        actions.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(autonomy: Autonomy, allow: &[&str], deny: &[&str], per_hour: u64) -> SecurityPolicy {
        SecurityPolicy::new(SecurityConfig {
            autonomy,
            allow_tools: allow.iter().map(|s| s.to_string()).collect(),
            deny_tools: deny.iter().map(|s| s.to_string()).collect(),
            max_actions_per_hour: per_hour,
        })
    }

    #[test]
    fn autonomy_decides_act_tools_and_deny_wins() {
        let (read, act) = (("clock", ToolEffect::Read), ("file_write", ToolEffect::Act));
        let ro = policy(Autonomy::ReadOnly, &["file_write"], &[], 10);
        assert!(ro.check(read.0, read.1).is_ok());
        assert!(ro.check(act.0, act.1).unwrap_err().to_string().contains("read_only"));
        let supervised = policy(Autonomy::Supervised, &[], &[], 10);
        assert!(supervised.check(act.0, act.1).unwrap_err().to_string().contains("allow_tools"));
        assert!(policy(Autonomy::Supervised, &["file_write"], &[], 10).check(act.0, act.1).is_ok());
        assert!(policy(Autonomy::Full, &[], &[], 10).check(act.0, act.1).is_ok());
        let denied = policy(Autonomy::Full, &[], &["clock"], 10);
        assert!(denied.check(read.0, read.1).unwrap_err().to_string().contains("deny_tools"));
    }

    #[test]
    fn act_calls_are_rate_limited_in_a_sliding_hour() {
        let p = policy(Autonomy::Full, &[], &[], 2);
        let act = ("file_write", ToolEffect::Act);
        let t0 = Instant::now();
        assert!(p.check_at(act.0, act.1, || t0).is_ok());
        assert!(p.check_at(act.0, act.1, || t0 + Duration::from_secs(10)).is_ok());
        assert!(
            p.check_at(act.0, act.1, || t0 + Duration::from_secs(20))
                .unwrap_err()
                .to_string()
                .contains("max_actions_per_hour")
        );
        assert!(
            p.check_at("clock", ToolEffect::Read, || t0 + Duration::from_secs(20)).is_ok(),
            "reads are not actions"
        );
        assert!(p.check_at(act.0, act.1, || t0 + WINDOW + Duration::from_secs(1)).is_ok(), "the window slides");
    }
}
