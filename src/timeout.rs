//! A timeout armed only once its future has to wait.
//!
//! Most hook handlers and warm plugin calls finish in their first poll. Arming a timer for
//! them would cost more than they do (a clock read, a timer entry), and a timer inline in a
//! future makes every caller's future larger, which is copied and allocated on every call.
//! [`when_waiting`] polls its future once with no timer; only if that poll is pending does it
//! arm one, on the heap, running from that moment: the time the future spent on the CPU
//! before it first waited, no timer could have cut anyway.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Sleep;

/// The timer ran out before the future finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed;

/// `future` bounded by `limit`, counted from the first time it waits.
pub fn when_waiting<F: Future + Unpin>(limit: Duration, future: F) -> WhenWaiting<F> {
    WhenWaiting { future, limit, timer: None }
}

/// The future of [`when_waiting`].
#[derive(Debug)]
pub struct WhenWaiting<F> {
    future: F,
    limit: Duration,
    /// Armed at the first pending poll.
    timer: Option<Pin<Box<Sleep>>>,
}

impl<F: Future + Unpin> Future for WhenWaiting<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Poll::Ready(output) = Pin::new(&mut this.future).poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let limit = this.limit;
        let timer = this.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        // The timer is polled outside the task's cooperative budget, as tokio's own timeout
        // does: a future that used the budget up must still be cut at its limit.
        match Pin::new(&mut tokio::task::unconstrained(timer.as_mut())).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed)),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;

    use super::*;

    #[tokio::test]
    async fn a_future_ready_at_once_arms_no_timer() {
        let ready = pin!(async { 7 });
        let mut bounded = when_waiting(Duration::ZERO, ready);
        // With a zero limit, any armed timer would fire; the first poll finishes first.
        assert_eq!((&mut bounded).await, Ok(7));
        assert!(bounded.timer.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_future_is_cut_at_its_limit() {
        let never = pin!(std::future::pending::<()>());
        assert_eq!(when_waiting(Duration::from_secs(5), never).await, Err(Elapsed));
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_future_that_finishes_in_time_gives_its_output() {
        let slow = pin!(async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            "done"
        });
        assert_eq!(when_waiting(Duration::from_secs(5), slow).await, Ok("done"));
    }
}
