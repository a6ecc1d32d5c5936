//! [`Stats`]: what the emulator saw and what it applied, to compare with what callers saw.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use stytch_totp_models::Operation;

/// Counters since the emulator started (or since the last reset). Requests to the admin API
/// under `/_emulator/` are not counted.
///
/// An operation is *applied* when it succeeded inside the emulator, whatever the caller then
/// saw: with `Fault::AfterApply` a recover is applied although the caller got a 503.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Stats {
    /// Every API request received, faulted or not.
    pub requests_total: u64,
    /// Requests received per raw request path (query excluded, ids as sent).
    pub requests_by_path: BTreeMap<String, u64>,
    /// Responses sent per HTTP status, as callers saw them (after faults).
    pub responses_by_status: BTreeMap<u16, u64>,
    /// Successful operations per [`Operation::name`], e.g. `totps.recover`.
    pub operations_applied: BTreeMap<String, u64>,
    /// Faults taken from the queue and applied.
    pub faults_injected: u64,
    /// Connections closed without a response by `Fault::DropConnection`.
    pub connections_dropped: u64,
}

impl Stats {
    /// Requests received for one raw path (e.g. `Operation::TotpsRecover.path()`).
    pub fn requests_to(&self, path: &str) -> u64 {
        self.requests_by_path.get(path).copied().unwrap_or(0)
    }

    /// How many times `operation` succeeded inside the emulator.
    pub fn applied(&self, operation: Operation) -> u64 {
        self.operations_applied
            .get(operation.name())
            .copied()
            .unwrap_or(0)
    }

    /// Responses sent with `status`.
    pub fn responses_with(&self, status: u16) -> u64 {
        self.responses_by_status.get(&status).copied().unwrap_or(0)
    }

    // Counted under the stats lock on every request: a path or operation seen before is
    // counted without allocating its key again.
    pub(crate) fn record_request(&mut self, path: &str) {
        self.requests_total += 1;
        count(&mut self.requests_by_path, path);
    }

    pub(crate) fn record_response(&mut self, status: u16) {
        *self.responses_by_status.entry(status).or_default() += 1;
    }

    pub(crate) fn record_applied(&mut self, operation: Operation) {
        count(&mut self.operations_applied, operation.name());
    }
}

fn count(counts: &mut BTreeMap<String, u64>, key: &str) {
    match counts.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            counts.insert(key.to_owned(), 1);
        }
    }
}
