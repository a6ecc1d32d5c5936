//! An example axum service with two-factor sign-in (a password, then a TOTP code from an
//! authenticator app) through [`stytch_totp`], its sessions guarded by [`stytch_totp_axum`],
//! with every Stytch call traced.
//!
//! The binary (`cargo run -p mfa-service`) is a thin wrapper around this library, so tests can
//! build the same [`router`] and drive it with `tower::ServiceExt::oneshot`.
//!
//! # Endpoints
//!
//! | HTTP | needs | body | answer |
//! |---|---|---|---|
//! | `POST /signup` | | `{"email", "password"}` | [`SignedInResponse`]: a new user, signed in with the password |
//! | `POST /login` | | `{"email", "password"}` | [`SignedInResponse`]: signed in with the password |
//! | `POST /mfa/enroll` | password session | | [`EnrollResponse`]: QR code, manual-entry key, recovery codes (shown once) |
//! | `POST /mfa/verify` | password session | `{"code"}` | [`SessionResponse`]: the same session, TOTP factor added (or renewed: a step-up) |
//! | `POST /mfa/recover` | password session | `{"recovery_code"}` | [`SessionResponse`]: the same session, recovery-code factor added |
//! | `GET /me` | both factors | | [`MeResponse`]: user, session, factors |
//! | `POST /mfa/recovery-codes` | both factors, a code in the last 5 minutes | | [`RecoveryCodesResponse`] |
//! | `POST /logout` | any session | | `{"status": "signed_out"}`; the session is revoked |
//! | `GET /healthz` | | | `{"status": "ok"}` (no Stytch call) |
//! | `GET /` (`/app.js`, `/app.css`) | | | the pages: sign up, sign in, enrol, code, signed in, step up, sign out |
//!
//! Sign-up, sign-in, verify and recover set the session cookie ([`SESSION_COOKIE`]: the JWT,
//! HttpOnly, SameSite=Strict; a Bearer header works too). Every route that needs a session sits
//! behind the [`stytch_totp_axum`] guard: the JWT is verified locally by the SDK (no Stytch
//! call) unless it is past its `exp` or older than [`AppState::with_max_token_age`], when
//! Stytch checks it and the guard writes the fresh JWT back as the cookie, whatever the route.
//! The factor routes act on the session's own user ([`AppState::first_factor_policy`]): no
//! request names a user, so nobody can enrol or verify for someone else. `GET /me` needs both
//! factors ([`AppState::policy`]), else 403 `factors_required`; `POST /mfa/recovery-codes` also
//! needs a code within the step-up window ([`AppState::step_up_policy`]), else 403
//! `step_up_required` until a fresh code is verified.
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
//! `mfa.recover`, `mfa.signup`, `mfa.login`, ...), under which the SDK's `stytch.*` operation spans nest;
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
    CredentialsRequest, EnrollResponse, JsonBody, RecoverRequest, SessionResponse,
    SignedInResponse, VerifyRequest,
};
pub use session::{Factor, MeResponse, RecoveryCodesResponse, EMAIL_CLAIM, SESSION_COOKIE};

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

    /// The factor routes' policy (enroll, verify, recover): a session started with the
    /// password; they act on that session's user only.
    pub fn first_factor_policy(&self) -> Policy {
        Policy::signed_in()
            .require(stytch_totp_axum::Factor::password())
            .max_token_age(self.max_token_age)
    }

    /// The policy of the protected routes (`GET /me`): both factors, the password and the
    /// authenticator app (a TOTP code or a recovery code).
    pub fn policy(&self) -> Policy {
        self.first_factor_policy()
            .require(stytch_totp_axum::Factor::authenticator())
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

/// The service: sign-up and sign-in, the factor routes and the signed-in routes behind the
/// session guard, and `/healthz`, each request traced (see [`telemetry::trace_layer`]).
pub fn router(state: AppState) -> Router {
    let guard = state.guard();
    let first_factor = || state.first_factor_policy().layer();
    // Any valid session may sign out, whatever its factors.
    let any_session = Policy::signed_in()
        .max_token_age(state.max_token_age)
        .layer();
    Router::new()
        .route("/signup", post(routes::signup))
        .route("/login", post(routes::login))
        .route("/mfa/enroll", post(routes::enroll).layer(first_factor()))
        .route("/mfa/verify", post(routes::verify).layer(first_factor()))
        .route("/mfa/recover", post(routes::recover).layer(first_factor()))
        .route(
            "/mfa/recovery-codes",
            post(session::recovery_codes).layer(state.step_up_policy().layer()),
        )
        .route("/", get(pages::index))
        .route("/app.js", get(pages::app_js))
        .route("/app.css", get(pages::app_css))
        .route("/me", get(session::me))
        .route("/logout", post(session::logout).layer(any_session))
        .route("/healthz", get(routes::healthz))
        .with_state(state)
        .layer(guard.layer())
        .layer(telemetry::trace_layer())
}
