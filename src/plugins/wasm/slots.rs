//! Concurrency slots: how many calls of one plugin run at once.
//!
//! The uncontended case, nearly every call, is one compare-and-swap to take a slot and
//! one add to give it back; only when no slot is free does a call wait on a `Notify`,
//! bounded by the caller's timeout. (tokio's `Semaphore` takes a mutex on every release,
//! which showed up on every warm call's profile.)

use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

/// A plugin's concurrency slots.
#[derive(Debug)]
pub struct Slots {
    free: AtomicUsize,
    /// Calls waiting for a slot: a release wakes one only when there is one.
    waiting: AtomicUsize,
    freed: Notify,
}

/// A taken slot, given back when dropped.
#[derive(Debug)]
pub struct Permit<'a>(&'a Slots);

/// Counts a waiting call for as long as it waits, even if its wait is cancelled.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Slots {
    /// `count` slots, all free.
    pub fn new(count: usize) -> Self {
        Slots { free: AtomicUsize::new(count), waiting: AtomicUsize::new(0), freed: Notify::new() }
    }

    /// A free slot, if there is one now and no call is already waiting for one (a new call
    /// does not jump the queue: it waits behind them).
    pub fn try_take(&self) -> Option<Permit<'_>> {
        if self.waiting.load(Ordering::SeqCst) > 0 {
            return None;
        }
        self.take_free()
    }

    /// A free slot, if there is one, whoever waits.
    fn take_free(&self) -> Option<Permit<'_>> {
        let mut free = self.free.load(Ordering::SeqCst);
        loop {
            if free == 0 {
                return None;
            }
            match self.free.compare_exchange_weak(free, free - 1, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return Some(Permit(self)),
                Err(now) => free = now,
            }
        }
    }

    /// A slot, waiting for one to be given back if none is free. Cancel-safe: dropping
    /// the future takes nothing.
    pub async fn take(&self) -> Permit<'_> {
        if let Some(permit) = self.try_take() {
            return permit;
        }
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&self.waiting);
        loop {
            let mut freed = pin!(self.freed.notified());
            freed.as_mut().enable();
            // Registered before this look: a slot given back in between is seen here, or
            // its release sees `waiting` and wakes a waiter (both sides SeqCst).
            if let Some(permit) = self.take_free() {
                return permit;
            }
            freed.await;
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let slots = self.0;
        slots.free.fetch_add(1, Ordering::SeqCst);
        if slots.waiting.load(Ordering::SeqCst) > 0 {
            slots.freed.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_new_call_does_not_jump_ahead_of_a_waiting_one() {
        let slots = Arc::new(Slots::new(1));
        let held = slots.try_take().unwrap();
        let waiter = {
            let slots = slots.clone();
            tokio::spawn(async move { drop(slots.take().await) })
        };
        while slots.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        drop(held);
        assert!(slots.try_take().is_none() || slots.waiting.load(Ordering::SeqCst) == 0, "the waiter goes first");
        waiter.await.unwrap();
        assert!(slots.try_take().is_some());
    }

    #[test]
    fn slots_are_taken_until_none_is_free_and_given_back_on_drop() {
        let slots = Slots::new(2);
        let (a, b) = (slots.try_take().unwrap(), slots.try_take().unwrap());
        assert!(slots.try_take().is_none());
        drop(a);
        assert!(slots.try_take().is_some(), "a dropped permit frees its slot");
        drop(b);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_waiting_call_gets_the_slot_given_back_and_a_cancelled_wait_takes_nothing() {
        let slots = Arc::new(Slots::new(1));
        let held = slots.try_take().unwrap();
        let cancelled = tokio::time::timeout(Duration::from_millis(10), slots.take()).await;
        assert!(cancelled.is_err(), "no slot is free");
        let waiter = {
            let slots = slots.clone();
            tokio::spawn(async move {
                let _permit = slots.take().await;
            })
        };
        tokio::task::yield_now().await;
        drop(held);
        waiter.await.unwrap();
        assert!(slots.try_take().is_some(), "the waiter gave its slot back");
        assert_eq!(slots.waiting.load(Ordering::SeqCst), 0, "no wait is still counted");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_contending_calls_all_run_and_never_more_than_the_slots_at_once() {
        let slots = Arc::new(Slots::new(3));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let calls: Vec<_> = (0..200)
            .map(|_| {
                let (slots, running, most) = (slots.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    let _permit = slots.take().await;
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for call in calls {
            call.await.unwrap();
        }
        assert!(most.load(Ordering::SeqCst) <= 3);
        assert_eq!(slots.free.load(Ordering::SeqCst), 3);
    }
}
