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
//! | `POST /mfa/step-up` | session JWT, `{"code"}` | [`SessionResponse`]: the same session, its TOTP factor renewed |
//! | `POST /mfa/recovery-codes` | session JWT with a code entered in the last 5 minutes | [`RecoveryCodesResponse`] |
//! | `POST /logout` | session JWT (Bearer or cookie) | `{"status": "signed_out"}`; the session is revoked |
//! | `GET /healthz` | | `{"status": "ok"}` (no Stytch call) |
//! | `GET /` (`/app.js`, `/app.css`) | | the sign-in pages for people: enrol, verify, recover, signed in, sign out |
//!
//! Verify, recover and step-up also set the session cookie ([`SESSION_COOKIE`]: the JWT,
//! HttpOnly, SameSite=Strict). The signed-in routes sit behind the [`stytch_totp_axum`] session
//! guard: the JWT is verified locally by the SDK (no Stytch call) unless it is past its `exp` or
//! older than [`AppState::with_max_token_age`], when Stytch checks it and the guard writes the
//! fresh JWT back as the cookie, whatever the route. `GET /me` needs a session authenticated
//! with the authenticator (a TOTP or recovery code: [`AppState::policy`]), else 403
//! `factors_required`; `POST /mfa/recovery-codes` also needs it used within the step-up window
//! ([`AppState::step_up_policy`]), else 403 `step_up_required` until `POST /mfa/step-up`.
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
//! `mfa.recover`, `mfa.step_up`, ...), under which the SDK's `stytch.*` operation spans nest;
//! the guard's `session.check` span records each session check. [`telemetry::init`]
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
use stytch_totp_axum::{CookieSettings, Guard, Policy, SameSite, Secure};

pub use backend::{Backend, BackendError};
pub use error::ApiError;
pub use routes::{
    EnrollRequest, EnrollResponse, JsonBody, RecoverRequest, SessionResponse, VerifyRequest,
};
pub use session::{
    Factor, MeResponse, RecoveryCodesResponse, StepUpRequest, SESSION_COOKIE, USER_ID_CLAIM,
};

/// Default length of the sessions started by verify and recover.
pub const DEFAULT_SESSION_DURATION_MINUTES: i64 = 60;

/// Default age after which a session JWT is checked with Stytch rather than locally: a revoked
/// session is refused at most this long after logout.
pub const DEFAULT_MAX_TOKEN_AGE: Duration = stytch_totp_axum::DEFAULT_MAX_TOKEN_AGE;

/// How recently the authenticator must have been used for the sensitive route
/// (`POST /mfa/recovery-codes`).
pub const DEFAULT_STEP_UP_WINDOW: Duration = Duration::from_secs(5 * 60);

/// What every handler shares: one SDK client (cheap to clone, one connection pool) and the
/// session settings the guard applies.
#[derive(Debug, Clone)]
pub struct AppState {
    client: Client,
    session_duration_minutes: i64,
    max_token_age: Duration,
    step_up_window: Duration,
    secure: Secure,
}

impl AppState {
    /// State around `client`, with sessions of [`DEFAULT_SESSION_DURATION_MINUTES`], JWTs
    /// checked with Stytch after [`DEFAULT_MAX_TOKEN_AGE`], a step-up window of
    /// [`DEFAULT_STEP_UP_WINDOW`], and `Secure` cookies except for loopback requests.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            session_duration_minutes: DEFAULT_SESSION_DURATION_MINUTES,
            max_token_age: DEFAULT_MAX_TOKEN_AGE,
            step_up_window: DEFAULT_STEP_UP_WINDOW,
            secure: Secure::ExceptLoopback,
        }
    }

    /// Session JWTs issued longer ago than this are checked with Stytch, not locally.
    #[must_use]
    pub fn with_max_token_age(mut self, age: Duration) -> Self {
        self.max_token_age = age;
        self
    }

    /// When the session cookie is `Secure`: [`Secure::Always`] when the service listens
    /// anywhere but loopback (see `main.rs`).
    #[must_use]
    pub fn with_secure(mut self, secure: Secure) -> Self {
        self.secure = secure;
        self
    }

    /// How recently the authenticator must have been used for the sensitive route.
    #[must_use]
    pub fn with_step_up_window(mut self, window: Duration) -> Self {
        self.step_up_window = window;
        self
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

    /// The policy of the protected routes (`GET /me`): a session authenticated with the
    /// authenticator app (a TOTP code or a recovery code).
    pub fn policy(&self) -> Policy {
        Policy::signed_in()
            .require(stytch_totp_axum::Factor::authenticator())
            .max_token_age(self.max_token_age)
    }

    /// The sensitive route's policy: [`AppState::policy`], with the authenticator used within
    /// the step-up window.
    pub fn step_up_policy(&self) -> Policy {
        self.policy().fresh(
            stytch_totp_axum::Factor::authenticator(),
            self.step_up_window,
        )
    }

    /// The session guard: the SDK client, [`AppState::policy`], and the [`SESSION_COOKIE`].
    pub fn guard(&self) -> Guard {
        Guard::new(self.client.clone())
            .policy(self.policy())
            .cookie(
                CookieSettings::default()
                    .name(SESSION_COOKIE)
                    .same_site(SameSite::Strict)
                    .secure(self.secure),
            )
    }
}

/// The service: the MFA routes, the signed-in routes behind the session guard, and
/// `/healthz`, each request traced (see [`telemetry::trace_layer`]).
pub fn router(state: AppState) -> Router {
    let guard = state.guard();
    // Any valid session may sign out or step up, whatever its factors.
    let any_session = || {
        Policy::signed_in()
            .max_token_age(state.max_token_age)
            .layer()
    };
    Router::new()
        .route("/mfa/enroll", post(routes::enroll))
        .route("/mfa/verify", post(routes::verify))
        .route("/mfa/recover", post(routes::recover))
        .route("/mfa/step-up", post(session::step_up).layer(any_session()))
        .route(
            "/mfa/recovery-codes",
            post(session::recovery_codes).layer(state.step_up_policy().layer()),
        )
        .route("/", get(pages::index))
        .route("/app.js", get(pages::app_js))
        .route("/app.css", get(pages::app_css))
        .route("/me", get(session::me))
        .route("/logout", post(session::logout).layer(any_session()))
        .route("/healthz", get(routes::healthz))
        .with_state(state)
        .layer(guard.layer())
        .layer(telemetry::trace_layer())
}
