//! Drops a plugin version's compiled code and instances off the calling thread.
//!
//! A generation is freed when its last call ends, so the caller that ends it would
//! otherwise pay for the drop: unmapping the component's code and memory images, which
//! takes the process's memory-map lock and shoots down TLBs, a fraction of a millisecond
//! in the middle of a call. The reaper thread does that work instead.

use std::ops::Deref;
use std::sync::OnceLock;
use std::sync::mpsc::{Sender, channel};

type Garbage = Box<dyn Send>;

/// The reaper's inbox; `None` when its thread could not be started.
fn reaper() -> Option<&'static Sender<Garbage>> {
    static REAPER: OnceLock<Option<Sender<Garbage>>> = OnceLock::new();
    REAPER
        .get_or_init(|| {
            let (inbox, garbage) = channel::<Garbage>();
            let started = std::thread::Builder::new().name("zeroclaw-reaper".into()).spawn(move || {
                for item in garbage {
                    drop(item);
                }
            });
            match started {
                Ok(_) => Some(inbox),
                Err(e) => {
                    tracing::warn!("cannot start the reaper thread ({e}); old plugin versions are freed inline");
                    None
                }
            }
        })
        .as_ref()
}

/// Hands `item` to the reaper thread to drop (drops it here if there is none).
fn reap(item: Garbage) {
    // Without a reaper the item is dropped here; a failed send hands it back, dropped here too.
    if let Some(inbox) = reaper() {
        let _ = inbox.send(item);
    }
}

/// Waits until everything handed to the reaper so far has been dropped (for measurements
/// that must not count memory about to be freed).
pub fn wait_for_reaper() {
    /// Signals when dropped: the reaper drops in order, so everything before it is gone.
    struct Marker(std::sync::mpsc::SyncSender<()>);
    impl Drop for Marker {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }
    let (done, dropped) = std::sync::mpsc::sync_channel(1);
    reap(Box::new(Marker(done)));
    let _ = dropped.recv();
}

/// A value dropped on the reaper thread.
pub struct Reaped<T: Send + 'static>(Option<T>);

impl<T: Send + 'static> Reaped<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Reaped(Some(value))
    }
}

impl<T: Send + 'static> Deref for Reaped<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // Only `drop` takes the value out.
        self.0.as_ref().expect("a Reaped value is present until dropped")
    }
}

impl<T: Send + 'static> Drop for Reaped<T> {
    fn drop(&mut self) {
        if let Some(value) = self.0.take() {
            reap(Box::new(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use super::*;

    /// Records the name of the thread that dropped it.
    struct Witness(Arc<Mutex<Option<String>>>, Arc<AtomicBool>);

    impl Drop for Witness {
        fn drop(&mut self) {
            *self.0.lock().unwrap() = std::thread::current().name().map(str::to_string);
            self.1.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_reaped_value_is_dropped_on_the_reaper_thread() {
        let (name, dropped) = (Arc::new(Mutex::new(None)), Arc::new(AtomicBool::new(false)));
        let reaped = Reaped::new(Witness(name.clone(), dropped.clone()));
        assert!(!reaped.1.load(Ordering::SeqCst), "reachable through Deref until dropped");
        drop(reaped);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !dropped.load(Ordering::SeqCst) {
            assert!(Instant::now() < deadline, "the reaper dropped it");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(name.lock().unwrap().as_deref(), Some("zeroclaw-reaper"));
    }

    #[test]
    fn waiting_for_the_reaper_returns_once_earlier_values_are_dropped() {
        let (name, dropped) = (Arc::new(Mutex::new(None)), Arc::new(AtomicBool::new(false)));
        drop(Reaped::new(Witness(name, dropped.clone())));
        wait_for_reaper();
        assert!(dropped.load(Ordering::SeqCst));
    }
}
