//! Backends: where plugins come from.
//!
//! A backend turns its sources (the crates linked in, a plugins directory, …) into
//! [`PluginOffer`]s; the runtime asks each registered backend in turn, in precedence
//! order, and hands every offer to one [`SnapshotBuilder`](crate::plugins::SnapshotBuilder).
//! A backend never builds entries and never asks another backend anything: the ids
//! already offered in this round come with the [`Round`].
//!
//! A backend keeps what it loaded (to reuse it in the next round) and learns with
//! [`Backend::commit`] whether the round's snapshot was published, so a round that fails
//! as a whole leaves every backend as it was.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;

use crate::config::LoadedConfig;
use crate::plugins::offer::PluginOffer;
use crate::plugins::registry::{Diagnostic, RegistryError};
use crate::plugins::reload::ReloadReport;

/// One rebuild, as a backend sees it.
pub struct Round<'a> {
    /// The config the new snapshot is built from.
    pub config: &'a LoadedConfig,
    /// The new snapshot's generation.
    pub generation: u64,
    /// With a value, plugins whose files changed less than this ago are still being
    /// written: keep their previous version (or wait), for a later round.
    pub settle: Option<Duration>,
    /// The plugin ids earlier backends offered in this round, with their backend.
    pub claimed: &'a BTreeMap<String, String>,
}

/// No plugin id claimed yet.
static NONE_CLAIMED: BTreeMap<String, String> = BTreeMap::new();

impl<'a> Round<'a> {
    /// The first (or only) backend's round for `config`: nothing settles, no id is taken.
    pub fn new(config: &'a LoadedConfig, generation: u64) -> Self {
        Round { config, generation, settle: None, claimed: &NONE_CLAIMED }
    }

    /// Why a plugin may not take `id` in this round (an earlier backend's plugin has it),
    /// or `None`: lets a backend refuse a plugin before loading it. The builder applies
    /// the same rule to every offer.
    pub fn refuse_id(&self, id: &str) -> Option<String> {
        id_taken(self.claimed, id)
    }
}

/// The id rule: one plugin per id; the earlier backend (natives first) keeps it.
pub(crate) fn id_taken(claimed: &BTreeMap<String, String>, id: &str) -> Option<String> {
    claimed.get(id).map(|backend| format!("id `{id}` is the name of a {backend} plugin; choose another id"))
}

/// What a backend offers for one round.
#[derive(Default)]
pub struct Offers {
    /// Every plugin it knows, serving or not.
    pub plugins: Vec<PluginOffer>,
    /// What the operator should know beyond each plugin's status.
    pub diagnostics: Vec<Diagnostic>,
    /// What changed since its last committed round.
    pub report: ReloadReport,
}

impl Offers {
    /// Records a diagnostic about `plugin`.
    pub fn diagnostic(&mut self, plugin: impl Into<String>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic { plugin: plugin.into(), message: message.into() });
    }
}

/// A source of plugins.
#[async_trait]
pub trait Backend: Send + Sync {
    /// The backend's name, as owners and `plugins list` show it (`native`, `wasm`).
    fn name(&self) -> &'static str;

    /// Brings this backend's plugins up to date with `round.config` and says what they
    /// offer. An error fails the whole round (nothing is published); a plugin that fails
    /// is an offer with a failed status instead.
    async fn offer(&self, round: &Round<'_>) -> Result<Offers, RegistryError>;

    /// The round's snapshot was published (`true`) or abandoned (`false`): keep what the
    /// last [`offer`](Self::offer) loaded, or go back to what was kept before.
    fn commit(&self, published: bool);

    /// Prepares, ahead of a reload, the plugins whose files are among `changed` (the wasm
    /// backend compiles them into its cache); returns how many it prepared.
    async fn prepare(&self, config: &LoadedConfig, changed: &[PathBuf]) -> usize {
        let _ = (config, changed); // most backends have nothing to prepare
        0
    }
}

/// The backend of a kind this build leaves out (`zeroclaw` built without the `wasm`
/// feature): it offers nothing, and says so when the config asks for its plugins.
#[cfg(not(feature = "wasm"))]
pub struct Unavailable {
    name: &'static str,
    feature: &'static str,
}

#[cfg(not(feature = "wasm"))]
impl Unavailable {
    /// The wasm backend, absent.
    pub fn wasm() -> Self {
        Unavailable { name: "wasm", feature: "wasm" }
    }
}

#[cfg(not(feature = "wasm"))]
#[async_trait]
impl Backend for Unavailable {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn offer(&self, round: &Round<'_>) -> Result<Offers, RegistryError> {
        let mut offers = Offers::default();
        if round.config.config.plugins.enabled {
            offers.diagnostic(
                "plugins",
                format!(
                    "plugins.enabled = true, but this zeroclaw was built without the `{}` feature: no {} plugin is loaded",
                    self.feature, self.name
                ),
            );
        }
        Ok(offers)
    }

    fn commit(&self, _published: bool) {}
}
