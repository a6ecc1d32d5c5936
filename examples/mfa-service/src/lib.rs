//! An example axum service that offers TOTP (authenticator app) MFA to its own users through
//! [`stytch_totp`], with every Stytch call traced.
//!
//! The binary (`cargo run -p mfa-service`) is a thin wrapper around this library, so tests can
//! build the same [`router`] and drive it with `tower::ServiceExt::oneshot`.
//!
//! # Endpoints
//!
//! | HTTP | body | answer |
//! |---|---|---|
//! | `POST /mfa/enroll` | `{"user_id"}` | [`EnrollResponse`]: QR code, manual-entry key, recovery codes (shown once) |
//! | `POST /mfa/verify` | `{"user_id", "code"}` | [`SessionResponse`]: a Stytch session |
//! | `POST /mfa/recover` | `{"user_id", "recovery_code"}` | [`SessionResponse`] |
//! | `GET /me` | session JWT (Bearer or cookie) | [`MeResponse`]: user, session, factors |
//! | `POST /logout` | session JWT (Bearer or cookie) | `{"status": "signed_out"}`; the session is revoked |
//! | `GET /healthz` | | `{"status": "ok"}` (no Stytch call) |
//! | `GET /` (`/app.js`, `/app.css`) | | the sign-in pages for people: enrol, verify, recover, signed in, sign out |
//!
//! Verify and recover also set the session cookie ([`SESSION_COOKIE`]: the JWT, HttpOnly,
//! SameSite=Strict). `GET /me` sits behind the [`MfaSession`] extractor: the JWT is verified
//! locally by the SDK (no Stytch call) unless it is past its `exp` or older than
//! [`AppState::with_max_token_age`], when Stytch checks it and a fresh JWT is handed back; the
//! session must have a TOTP or recovery-code factor (step-up), else 403 `mfa_required`.
//!
//! `user_id` is the service's own user id. It is mapped to a Stytch user through Stytch's
//! `external_id`: enroll creates the Stytch user on first use, and the TOTP calls pass the
//! external id as `user_id` (Stytch accepts either). Ids must be 1 to 128 letters, digits, `.`,
//! `_`, `-` or `|` (Stytch's rule for external ids) and must not look like a Stytch user id
//! (`user-test-...`, `user-live-...`), which Stytch would resolve to that other user.
//!
//! Errors are JSON [`ApiError`] bodies (`error`, `message`, and when known `request_id`,
//! `lock_expires_at`, `outcome_unknown`); see [`ApiError`] for the status mapping. No body and
//! no log line ever carries a secret: TOTP secrets, QR codes, recovery codes and session tokens
//! travel only in the success bodies meant for them, held in
//! [`SecretString`](stytch_totp::models::SecretString)s whose `Debug` is redacted.
//!
//! # Tracing
//!
//! [`router`] wraps every route in a request span (`http.request`, with `otel.name` =
//! `"POST /mfa/enroll"`, `http.route`, `http.response.status_code`, and the W3C trace ids: see
//! [`trace_context`]). Each handler opens its own span (`mfa.enroll`, `mfa.verify`,
//! `mfa.recover`), under which the SDK's `stytch.*` operation spans nest. [`telemetry::init`]
//! installs JSON logs on stdout and, with the `opentelemetry-otlp` feature and
//! `OTEL_EXPORTER_OTLP_ENDPOINT` set, an OTLP/HTTP span exporter.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let backend = mfa_service::Backend::from_env().await?; // Stytch, or the embedded emulator
//! let app = mfa_service::router(mfa_service::AppState::new(backend.client().clone()));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```

mod backend;
mod error;
mod pages;
mod routes;
mod session;
pub mod telemetry;
pub mod trace_context;

use axum::routing::{get, post};
use axum::Router;
use std::time::Duration;
use stytch_totp::Client;

pub use backend::{Backend, BackendError};
pub use error::ApiError;
pub use routes::{
    EnrollRequest, EnrollResponse, JsonBody, RecoverRequest, SessionResponse, VerifyRequest,
};
pub use session::{
    has_mfa_factor, Factor, MeResponse, MfaSession, MFA_FACTOR_TYPES, SESSION_COOKIE, USER_ID_CLAIM,
};

/// Default length of the sessions started by verify and recover.
pub const DEFAULT_SESSION_DURATION_MINUTES: i64 = 60;

/// Default age after which a session JWT is checked with Stytch rather than locally: a revoked
/// session is refused at most this long after logout.
pub const DEFAULT_MAX_TOKEN_AGE: Duration = Duration::from_secs(60);

/// What every handler shares: one SDK client (cheap to clone, one connection pool).
#[derive(Debug, Clone)]
pub struct AppState {
    client: Client,
    session_duration_minutes: i64,
    max_token_age: Duration,
    secure_cookies: bool,
}

impl AppState {
    /// State around `client`, with sessions of [`DEFAULT_SESSION_DURATION_MINUTES`], JWTs
    /// checked with Stytch after [`DEFAULT_MAX_TOKEN_AGE`], and `Secure` cookies.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            session_duration_minutes: DEFAULT_SESSION_DURATION_MINUTES,
            max_token_age: DEFAULT_MAX_TOKEN_AGE,
            secure_cookies: true,
        }
    }

    /// Session JWTs issued longer ago than this are checked with Stytch, not locally.
    #[must_use]
    pub fn with_max_token_age(mut self, age: Duration) -> Self {
        self.max_token_age = age;
        self
    }

    /// Whether the session cookie is `Secure` (sent over HTTPS only). Turn it off only for
    /// plain-HTTP development on loopback.
    #[must_use]
    pub fn with_secure_cookies(mut self, secure: bool) -> Self {
        self.secure_cookies = secure;
        self
    }

    fn session_duration(&self) -> Duration {
        Duration::from_secs(u64::try_from(self.session_duration_minutes).unwrap_or(0) * 60)
    }

    /// Sessions started by verify and recover last this long (Stytch allows 5 to 527040).
    #[must_use]
    pub fn with_session_duration_minutes(mut self, minutes: i64) -> Self {
        self.session_duration_minutes = minutes;
        self
    }

    /// The shared Stytch client.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

/// The service: the MFA routes, `/me`, `/logout` and `/healthz`, each request traced (see
/// [`telemetry::trace_layer`]).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/mfa/enroll", post(routes::enroll))
        .route("/mfa/verify", post(routes::verify))
        .route("/mfa/recover", post(routes::recover))
        .route("/", get(pages::index))
        .route("/app.js", get(pages::app_js))
        .route("/app.css", get(pages::app_css))
        .route("/me", get(session::me))
        .route("/logout", post(session::logout))
        .route("/healthz", get(routes::healthz))
        .with_state(state)
        .layer(telemetry::trace_layer())
}
