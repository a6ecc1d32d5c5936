//! User locks: consecutive failed codes (TOTP and recovery codes together) lock a user for a
//! while; a success resets the count.

use std::collections::HashMap;
use std::time::SystemTime;

use axum::http::StatusCode;
use stytch_totp_models::ErrorType;

use crate::clock::{add, rfc3339};
use crate::errors::ApiError;
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
    /// 429 `user_lock_limit_reached` while the user is locked; clears an expired lock.
    pub(crate) fn check(&mut self, user_id: &str, now: SystemTime) -> Result<(), ApiError> {
        let Some(state) = self.by_user.get_mut(user_id) else {
            return Ok(());
        };
        match state.lock {
            Some(lock) if lock.expires_at > now => Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorType::UserLockLimitReached,
                format!(
                    "The user is locked after too many failed attempts until {}.",
                    rfc3339(lock.expires_at)
                ),
            )),
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
