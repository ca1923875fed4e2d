//! Bridges between the host's own streams and plugin hooks.

mod observer;

pub use observer::ObserverBridge;
