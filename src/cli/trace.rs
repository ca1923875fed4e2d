//! One line per hook handler call, as `demo` and `agent --trace` print them.

use crate::hooks::{HandlerEvent, HandlerOutcome, HookListener};
use crate::observability::for_one_line;

/// `    message_sending      wasm:shout@0.1.0           modify       0.123 ms`, with the
/// reason of a cancel, a failure or a refusal.
pub fn line(event: &HandlerEvent<'_>) -> String {
    let detail = match event.outcome {
        HandlerOutcome::Cancelled(reason) => format!(": {reason}"),
        HandlerOutcome::Failed(failure) => format!(": {failure}"),
        HandlerOutcome::Refused(why) => format!(": {why}"),
        HandlerOutcome::Continued | HandlerOutcome::Modified => String::new(),
    };
    format!(
        "    {:<20} {:<26} {:<9} {:>8.3} ms{detail}",
        event.point.name(),
        event.entry.owner.to_string(),
        event.outcome.label(),
        event.elapsed.as_secs_f64() * 1e3
    )
}

/// Prints each handler call on stderr as it happens (`agent --trace`).
pub struct LiveTrace;

impl HookListener for LiveTrace {
    fn on_handler(&self, event: &HandlerEvent<'_>) {
        eprintln!("hook{}", for_one_line(&line(event)));
    }
}
