//! The state one emulator shares between its requests: the [`Store`] behind one lock, the
//! signing key, the configuration (clock included), the fault queue and the counters.
//!
//! The lock covers reading and changing records only ([`Shared::with_store`]): handlers verify
//! JWTs before taking it and draw QR codes, sign JWTs and render JSON after releasing it.

use std::sync::{Arc, Mutex, PoisonError};

use crate::domain::{Ctx, Store};
use crate::faults::queue::FaultQueue;
use crate::ids::Ids;
use crate::keys::{KeyRing, Rotation};
use crate::{EmulatorConfig, Operation, SigningKey, Stats};

/// The router's state.
pub(crate) type AppState = Arc<Shared>;

/// Everything one emulator owns.
pub(crate) struct Shared {
    pub(crate) config: EmulatorConfig,
    pub(crate) ids: Ids,
    pub(crate) faults: FaultQueue,
    store: Mutex<Store>,
    stats: Mutex<Stats>,
    keys: KeyRing,
    /// Lets a unit test see two signatures made at the same time.
    #[cfg(test)]
    pub(crate) signing_probe: crate::probe::SigningProbe,
}

impl Shared {
    pub(crate) fn new(config: EmulatorConfig) -> Self {
        SigningKey::prepare_in_background();
        Self {
            ids: Ids::for_project(&config.project_id),
            keys: KeyRing::new(config.signing_key.clone()),
            config,
            faults: FaultQueue::default(),
            store: Mutex::new(Store::default()),
            stats: Mutex::new(Stats::default()),
            #[cfg(test)]
            signing_probe: Default::default(),
        }
    }

    /// Runs `f` with the store locked: one domain operation, atomically, at one instant of
    /// the emulator clock.
    pub(crate) fn with_store<T>(&self, f: impl FnOnce(&mut Store, &Ctx) -> T) -> T {
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        let ctx = Ctx {
            now: self.config.clock.now(),
            ids: self.ids,
            lock_policy: self.config.lock_policy,
        };
        f(&mut store, &ctx)
    }

    /// The key that signs session JWTs now: the configured one, else the process's default,
    /// until a rotation.
    pub(crate) fn signing_key(&self) -> SigningKey {
        self.keys.signing()
    }

    /// The keys this emulator publishes now (JWKS): the signing key, then the rotated-out
    /// keys in their grace period, with their withdrawal times.
    pub(crate) fn published_keys(&self) -> (SigningKey, Vec<crate::keys::RetiredKey>) {
        self.keys.published(self.config.clock.now())
    }

    /// The published key that can have signed `jwt` (by its header's `kid`).
    pub(crate) fn verifying_key(&self, jwt: &str) -> Option<SigningKey> {
        let kid = crate::jwt::key_id_of(jwt)?;
        self.keys.published_key(&kid, self.config.clock.now())
    }

    /// A new key signs from now on; the previous one is published for `grace` more (on the
    /// emulator clock). The key is made before any lock is taken.
    pub(crate) fn rotate_signing_key(&self, grace: std::time::Duration) -> Rotation {
        let next = SigningKey::generate();
        self.keys.rotate(next, grace, self.config.clock.now())
    }

    pub(crate) fn stats<T>(&self, f: impl FnOnce(&mut Stats) -> T) -> T {
        f(&mut self.stats.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub(crate) fn applied(&self, operation: Operation) {
        self.stats(|s| s.record_applied(operation));
    }
}
