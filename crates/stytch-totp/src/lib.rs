//! A Rust client for Stytch's TOTP (authenticator-app MFA) API.
//!
//! Build one [`Client`] at start-up, share it (it is `Clone + Send + Sync` and pools
//! connections), and call the endpoints grouped by resource: [`Client::totps`],
//! [`Client::passwords`], [`Client::users`] and [`Client::sessions`]. Requests are builders you `.await`; bad input fails with
//! [`Error::InvalidRequest`] before anything is sent.
//!
//! ```no_run
//! use stytch_totp::Client;
//!
//! # async fn flow(user_id: &str, code_from_app: &str) -> Result<(), stytch_totp::Error> {
//! let client = Client::from_env()?; // STYTCH_PROJECT_ID, STYTCH_SECRET, optional STYTCH_BASE_URL
//!
//! // 1. Enrol: show `qr_code` (a PNG data URL) or `secret` to the user, store nothing secret.
//! let totp = client.totps().create(user_id).expiration_minutes(60).await?;
//! println!("totp {} for {}", totp.totp_id, totp.user_id);
//! let recovery_codes = totp.recovery_codes; // show once; Debug prints [REDACTED]
//!
//! // 2. Verify the first code from the authenticator app, starting a one-hour session.
//! let auth = client
//!     .totps()
//!     .authenticate(user_id, code_from_app)
//!     .session_duration_minutes(60)
//!     .await?;
//! let _session_token = auth.session_token.expose_secret();
//!
//! // 3. Lost the phone? List the remaining recovery codes, then spend one.
//! let listed = client.totps().recovery_codes(user_id).await?;
//! println!("{} TOTP(s)", listed.totps.len());
//! let recovered = client.totps().recover(user_id, recovery_codes[0].expose_secret()).await?;
//!
//! // 4. Remove the TOTP.
//! client.users().delete_totp(&recovered.totp_id).await?;
//! # Ok(()) }
//! ```
//!
//! # Sessions
//!
//! After a TOTP check, Stytch hands back a session token and a session JWT. Check the JWT on
//! every request with [`Sessions::authenticate_jwt`]: it verifies the RS256 signature, issuer,
//! audience and lifetime locally against the project's keys (fetched once, cached, refetched
//! when Stytch rotates them), making no request; a JWT past its five-minute `exp`, or older
//! than a `max_token_age` you choose, is checked with Stytch instead, which answers a fresh
//! JWT ([`Checked::Remotely`]). Revoke at logout with [`Sessions::revoke`].
//!
//! # Errors
//!
//! Every call returns [`Error`]: invalid input (nothing sent), a Stytch API error with its
//! HTTP status, `request_id` and [`ErrorType`](stytch_totp_models::ErrorType), transport,
//! timeout, an undecodable body (status and a redacted snippet kept), or a body over the size
//! limit. [`Error::is_outcome_unknown`] tells when Stytch may have acted although the call
//! failed.
//!
//! # Retries
//!
//! Transient failures are retried with exponential backoff and jitter, bounded by a number of
//! retries and a time budget ([`RetryPolicy`]), honouring `Retry-After` on 429 and 503. What
//! is retried depends on whether sending twice could spend something twice:
//!
//! | operation | 429 | connect failure | 502 / 503 / 504 | timeout, reset after sending |
//! |---|---|---|---|---|
//! | `totps().create` | retried | retried | returned | returned |
//! | `totps().authenticate` | retried | retried | returned | returned |
//! | `totps().recover` | retried | retried | returned | returned |
//! | `totps().recovery_codes` | retried | retried | retried | retried |
//! | `passwords().create` | retried | retried | returned | returned |
//! | `passwords().authenticate` | retried | retried | returned | returned |
//! | `passwords().strength_check` | retried | retried | retried | retried |
//! | `users().create` | retried | retried | returned | returned |
//! | `users().get` | retried | retried | retried | retried |
//! | `users().delete` | retried | retried | returned | returned |
//! | `users().delete_totp` | retried | retried | returned | returned |
//! | `sessions().authenticate` | retried | retried | retried | retried |
//! | `sessions().revoke` | retried | retried | returned | returned |
//! | `sessions().get` | retried | retried | retried | retried |
//! | `sessions().jwks` | retried | retried | retried | retried |
//!
//! `sessions().authenticate` spends nothing (sending it twice re-checks the same session and
//! extends it to the same end), so it is retried like a read; a repeated `revoke` would answer
//! `session_not_found` and hide that the first one worked, so it is treated like a delete. Each
//! operation's class and its reason live in `specs/operations.json`
//! ([`Operation::retry_safety`], [`Operation::retry_reason`]).
//!
//! A 429 `user_lock_limit_reached` (too many failed codes: the user is locked for up to an
//! hour) is never retried. Any other 429 means Stytch did not process the request and a failed connect means nothing was
//! sent, so both are safe for every call. After a 5xx or a timeout on a call that creates,
//! consumes or deletes, the outcome is unknown, so the error is returned (with
//! `is_outcome_unknown() == true`) rather than risking a double spend. 500 is never retried.
//!
//! # Timeouts
//!
//! Connect 5 s, one attempt 30 s (Stytch's own limit), whole call 60 s including retries; all
//! configurable on [`ClientBuilder`], and each call can set its own `.timeout(...)`.
//!
//! # TLS
//!
//! The TLS backend is a crate feature: `rustls-ring` (default: rustls with ring, the
//! platform's trust store), `rustls-aws-lc-rs` (rustls with aws-lc-rs), or `native-tls`
//! (the platform's TLS library). Take another with `default-features = false, features =
//! ["native-tls"]`. [`ClientBuilder::add_root_certificate_pem`] trusts a private CA as well,
//! such as the emulator's when it serves HTTPS.
//!
//! # Observability
//!
//! Each call is one `tracing` span named after the operation (`stytch.totps.create`, ...) with
//! OpenTelemetry HTTP fields (`http.request.method`, `url.full`, `server.address`,
//! `server.port`, `http.response.status_code`) plus `stytch.request_id`, `stytch.attempts`
//! and `error.type`. Every response's `request_id` is logged (INFO on success, WARN on error)
//! with the operation, status and latency. No body, credential or secret is ever logged.

mod call;
mod client;
mod config;
mod decode;
mod error;
mod identifiers;
mod jwks;
mod jwt;
pub mod middleware;
mod passwords;
mod redact;
mod session_options;
mod sessions;
mod tls;
mod totps;
mod users;

pub use client::Client;
pub use config::{
    ClientBuilder, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CALL_TIMEOUT, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES, LIVE_BASE_URL, TEST_BASE_URL,
};
pub use decode::decode_response;
pub use error::Error;
pub use jwks::MIN_REFETCH_INTERVAL;
pub use jwt::{AuthenticateJwt, Checked, JwtRejection, VerifiedSession, SESSION_CLAIM};
pub use middleware::retry::RetryPolicy;
pub use passwords::{AuthenticatePassword, CreatePassword, PasswordStrengthCheck, Passwords};
pub use sessions::{AuthenticateSession, GetJwks, GetSessions, RevokeSession, Sessions};
pub use stytch_totp_models as models;
pub use stytch_totp_models::{Operation, RetrySafety};
pub use totps::{AuthenticateTotp, CreateTotp, RecoverTotp, TotpRecoveryCodes, Totps};
pub use users::{CreateUser, DeleteTotp, DeleteUser, GetUser, Users};

/// This crate's README, whose Rust snippets are compiled (and run, where they need no
/// credentials) as doctests so that it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
