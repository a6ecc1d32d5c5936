//! The signed-in routes, behind the [`stytch_totp_axum`] guard: `GET /me`, `POST /logout` and
//! the sensitive `POST /mfa/recovery-codes`.
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
use stytch_totp::models::chrono::{DateTime, Utc};
use stytch_totp::models::{ErrorType, SecretString};
use stytch_totp_axum::{Rejection, SessionCookie, StytchSession};
use tracing::field::Empty;
use tracing::Instrument;

use crate::{ApiError, AppState};

/// The cookie holding the session JWT (HttpOnly, SameSite=Strict, Path=/; `Secure` except on
/// loopback development).
pub const SESSION_COOKIE: &str = "mfa_session";

/// The custom claim in which sign-up and sign-in store the email address, so a locally
/// verified JWT names the user without a lookup.
pub const EMAIL_CLAIM: &str = "mfa_service_email";

/// The email address in a session's custom claims, if it is there.
fn email(session: &StytchSession) -> Option<String> {
    session
        .custom_claims()
        .get(EMAIL_CLAIM)
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
    pub last_authenticated_at: Option<DateTime<Utc>>,
}

/// `GET /me` answer: who is signed in, and the session.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct MeResponse {
    /// The Stytch user id (the JWT's `sub`).
    pub user_id: String,
    /// The email address (from the session's custom claim), if the session has it.
    pub email: Option<String>,
    /// The Stytch session id.
    pub session_id: String,
    /// When the session started (RFC 3339).
    pub started_at: DateTime<Utc>,
    /// When the session ends unless extended (RFC 3339).
    pub expires_at: DateTime<Utc>,
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
        user_id: session.user_id().to_owned(),
        email: email(&session),
        session_id: claim.id.clone(),
        started_at: claim.started_at,
        expires_at: claim.expires_at,
        factors: session
            .factors()
            .iter()
            .map(|f| Factor {
                type_: f.type_.clone(),
                delivery_method: f.delivery_method.clone(),
                last_authenticated_at: f.last_authenticated_at,
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
                .revoke(stytch_totp::RevokeTarget::SessionId(
                    session.session_id().to_owned(),
                ))
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
