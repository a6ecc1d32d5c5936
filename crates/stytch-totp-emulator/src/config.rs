//! [`EmulatorConfig`]: credentials, lock policy, issuer, limits and clock of one emulator.

use std::fmt;
use std::time::Duration;

use crate::{Clock, SigningKey};

/// The project id every emulator accepts unless configured otherwise.
pub const DEFAULT_PROJECT_ID: &str = "project-test-00000000-0000-0000-0000-000000000000";

/// The secret every emulator accepts unless configured otherwise. A test credential: it grants
/// access to nothing but a local emulator.
pub const DEFAULT_SECRET: &str = "secret-test-emulator-00000000000000000000000";

/// The port `stytch-totp serve` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8787;

/// The address `stytch-totp serve` listens on unless told otherwise: loopback only, since
/// the emulator is for tests.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8787";

/// The issuer shown by authenticator apps for TOTPs created by the emulator.
pub const DEFAULT_ISSUER: &str = "Stytch TOTP Emulator";

/// Default request body limit: 64 KiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

/// How long a signing key rotated out ([`Emulator::rotate_signing_key`](crate::Emulator::rotate_signing_key))
/// stays published, on the emulator clock, unless configured otherwise: 10 minutes, the
/// JWT lifetime (5 minutes) plus the key-set cache of Stytch's SDKs (the official Rust crate's
/// 300 s), so that every JWT the old key signed has expired and every cached key set has been
/// refreshed before the key is withdrawn. Stytch does not document its own grace period.
pub const DEFAULT_SIGNING_KEY_GRACE_PERIOD: Duration = Duration::from_secs(600);

/// When repeated failures lock a user, and for how long.
///
/// Failed TOTP codes and failed recovery codes count together; any successful authenticate or
/// recover resets the count. `max_failed_attempts: 0` disables locking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockPolicy {
    /// Consecutive failures that lock the user (default 10).
    pub max_failed_attempts: u32,
    /// How long the lock lasts (default 1 hour).
    pub lock_duration: Duration,
}

impl Default for LockPolicy {
    fn default() -> Self {
        Self {
            max_failed_attempts: 10,
            lock_duration: Duration::from_secs(3600),
        }
    }
}

/// Configuration of one emulator. Build it from [`EmulatorConfig::default`] and the `with_*`
/// methods.
///
/// ```
/// use std::time::Duration;
/// use stytch_totp_emulator::{EmulatorConfig, LockPolicy};
///
/// let config = EmulatorConfig::default()
///     .with_credentials("project-live-1234", "secret-live-abcd")
///     .with_lock_policy(LockPolicy { max_failed_attempts: 3, lock_duration: Duration::from_secs(60) });
/// assert_eq!(config.project_id, "project-live-1234");
/// // The secret never shows in Debug output.
/// assert!(!format!("{config:?}").contains("secret-live-abcd"));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct EmulatorConfig {
    /// The project id accepted in HTTP Basic auth. Ids the emulator creates contain `-live-`
    /// when it starts with `project-live-`, `-test-` otherwise.
    pub project_id: String,
    /// The secret accepted in HTTP Basic auth (a test credential).
    pub secret: String,
    /// The issuer written into `otpauth://` URIs and QR codes.
    pub issuer: String,
    /// User lock policy.
    pub lock_policy: LockPolicy,
    /// Largest accepted request body, in bytes; larger bodies get a 413 `bad_request`.
    pub max_body_bytes: usize,
    /// The time source; share a clone to move time in tests.
    pub clock: Clock,
    /// The key that signs session JWTs; `None`: the process's shared default
    /// ([`SigningKey::process_default`]).
    pub signing_key: Option<SigningKey>,
    /// How long a key rotated out stays published (default
    /// [`DEFAULT_SIGNING_KEY_GRACE_PERIOD`]).
    pub signing_key_grace_period: Duration,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            project_id: DEFAULT_PROJECT_ID.to_owned(),
            secret: DEFAULT_SECRET.to_owned(),
            issuer: DEFAULT_ISSUER.to_owned(),
            lock_policy: LockPolicy::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            clock: Clock::system(),
            signing_key: None,
            signing_key_grace_period: DEFAULT_SIGNING_KEY_GRACE_PERIOD,
        }
    }
}

impl EmulatorConfig {
    /// Sets the project id and secret accepted in HTTP Basic auth.
    #[must_use]
    pub fn with_credentials(
        mut self,
        project_id: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        self.project_id = project_id.into();
        self.secret = secret.into();
        self
    }

    /// Sets the issuer shown by authenticator apps. A `:` is replaced by `-` (the `otpauth`
    /// label format reserves it).
    #[must_use]
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = issuer.into();
        self
    }

    /// Sets the user lock policy.
    #[must_use]
    pub fn with_lock_policy(mut self, policy: LockPolicy) -> Self {
        self.lock_policy = policy;
        self
    }

    /// Sets the request body limit in bytes.
    #[must_use]
    pub fn with_max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Sets the key that signs session JWTs (RS256), e.g. to pin it in tests or to share it
    /// between emulators.
    #[must_use]
    pub fn with_signing_key(mut self, key: SigningKey) -> Self {
        self.signing_key = Some(key);
        self
    }

    /// Sets how long a signing key rotated out stays published (JWKS, and accepted by the
    /// emulator's own JWT checks), on the emulator clock. `Duration::ZERO` withdraws it at once.
    #[must_use]
    pub fn with_signing_key_grace_period(mut self, grace: Duration) -> Self {
        self.signing_key_grace_period = grace;
        self
    }

    /// Sets the clock.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }
}

impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("project_id", &self.project_id)
            .field("secret", &"[REDACTED]")
            .field("issuer", &self.issuer)
            .field("lock_policy", &self.lock_policy)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("clock", &self.clock)
            .field("signing_key", &self.signing_key)
            .field("signing_key_grace_period", &self.signing_key_grace_period)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_addr_uses_default_port() {
        let addr: std::net::SocketAddr = DEFAULT_ADDR.parse().unwrap();
        assert_eq!(addr.port(), DEFAULT_PORT);
        assert!(addr.ip().is_loopback());
    }
}
