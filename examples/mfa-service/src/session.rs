//! The signed-in routes, all behind the [`stytch_totp_axum`] guard: `GET /me`, `POST /logout`,
//! the step-up `POST /mfa/step-up`, and the sensitive `POST /mfa/recovery-codes`.
//!
//! The guard (installed by [`router`](crate::router)) reads the session JWT from the
//! [`SESSION_COOKIE`] or a Bearer header, verifies it locally or with Stytch, writes the
//! refreshed JWT back as the cookie on whatever route asked Stytch, and applies the service's
//! policies ([`AppState::policy`](crate::AppState::policy), [`AppState::step_up_policy`](crate::AppState::step_up_policy)).

use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use stytch_totp::models::{ErrorType, SecretString};
use stytch_totp_axum::{Rejection, SessionCookie, StytchSession};
use tracing::field::Empty;
use tracing::Instrument;

use crate::routes::{JsonBody, SessionResponse};
use crate::{ApiError, AppState};

/// The cookie holding the session JWT (HttpOnly, SameSite=Strict, Path=/; `Secure` except on
/// loopback development).
pub const SESSION_COOKIE: &str = "mfa_session";

/// The custom claim in which verify and recover store the service's own user id, so a
/// locally verified JWT names the user without a lookup.
pub const USER_ID_CLAIM: &str = "mfa_service_user_id";

/// The service's user id in a session's custom claims, if it is there.
fn service_user_id(session: &StytchSession) -> Option<String> {
    session
        .custom_claims()
        .get(USER_ID_CLAIM)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

/// One authentication factor of a session, as `/me` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Factor {
    /// `totp`, `recovery_codes`, ...
    #[serde(rename = "type")]
    pub type_: String,
    /// `authenticator_app`, `recovery_code`, ...
    pub delivery_method: String,
    /// When the factor last authenticated (RFC 3339), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_authenticated_at: Option<String>,
}

/// `GET /me` answer: who is signed in, and the session.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct MeResponse {
    /// The service's own user id (from the session's custom claim), if the session has it.
    pub user_id: Option<String>,
    /// The Stytch user id (the JWT's `sub`).
    pub stytch_user_id: String,
    /// The Stytch session id.
    pub session_id: String,
    /// When the session started (RFC 3339).
    pub started_at: String,
    /// When the session ends unless extended (RFC 3339).
    pub expires_at: String,
    /// The factors that authenticated the session.
    pub factors: Vec<Factor>,
    /// `locally` (JWT verified here, no Stytch call) or `remotely` (checked by Stytch).
    pub checked: String,
    /// A fresh session JWT, present only when Stytch checked the session: use it from now on
    /// (cookie callers also get it as the new cookie).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_jwt: Option<SecretString>,
}

/// `GET /me`: the signed-in user and session (the service's policy: see [`AppState::policy`]).
pub(crate) async fn me(session: StytchSession) -> Json<MeResponse> {
    let claim = session.session();
    Json(MeResponse {
        user_id: service_user_id(&session),
        stytch_user_id: session.user_id().to_owned(),
        session_id: claim.id.clone(),
        started_at: claim.started_at.clone(),
        expires_at: claim.expires_at.clone(),
        factors: session
            .factors()
            .iter()
            .map(|f| Factor {
                type_: f.type_.clone(),
                delivery_method: f.delivery_method.clone(),
                last_authenticated_at: f.last_authenticated_at.clone(),
            })
            .collect(),
        checked: if session.checked_remotely() {
            "remotely"
        } else {
            "locally"
        }
        .to_owned(),
        session_jwt: session.refreshed_jwt().cloned(),
    })
}

/// `POST /logout`: revokes the caller's session (verified first, so a forged JWT costs no
/// Stytch call) and deletes the cookie. A session that already ended is signed out too; any
/// valid session may sign out, whatever its factors.
pub(crate) async fn logout(
    State(state): State<AppState>,
    cookie: SessionCookie,
    session: Result<StytchSession, Rejection>,
) -> Result<Response, Response> {
    let span = tracing::info_span!("mfa.logout", session.id = Empty, error.type = Empty);
    async move {
        let session = match session {
            Ok(session) => Some(session),
            // Ended or not valid: nothing to revoke (the guard deletes the cookie).
            Err(r) if r.is_unauthenticated() && r.code() != "not_signed_in" => None,
            Err(r) => return Err(r.into_response()),
        };
        cookie.remove();
        if let Some(session) = session {
            tracing::Span::current().record("session.id", session.session_id());
            let revoked = state
                .client()
                .sessions()
                .revoke()
                .session_id(session.session_id())
                .await;
            match revoked {
                Ok(_) => tracing::info!("session revoked"),
                Err(e) if e.error_type() == Some(&ErrorType::SessionNotFound) => {
                    tracing::info!("session had already ended");
                }
                Err(e) => return Err(ApiError::from_stytch(&e).into_response()),
            }
        } else {
            tracing::info!("session had already ended");
        }
        Ok(Json(serde_json::json!({ "status": "signed_out" })).into_response())
    }
    .instrument(span)
    .await
}

/// `POST /mfa/step-up` body.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct StepUpRequest {
    /// The 6-digit code from the authenticator app.
    pub code: SecretString,
}

/// `POST /mfa/step-up`: a fresh code on the caller's own session (same session id, the TOTP
/// factor's `last_authenticated_at` renewed), for routes that want a recent one. Answers a
/// [`SessionResponse`] and the new session cookie.
pub(crate) async fn step_up(
    State(state): State<AppState>,
    cookie: SessionCookie,
    session: StytchSession,
    JsonBody(request): JsonBody<StepUpRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let span = tracing::info_span!(
        "mfa.step_up",
        session.id = session.session_id(),
        totp_id = Empty,
        error.type = Empty,
    );
    async move {
        let client = state.client();
        let auth = client
            .totps()
            .authenticate(session.user_id(), request.code.expose_secret())
            .session_jwt(session.jwt().clone())
            .await
            .map_err(|e| ApiError::from_stytch(&e))?;
        tracing::Span::current().record("totp_id", auth.totp_id.as_str());
        tracing::info!("session stepped up with a fresh code");
        let expires_at = auth.session.and_then(|s| s.expires_at);
        cookie.set(auth.session_jwt.clone(), expires_at.as_deref());
        Ok(Json(SessionResponse {
            user_id: service_user_id(&session).unwrap_or_else(|| session.user_id().to_owned()),
            totp_id: auth.totp_id,
            session_token: auth.session_token,
            session_jwt: auth.session_jwt,
            session_expires_at: expires_at,
        }))
    }
    .instrument(span)
    .await
}

/// `POST /mfa/recovery-codes` answer: the caller's remaining recovery codes.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RecoveryCodesResponse {
    /// The unused recovery codes of the caller's authenticator.
    pub recovery_codes: Vec<SecretString>,
}

/// `POST /mfa/recovery-codes`: the caller's own recovery codes, behind the step-up policy
/// ([`AppState::step_up_policy`]): a code entered within the last few minutes, else 403
/// `step_up_required` and the page asks for a code again.
pub(crate) async fn recovery_codes(
    State(state): State<AppState>,
    session: StytchSession,
) -> Result<Response, ApiError> {
    let span = tracing::info_span!(
        "mfa.recovery_codes",
        session.id = session.session_id(),
        error.type = Empty,
    );
    async move {
        let listed = state
            .client()
            .totps()
            .recovery_codes(session.user_id())
            .await
            .map_err(|e| ApiError::from_stytch(&e))?;
        let recovery_codes = listed
            .totps
            .into_iter()
            .filter(|t| t.verified)
            .flat_map(|t| t.recovery_codes)
            .collect();
        tracing::info!("recovery codes shown");
        let mut response = Json(RecoveryCodesResponse { recovery_codes }).into_response();
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Ok(response)
    }
    .instrument(span)
    .await
}
