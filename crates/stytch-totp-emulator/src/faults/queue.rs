//! The queue of pending faults and the countdown of each.

use std::sync::{Mutex, PoisonError};

use stytch_totp_models::Operation;

use super::{Fault, FaultSpec};

/// A queued fault and its countdown.
struct Queued {
    spec: FaultSpec,
    /// Matching requests let through since the last fault.
    passed: usize,
}

impl Queued {
    fn matches(&self, raw_path: &str, route: Option<&str>, operation: Option<Operation>) -> bool {
        if self.spec.operation.is_some() && self.spec.operation != operation {
            return false;
        }
        match &self.spec.path {
            None => true,
            Some(p) => {
                let p = p.split('?').next().unwrap_or_default();
                p == raw_path || route == Some(p) || percent_decode(raw_path) == p
            }
        }
    }
}

/// The queue of pending faults, first in, first out.
#[derive(Default)]
pub(crate) struct FaultQueue {
    entries: Mutex<Vec<Queued>>,
}

impl FaultQueue {
    pub(crate) fn push(&self, spec: FaultSpec) {
        if spec.times > 0 {
            self.lock().push(Queued { spec, passed: 0 });
        }
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    /// The pending faults, `times` being what is left.
    pub(crate) fn pending(&self) -> Vec<FaultSpec> {
        self.lock().iter().map(|q| q.spec.clone()).collect()
    }

    /// Takes one use of the first fault matching this request.
    pub(crate) fn take(
        &self,
        raw_path: &str,
        route: Option<&str>,
        operation: Option<Operation>,
    ) -> Option<Fault> {
        let mut entries = self.lock();
        let index = entries
            .iter()
            .position(|q| q.matches(raw_path, route, operation))?;
        let entry = &mut entries[index];
        entry.passed += 1;
        if entry.passed < entry.spec.every.max(1) {
            return None;
        }
        entry.passed = 0;
        entry.spec.times -= 1;
        let fault = entry.spec.fault.clone();
        if entry.spec.times == 0 {
            entries.remove(index);
        }
        Some(fault)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Queued>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Lossy percent-decoding of a path, for matching only.
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn every_nth_matching_request_gets_the_fault() {
        let queue = FaultQueue::default();
        queue.push(FaultSpec::new(Fault::status(503)).every(3).times(2));
        let hits: Vec<bool> = (0..9)
            .map(|_| {
                queue
                    .take(Operation::UsersCreate.path(), None, None)
                    .is_some()
            })
            .collect();
        assert_eq!(
            hits,
            [false, false, true, false, false, true, false, false, false]
        );
    }

    /// A raw request path of `users.get`, id written as given (percent-encoding kept).
    fn raw(id: &str) -> String {
        Operation::UsersGet.path().replace("{user_id}", id)
    }

    #[test]
    fn queue_matches_paths_and_counts_down() {
        let queue = FaultQueue::default();
        queue.push(
            FaultSpec::new(Fault::status(500))
                .on_path(Operation::TotpsCreate.path())
                .times(2),
        );
        queue.push(FaultSpec::new(Fault::DropConnection).on_path(Operation::UsersGet.path()));
        queue.push(FaultSpec::new(Fault::TruncatedBody).times(0));
        assert_eq!(queue.take(Operation::TotpsRecover.path(), None, None), None);
        assert_eq!(
            queue.take(Operation::TotpsCreate.path(), None, None),
            Some(Fault::status(500))
        );
        assert_eq!(
            queue.take(&raw("user%2Dtest"), Some(Operation::UsersGet.path()), None),
            Some(Fault::DropConnection)
        );
        assert_eq!(
            queue.take(Operation::TotpsCreate.path(), None, None),
            Some(Fault::status(500))
        );
        assert_eq!(queue.take(Operation::TotpsCreate.path(), None, None), None);
        assert!(queue.pending().is_empty());
        queue.push(FaultSpec::new(Fault::status(503)).on(Operation::UsersDelete));
        let route = Some(Operation::UsersGet.path());
        assert_eq!(
            queue.take(&raw("u"), route, Some(Operation::UsersGet)),
            None
        );
        assert_eq!(queue.take(&raw("u"), route, None), None);
        assert_eq!(
            queue.take(&raw("u"), route, Some(Operation::UsersDelete)),
            Some(Fault::status(503))
        );
        queue.push(
            FaultSpec::new(Fault::Delay(Duration::from_millis(5)))
                .on_path(Operation::UsersGet.path_with(&["user-test-1"])),
        );
        assert!(queue.take(&raw("user%2Dtest%2D1"), None, None).is_some());
    }

    #[test]
    fn percent_decoding_is_lossy_but_safe() {
        assert_eq!(percent_decode("/a%2Db"), "/a-b");
        assert_eq!(percent_decode("/a%2"), "/a%2");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }
}
