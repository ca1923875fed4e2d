//! What the host offers native plugins beyond their config: services reached through a
//! [`HostLink`], which becomes live once the agent is up (plugins are built before it).

use std::sync::{Arc, OnceLock, Weak};

use async_trait::async_trait;

/// Services the running host provides to native plugins.
#[async_trait]
pub trait HostServices: Send + Sync {
    /// Runs one isolated agent turn: its own new session (closed afterwards), no channel,
    /// no delivery. Returns the reply, or why there is none.
    async fn run_isolated_turn(&self, label: &str, message: &str) -> Result<String, String>;
}

/// A late-bound link to the host's services, shared by every native plugin context.
#[derive(Clone, Default)]
pub struct HostLink {
    cell: Arc<OnceLock<Weak<dyn HostServices>>>,
}

impl std::fmt::Debug for HostLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostLink").field("live", &self.get().is_some()).finish()
    }
}

impl HostLink {
    /// A link not yet connected.
    pub fn new() -> Self {
        HostLink::default()
    }

    /// Connects the link (once; later calls are ignored).
    pub fn connect(&self, services: Weak<dyn HostServices>) {
        let _ = self.cell.set(services);
    }

    /// The host's services, once the host is up and while it runs.
    pub fn get(&self) -> Option<Arc<dyn HostServices>> {
        self.cell.get().and_then(Weak::upgrade)
    }
}
