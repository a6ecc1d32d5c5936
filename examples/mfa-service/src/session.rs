//! Sessions after MFA: the session cookie, the [`MfaSession`] extractor that guards protected
//! routes (`GET /me`), and `POST /logout`.
//!
//! The session JWT is checked locally by the SDK (`authenticate_jwt`): no request to Stytch
//! while the JWT is younger than [`AppState::with_max_token_age`](crate::AppState) and not past
//! its `exp`. Older or expired JWTs are checked by Stytch, which answers a fresh JWT; the
//! service hands it back (new cookie, and `session_jwt` in the body). A revoked session is
//! therefore refused at the latest `max_token_age` after logout.

use std::time::Duration;

use axum::extract::{FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use cookie::{Cookie, SameSite};
use serde::{Deserialize, Serialize};
use stytch_totp::models::{AuthenticationFactor, ErrorType, SecretString};
use stytch_totp::{Checked, VerifiedSession};
use tracing::field::Empty;
use tracing::Instrument;

use crate::{ApiError, AppState};

/// The cookie holding the session JWT (HttpOnly, SameSite=Strict, Path=/).
pub const SESSION_COOKIE: &str = "mfa_session";

/// The custom claim in which verify and recover store the service's own user id, so a
/// locally verified JWT names the user without a lookup.
pub const USER_ID_CLAIM: &str = "mfa_service_user_id";

/// The authentication factor types that count as the second factor (step-up).
pub const MFA_FACTOR_TYPES: [&str; 2] = ["totp", "recovery_codes"];

/// Whether a session was authenticated with a TOTP code or a recovery code.
pub fn has_mfa_factor(factors: &[AuthenticationFactor]) -> bool {
    factors
        .iter()
        .any(|f| MFA_FACTOR_TYPES.contains(&f.type_.as_str()))
}

/// The `Set-Cookie` value carrying `jwt` for `max_age`.
pub(crate) fn session_cookie(jwt: &SecretString, max_age: Duration, secure: bool) -> HeaderValue {
    let max_age = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
    let cookie = Cookie::build((SESSION_COOKIE, jwt.expose_secret()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age));
    header_value(&cookie.build())
}

/// The `Set-Cookie` value that deletes the session cookie.
fn removal_cookie(secure: bool) -> HeaderValue {
    let cookie = Cookie::build((SESSION_COOKIE, ""))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .secure(secure)
        .max_age(cookie::time::Duration::ZERO);
    header_value(&cookie.build())
}

fn header_value(cookie: &Cookie<'_>) -> HeaderValue {
    // A JWT is base64url and dots: always a valid header value.
    HeaderValue::try_from(cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Where the caller's session JWT came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Bearer,
    Cookie,
}

/// The session JWT of a request: `Authorization: Bearer <jwt>`, else the session cookie.
fn credential(headers: &HeaderMap) -> Option<(SecretString, Source)> {
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|v| !v.is_empty());
    if let Some(jwt) = bearer {
        return Some((SecretString::from(jwt.to_owned()), Source::Bearer));
    }
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE && !c.value().is_empty())
        .map(|c| (SecretString::from(c.value().to_owned()), Source::Cookie))
}

fn not_signed_in() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "not_signed_in",
        "Sign in first: send the session JWT as a Bearer token or the session cookie.",
    )
}

/// Maps a failed session check: a refused JWT or an ended session is 401, the rest as usual.
fn session_error(error: &stytch_totp::Error) -> ApiError {
    match error {
        stytch_totp::Error::InvalidSessionJwt(rejection) => {
            tracing::Span::current().record("error.type", "invalid_session");
            tracing::info!(error.type = "invalid_session", reason = %rejection, "session JWT refused");
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_session",
                format!("The session is not valid: {rejection}. Sign in again."),
            )
        }
        e if matches!(
            e.error_type(),
            Some(
                ErrorType::SessionNotFound
                    | ErrorType::UnableToParseSessionJwt
                    | ErrorType::InvalidSessionToken
            )
        ) =>
        {
            ApiError::from_stytch(e).with_code(
                StatusCode::UNAUTHORIZED,
                "session_ended",
                "The session ended (signed out or expired). Sign in again.",
            )
        }
        e => ApiError::from_stytch(e),
    }
}

/// A request's session, verified by the SDK and authenticated with a second factor (a TOTP
/// code or a recovery code). Rejections: 401 `not_signed_in`, `invalid_session`,
/// `session_ended`; 403 `mfa_required`; 503 when Stytch had to be asked and could not answer.
#[derive(Debug)]
pub struct MfaSession {
    /// The verified session (user, factors, custom claims, where it was checked).
    pub verified: VerifiedSession,
    source: Source,
}

impl MfaSession {
    /// The fresh JWT Stytch answered when it checked the session, if it did.
    pub fn refreshed_jwt(&self) -> Option<&SecretString> {
        match &self.verified.checked {
            Checked::Locally => None,
            Checked::Remotely(fresh) => Some(&fresh.session_jwt),
        }
    }

    /// A new session cookie when the caller sent a cookie and Stytch answered a fresh JWT.
    fn refreshed_cookie(&self, state: &AppState) -> Option<HeaderValue> {
        let jwt = self.refreshed_jwt()?;
        (self.source == Source::Cookie)
            .then(|| session_cookie(jwt, state.session_duration(), state.secure_cookies))
    }
}

impl FromRequestParts<AppState> for MfaSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let span = tracing::info_span!(
            "mfa.session",
            session.id = Empty,
            session.checked = Empty,
            error.type = Empty,
        );
        async move {
            let (jwt, source) = credential(&parts.headers).ok_or_else(not_signed_in)?;
            let verified = state
                .client()
                .sessions()
                .authenticate_jwt(jwt)
                .max_token_age(state.max_token_age)
                .await
                .map_err(|e| session_error(&e))?;
            let span = tracing::Span::current();
            span.record("session.id", verified.session.id.as_str());
            span.record("session.checked", checked_name(&verified.checked));
            if !has_mfa_factor(&verified.session.authentication_factors) {
                span.record("error.type", "mfa_required");
                tracing::info!("session without a TOTP or recovery-code factor refused");
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "mfa_required",
                    "This needs a session signed in with an authenticator code or a recovery code.",
                ));
            }
            Ok(Self { verified, source })
        }
        .instrument(span)
        .await
    }
}

fn checked_name(checked: &Checked) -> &'static str {
    match checked {
        Checked::Locally => "locally",
        Checked::Remotely(_) => "remotely",
    }
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
    /// A fresh session JWT, present only when Stytch checked the session: use it from now on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_jwt: Option<SecretString>,
}

/// `GET /me`: the signed-in user and session (see [`MfaSession`]).
pub(crate) async fn me(State(state): State<AppState>, session: MfaSession) -> Response {
    let verified = &session.verified;
    let claim = &verified.session;
    let body = MeResponse {
        user_id: verified
            .custom_claims
            .get(USER_ID_CLAIM)
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        stytch_user_id: verified.user_id.clone(),
        session_id: claim.id.clone(),
        started_at: claim.started_at.clone(),
        expires_at: claim.expires_at.clone(),
        factors: claim
            .authentication_factors
            .iter()
            .map(|f| Factor {
                type_: f.type_.clone(),
                delivery_method: f.delivery_method.clone(),
                last_authenticated_at: f.last_authenticated_at.clone(),
            })
            .collect(),
        checked: checked_name(&verified.checked).to_owned(),
        session_jwt: session.refreshed_jwt().cloned(),
    };
    let mut response = Json(body).into_response();
    if let Some(cookie) = session.refreshed_cookie(&state) {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    response
}

/// `POST /logout`: revokes the caller's session (verified first, so a forged JWT costs no
/// Stytch call) and deletes the cookie. A session that already ended is signed out too.
pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let span = tracing::info_span!("mfa.logout", session.id = Empty, error.type = Empty);
    async move {
        let clear = [(SET_COOKIE, removal_cookie(state.secure_cookies))];
        let (jwt, _) = credential(&headers).ok_or_else(not_signed_in)?;
        let sessions = state.client().sessions();
        let ended = |e: &stytch_totp::Error| e.error_type() == Some(&ErrorType::SessionNotFound);
        let revoked = match sessions.authenticate_jwt(jwt).await {
            Ok(verified) => {
                tracing::Span::current().record("session.id", verified.session.id.as_str());
                sessions
                    .revoke(stytch_totp::RevokeTarget::SessionId(
                        verified.session.id.clone(),
                    ))
                    .await
            }
            Err(e) if ended(&e) => Err(e),
            Err(e) => return Err(session_error(&e)),
        };
        match revoked {
            Ok(_) => tracing::info!("session revoked"),
            Err(e) if ended(&e) => tracing::info!("session had already ended"),
            Err(e) => return Err(ApiError::from_stytch(&e)),
        }
        let body = Json(serde_json::json!({ "status": "signed_out" }));
        Ok((clear, body).into_response())
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factor(type_: &str, delivery_method: &str) -> AuthenticationFactor {
        serde_json::from_value(serde_json::json!({
            "type": type_,
            "delivery_method": delivery_method,
        }))
        .unwrap()
    }

    #[test]
    fn only_totp_or_recovery_code_factors_count_as_mfa() {
        assert!(has_mfa_factor(&[factor("totp", "authenticator_app")]));
        assert!(has_mfa_factor(&[
            factor("magic_link", "email"),
            factor("recovery_codes", "recovery_code"),
        ]));
        assert!(!has_mfa_factor(&[]));
        assert!(!has_mfa_factor(&[
            factor("magic_link", "email"),
            factor("otp", "sms"),
        ]));
    }

    #[test]
    fn the_credential_is_the_bearer_token_else_the_cookie() {
        let mut headers = HeaderMap::new();
        assert!(credential(&headers).is_none());
        headers.insert(COOKIE, HeaderValue::from_static("a=1; mfa_session=jwt.c.d"));
        let (jwt, source) = credential(&headers).unwrap();
        assert_eq!((jwt.expose_secret(), source), ("jwt.c.d", Source::Cookie));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer jwt.b.c"));
        let (jwt, source) = credential(&headers).unwrap();
        assert_eq!((jwt.expose_secret(), source), ("jwt.b.c", Source::Bearer));
        let mut empty = HeaderMap::new();
        empty.insert(COOKIE, HeaderValue::from_static("mfa_session="));
        assert!(credential(&empty).is_none());
    }

    #[test]
    fn cookies_are_http_only_strict_and_removable() {
        let jwt = SecretString::from("h.p.s".to_owned());
        let set = session_cookie(&jwt, Duration::from_secs(3600), true);
        let set = set.to_str().unwrap();
        for part in ["mfa_session=h.p.s", "HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(set.contains(part), "{set}");
        }
        assert!(
            set.contains("Secure") && set.contains("Max-Age=3600"),
            "{set}"
        );
        let gone = removal_cookie(false);
        let gone = gone.to_str().unwrap();
        assert!(gone.starts_with("mfa_session=;") && gone.contains("Max-Age=0"));
        assert!(!gone.contains("Secure"), "{gone}");
    }
}
