//! User locks: consecutive failed attempts lock a user for a while; a success resets the
//! count. Every factor counts into the same per-user counter (Stytch: "failures count across
//! authentication methods"): TOTP codes, recovery codes and passwords.

use std::collections::HashMap;
use std::time::SystemTime;

use super::refusal::Refusal;
use crate::clock::add;
use crate::LockPolicy;

/// An active (or expired, not yet cleared) lock.
#[derive(Clone, Copy)]
pub(crate) struct Lock {
    pub(crate) created_at: SystemTime,
    pub(crate) expires_at: SystemTime,
}

#[derive(Default)]
struct LockState {
    failed_attempts: u32,
    lock: Option<Lock>,
}

#[derive(Default)]
pub(crate) struct Locks {
    by_user: HashMap<String, LockState>,
}

impl Locks {
    /// [`Refusal::UserLocked`] while the user is locked; clears an expired lock.
    pub(crate) fn check(&mut self, user_id: &str, now: SystemTime) -> Result<(), Refusal> {
        let Some(state) = self.by_user.get_mut(user_id) else {
            return Ok(());
        };
        match state.lock {
            Some(lock) if lock.expires_at > now => Err(Refusal::UserLocked(lock.expires_at)),
            Some(_) => {
                *state = LockState::default();
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Counts a failed attempt; the `max_failed_attempts`-th one locks the user.
    pub(crate) fn record_failure(&mut self, user_id: &str, policy: LockPolicy, now: SystemTime) {
        if policy.max_failed_attempts == 0 {
            return;
        }
        let state = self.by_user.entry(user_id.to_owned()).or_default();
        state.failed_attempts = state.failed_attempts.saturating_add(1);
        if state.failed_attempts >= policy.max_failed_attempts {
            state.failed_attempts = 0;
            state.lock = Some(Lock {
                created_at: now,
                expires_at: add(now, policy.lock_duration),
            });
        }
    }

    /// A success: the count starts again.
    pub(crate) fn reset(&mut self, user_id: &str) {
        if let Some(state) = self.by_user.get_mut(user_id) {
            state.failed_attempts = 0;
        }
    }

    /// The user's lock if it is still in force at `now`.
    pub(crate) fn active(&self, user_id: &str, now: SystemTime) -> Option<Lock> {
        self.by_user
            .get(user_id)
            .and_then(|s| s.lock)
            .filter(|l| l.expires_at > now)
    }

    pub(crate) fn remove(&mut self, user_id: &str) {
        self.by_user.remove(user_id);
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    const POLICY: LockPolicy = LockPolicy {
        max_failed_attempts: 3,
        lock_duration: Duration::from_secs(600),
    };

    #[test]
    fn the_nth_failure_locks_until_the_duration_passes() {
        let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut locks = Locks::default();
        locks.record_failure("u", POLICY, t0);
        locks.record_failure("u", POLICY, t0);
        assert_eq!(locks.check("u", t0), Ok(()));
        assert!(locks.active("u", t0).is_none());
        locks.record_failure("u", POLICY, t0);
        let until = t0 + POLICY.lock_duration;
        assert_eq!(locks.check("u", t0), Err(Refusal::UserLocked(until)));
        assert_eq!(locks.active("u", t0).map(|l| l.expires_at), Some(until));
        // Another user is not affected; the lock ends on the clock, and the count restarts.
        assert_eq!(locks.check("v", t0), Ok(()));
        assert_eq!(locks.check("u", until), Ok(()));
        assert!(locks.active("u", until).is_none());
        locks.record_failure("u", POLICY, until);
        assert_eq!(locks.check("u", until), Ok(()));
    }

    #[test]
    fn a_success_resets_the_count_and_zero_disables_locking() {
        let t0 = UNIX_EPOCH;
        let mut locks = Locks::default();
        locks.record_failure("u", POLICY, t0);
        locks.record_failure("u", POLICY, t0);
        locks.reset("u");
        locks.record_failure("u", POLICY, t0);
        locks.record_failure("u", POLICY, t0);
        assert_eq!(locks.check("u", t0), Ok(()));
        let off = LockPolicy {
            max_failed_attempts: 0,
            ..POLICY
        };
        for _ in 0..10 {
            locks.record_failure("w", off, t0);
        }
        assert_eq!(locks.check("w", t0), Ok(()));
    }
}
