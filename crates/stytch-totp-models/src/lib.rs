//! Stytch TOTP API models, generated from the JSON Schemas in `specs/`.
//!
//! Every request, response, error and object of the TOTP, password, user and session endpoints is a plain serde
//! type. They are produced by `cargo xtask codegen` (typify) into `generated.rs`; the few types
//! hand-written here stand in for schema definitions whose rules typify cannot express:
//!
//! * [`SecretString`], [`TotpCode`], [`RecoveryCode`]: secrets whose `Debug` prints
//!   `[REDACTED]` while their JSON stays the plain string;
//! * [`ExpirationMinutes`], [`SessionDurationMinutes`], [`UserIdentifier`], [`TotpIdentifier`]:
//!   values that cannot be constructed out of range, with a [`ValidationError`] naming the
//!   field and the rule;
//! * [`ErrorType`]: Stytch's `error_type` with a fallback for types added later;
//! * [`check_email`], [`check_password`], [`check_external_id`]: input rules shared by the
//!   client, the emulator and the CLI.
//!
//! The operations table (`specs/operations.json`) is generated too: [`Operation`] knows each
//! call's name, method, path, retry safety and credentials, and the [`endpoints`] marker types
//! pair each one with its request and response types through [`Endpoint`].
//!
//! With the `schemars` feature every type implements `schemars::JsonSchema` (0.8), so a
//! service can publish these shapes in its own API documentation; a test keeps the derived
//! schemas in step with `specs/`.
//!
//! Stytch's timestamps (`created_at`, `expires_at`, `lock_expires_at`, every `*_at` field of
//! every model) are [`chrono::DateTime<Utc>`](chrono::DateTime), re-exported as [`chrono`]
//! (typify's type for `"format": "date-time"`, and the official Stytch crate's). They decode
//! from RFC 3339 without allocating and encode back in Stytch's format: UTC with `Z`, whole
//! seconds as `2021-12-29T12:33:09Z`, a fraction only when there is one (3, 6 or 9 digits, so
//! `.123Z` and `.123456Z` come back as sent). Another offset (`+00:00`, `+02:00`) is accepted
//! and converted to UTC, so it is re-encoded with `Z`. A malformed time fails the decode like
//! any other wrong field.
//!
//! Responses tolerate unknown fields and fail with a clear serde error when a required one is
//! missing. Request types leave unset optional fields out of the JSON.
//!
//! ```
//! use stytch_totp_models::{CreateTotpRequest, CreateTotpResponse, ExpirationMinutes, UserIdentifier};
//!
//! let request = CreateTotpRequest {
//!     user_id: UserIdentifier::new("user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6")?,
//!     expiration_minutes: Some(ExpirationMinutes::new(60)?),
//! };
//! assert_eq!(
//!     serde_json::to_string(&request)?,
//!     r#"{"expiration_minutes":60,"user_id":"user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6"}"#
//! );
//!
//! let response: CreateTotpResponse = serde_json::from_str(include_str!("../tests/fixtures/create_totp_seed.json"))?;
//! assert_eq!(response.recovery_codes.len(), 10);
//! assert!(!format!("{response:?}").contains(response.secret.expose_secret()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod credentials;
mod endpoint;
mod error_type;
mod generated;
mod operations;
#[cfg(feature = "schemars")]
mod schema;
mod secret;
mod validated;

/// The date and time crate of every timestamp in the models, so a caller can name
/// `chrono::DateTime<chrono::Utc>` without a dependency of its own.
pub use chrono;
pub use credentials::{check_email, check_password, MAX_EMAIL_LEN};
pub use endpoint::{Endpoint, HttpMethod, RetrySafety};
pub use error_type::ErrorType;
pub use generated::*;
pub use operations::{endpoints, Operation};
pub use secret::{SecretString, REDACTED};
pub use validated::{
    check_external_id, ExpirationMinutes, RecoveryCode, SessionDurationMinutes, TotpCode,
    TotpIdentifier, UserIdentifier, ValidationError,
};

/// This crate's README, whose Rust snippets are compiled (and run, where they need no
/// credentials) as doctests so that it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
