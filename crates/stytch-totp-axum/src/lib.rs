//! A session guard for axum services on Stytch: every protected route takes a
//! [`StytchSession`], and the rules live in one [`Policy`], not in each handler.
//!
//! - The session JWT comes from `Authorization: Bearer <jwt>` or the session cookie.
//! - It is verified locally by the SDK ([`Sessions::authenticate_jwt`](stytch_totp::Sessions::authenticate_jwt)):
//!   no Stytch call while the JWT is younger than the policy's `max_token_age` and not past its
//!   `exp`; otherwise Stytch checks it and answers a fresh JWT, which the [`GuardLayer`] writes
//!   back as the cookie on whatever route the request reached.
//! - The policy decides which factors the session needs ([`Factor::password`],
//!   [`Factor::authenticator`], ...), how recently one must have been entered for sensitive
//!   routes ([`Policy::fresh`]), and how old a JWT may be before Stytch is asked.
//! - Refusals ([`Rejection`]) are JSON with a stable `error` and `WWW-Authenticate` on 401,
//!   or redirects for pages ([`Redirects`]); none repeats the JWT.
//! - Each verification is one `session.check` span with `session.id`, `session.checked`
//!   (`locally` / `remotely`), `session.credential` (`bearer` / `cookie`) and
//!   `session.refusal`.
//!
//! A two-factor service with a step-up route:
//!
//! ```no_run
//! use std::time::Duration;
//! use axum::{routing::{delete, get}, Router};
//! use stytch_totp_axum::{Factor, Guard, Policy, StytchSession};
//!
//! async fn me(session: StytchSession) -> String {
//!     format!("user {} in session {}", session.user_id(), session.session_id())
//! }
//!
//! async fn remove_authenticator(session: StytchSession) -> String {
//!     format!("removed for {}", session.user_id()) // entered a code in the last 10 minutes
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = stytch_totp::Client::from_env()?;
//! let two_factors = Policy::signed_in()
//!     .require(Factor::password())
//!     .require(Factor::authenticator());
//! let step_up = two_factors.clone().fresh(Factor::authenticator(), Duration::from_secs(600));
//! let app = Router::new()
//!     .route("/me", get(me))
//!     .route("/authenticator", delete(remove_authenticator).layer(step_up.layer()))
//!     .layer(Guard::new(client).policy(two_factors).layer());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! Sign-in handlers set the cookie with [`SessionCookie::set`] (the layer writes it with the
//! guard's [`CookieSettings`]: `HttpOnly`, `SameSite`, `Secure` except on loopback), and
//! sign-out deletes it with [`SessionCookie::remove`].
//!
//! Freshness and factor rules read the factors of the session claim (`type`,
//! `last_authenticated_at`), which Stytch updates when a factor is authenticated again with
//! the session's token or JWT: step-up keeps the same session.

mod credential;
mod guard;
mod policy;
mod rejection;
mod session;

pub use credential::{CookieSettings, Credential, SameSite, Secure, DEFAULT_COOKIE_NAME};
pub use guard::{Guard, GuardLayer, GuardService, PolicyLayer, PolicyService};
pub use policy::{Factor, Policy, PolicyRefusal, DEFAULT_MAX_TOKEN_AGE};
pub use rejection::{Redirects, Rejection};
pub use session::{SessionCookie, StytchSession};

/// This crate's README, whose Rust snippet is compiled as a doctest so that it cannot drift
/// from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
