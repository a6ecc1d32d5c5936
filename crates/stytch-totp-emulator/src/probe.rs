//! A test probe: how many session JWTs are being signed at once (the HTTP side's unit test
//! shows two sign-ins signing at the same time, so signing cannot be under the store's lock).

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

/// Counts signatures in progress; with [`SigningProbe::wait_for`] set, each signer waits (up
/// to a timeout) until that many sign at once, and records the largest number seen.
#[derive(Default)]
pub(crate) struct SigningProbe {
    state: Arc<(Mutex<ProbeState>, Condvar)>,
}

#[derive(Default)]
struct ProbeState {
    in_progress: usize,
    peak: usize,
    wait_for: usize,
}

/// One signature in progress; done when dropped.
pub(crate) struct Signing(Arc<(Mutex<ProbeState>, Condvar)>);

impl SigningProbe {
    pub(crate) fn enter(&self) -> Signing {
        let (lock, condvar) = &*self.state;
        let mut state = lock.lock().unwrap_or_else(PoisonError::into_inner);
        state.in_progress += 1;
        state.peak = state.peak.max(state.in_progress);
        condvar.notify_all();
        let wait_for = state.wait_for;
        let _ = condvar
            .wait_timeout_while(state, Duration::from_secs(5), |s| s.in_progress < wait_for)
            .unwrap_or_else(PoisonError::into_inner);
        Signing(self.state.clone())
    }

    pub(crate) fn wait_for(&self, signers: usize) {
        self.state.0.lock().unwrap().wait_for = signers;
    }

    pub(crate) fn peak(&self) -> usize {
        self.state.0.lock().unwrap().peak
    }
}

impl Drop for Signing {
    fn drop(&mut self) {
        let (lock, _) = &*self.0;
        lock.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .in_progress -= 1;
    }
}
