//! The handlers of the sign-up, sign-in and factor routes, and their bodies. Every factor
//! route acts on the caller's own Stytch user, named by the session the guard verified: there
//! is no user id in any request body, so nobody can enrol or verify for someone else.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::Json;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use stytch_totp::models::chrono::{DateTime, Utc};
use stytch_totp::models::{ErrorType, SecretString, Session, User};
use stytch_totp::Client;
use stytch_totp_axum::{SessionCookie, StytchSession};
use tracing::field::Empty;
use tracing::Instrument;

use crate::{ApiError, AppState, EMAIL_CLAIM};

/// `POST /signup` and `POST /login` body.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CredentialsRequest {
    /// The email address.
    pub email: String,
    /// The password. `Debug` prints `[REDACTED]`.
    pub password: SecretString,
}

/// `POST /signup` and `POST /login` answer: a session with the password factor only (the
/// two-factor routes refuse it until a code is verified), and the cookie set to its JWT.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SignedInResponse {
    /// The Stytch user id.
    pub user_id: String,
    /// The email address, as sent.
    pub email: String,
    /// Whether the user has a verified authenticator: `POST /mfa/verify` next, else
    /// `POST /mfa/enroll`.
    pub totp_enrolled: bool,
    /// The Stytch session token.
    pub session_token: SecretString,
    /// The Stytch session JWT.
    pub session_jwt: SecretString,
    /// When the session ends (RFC 3339), if Stytch said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_expires_at: Option<DateTime<Utc>>,
}

/// `POST /mfa/enroll` answer. Show it to the user once and do not store it: it is everything
/// needed to produce codes. `Debug` prints the secret fields as `[REDACTED]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct EnrollResponse {
    /// The Stytch user (the caller's own).
    pub user_id: String,
    /// The new TOTP (unverified until the first successful verify).
    pub totp_id: String,
    /// `data:image/png;base64, ...`: a QR code of the `otpauth://` URI, for the
    /// authenticator app to scan.
    pub qr_code: SecretString,
    /// The base32 TOTP secret, for users who cannot scan the QR code and type it in
    /// ("manual entry key"). It is the same secret the QR code carries, so returning it adds
    /// no exposure; a service that never offers manual entry can drop it.
    pub secret: SecretString,
    /// Ten single-use recovery codes (`xxxx-xxxx-xxxx`).
    pub recovery_codes: Vec<SecretString>,
}

/// The span of a second-factor route (span names must be literals).
macro_rules! second_factor_span {
    ($name:literal, $session:expr) => {
        tracing::info_span!(
            $name,
            stytch.user_id = $session.user_id(),
            session.id = $session.session_id(),
            totp_id = Empty,
            error.type = Empty,
        )
    };
}

/// `POST /mfa/verify` body.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct VerifyRequest {
    /// The 6-digit code from the authenticator app.
    pub code: SecretString,
}

/// `POST /mfa/recover` body.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RecoverRequest {
    /// One of the recovery codes from enrollment (single use).
    pub recovery_code: SecretString,
}

/// `POST /mfa/verify` and `POST /mfa/recover` answer: the caller's session, stepped up (same
/// session id, the factor added or renewed). The response also sets the session cookie
/// ([`crate::SESSION_COOKIE`]) to `session_jwt`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SessionResponse {
    /// The Stytch user id.
    pub user_id: String,
    /// The TOTP that authenticated.
    pub totp_id: String,
    /// The Stytch session token.
    pub session_token: SecretString,
    /// The Stytch session JWT.
    pub session_jwt: SecretString,
    /// When the session ends (RFC 3339), if Stytch said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_expires_at: Option<DateTime<Utc>>,
}

/// A JSON body extractor whose rejections are [`ApiError`]s (400 with a JSON body) that never
/// quote the submitted values: a mistyped field could be a code.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::bad_request(describe(&rejection))),
        }
    }
}

fn describe(rejection: &JsonRejection) -> String {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "send the body as JSON with Content-Type: application/json".into()
        }
        JsonRejection::JsonSyntaxError(_) => "the body is not valid JSON".into(),
        JsonRejection::JsonDataError(e) => {
            // serde names missing fields in backticks; values are never copied out.
            let text = e.body_text();
            match text
                .split("missing field `")
                .nth(1)
                .and_then(|r| r.split('`').next())
            {
                Some(field) => format!("missing field `{field}`"),
                None => {
                    "the JSON body has a field of the wrong type: every field is a string".into()
                }
            }
        }
        _ => "the body could not be read".into(),
    }
}

/// The session's custom claims: the email address, so `/me` shows it without a lookup.
fn email_claim(email: &str) -> serde_json::Map<String, serde_json::Value> {
    serde_json::Map::from_iter([(EMAIL_CLAIM.to_owned(), email.into())])
}

/// The answer to a password sign-up or sign-in; sets the session cookie.
fn signed_in(
    cookie: &SessionCookie,
    email: String,
    user: &User,
    session_token: SecretString,
    session_jwt: SecretString,
    session: Option<Session>,
) -> Json<SignedInResponse> {
    let session_expires_at = session.and_then(|s| s.expires_at);
    cookie.set(session_jwt.clone(), session_expires_at);
    Json(SignedInResponse {
        user_id: user.user_id.clone(),
        email,
        totp_enrolled: user.totps.iter().any(|t| t.verified),
        session_token,
        session_jwt,
        session_expires_at,
    })
}

/// `POST /signup`: a new Stytch user with this email and password, signed in with the
/// password factor.
pub(crate) async fn signup(
    State(state): State<AppState>,
    cookie: SessionCookie,
    JsonBody(request): JsonBody<CredentialsRequest>,
) -> Result<Json<SignedInResponse>, ApiError> {
    let span = tracing::info_span!("mfa.signup", stytch.user_id = Empty, error.type = Empty);
    async move {
        let created = state
            .client()
            .passwords()
            .create(request.email.as_str(), request.password)
            .session_duration_minutes(state.session_duration_minutes)
            .session_custom_claims(email_claim(&request.email))
            .await
            .map_err(|e| match e.error_type() {
                Some(ErrorType::DuplicateEmail) => ApiError::from_stytch(&e).with_code(
                    StatusCode::CONFLICT,
                    "email_taken",
                    "An account with this email address exists: sign in instead.",
                ),
                Some(ErrorType::WeakPassword) => ApiError::from_stytch(&e).with_code(
                    StatusCode::BAD_REQUEST,
                    "weak_password",
                    "This password is too easy to guess: choose a longer or less common one.",
                ),
                _ => ApiError::from_stytch(&e),
            })?;
        tracing::Span::current().record("stytch.user_id", created.user_id.as_str());
        tracing::info!("user created, signed in with the password");
        Ok(signed_in(
            &cookie,
            request.email,
            &created.user,
            created.session_token,
            created.session_jwt,
            created.session,
        ))
    }
    .instrument(span)
    .await
}

/// `POST /login`: the first factor. The session it starts has the password factor only.
pub(crate) async fn login(
    State(state): State<AppState>,
    cookie: SessionCookie,
    JsonBody(request): JsonBody<CredentialsRequest>,
) -> Result<Json<SignedInResponse>, ApiError> {
    let span = tracing::info_span!("mfa.login", stytch.user_id = Empty, error.type = Empty);
    async move {
        let result = state
            .client()
            .passwords()
            .authenticate(request.email.as_str(), request.password)
            .session_duration_minutes(state.session_duration_minutes)
            .session_custom_claims(email_claim(&request.email))
            .await;
        let auth = match result {
            Ok(auth) => auth,
            // One answer for an unknown address and a wrong password: no account probing.
            Err(e)
                if matches!(
                    e.error_type(),
                    Some(ErrorType::EmailNotFound | ErrorType::UnauthorizedCredentials)
                ) =>
            {
                return Err(ApiError::from_stytch(&e).with_code(
                    StatusCode::UNAUTHORIZED,
                    "invalid_credentials",
                    "The email address or the password is not right.",
                ));
            }
            Err(e) => return Err(ApiError::from_stytch(&e)),
        };
        tracing::Span::current().record("stytch.user_id", auth.user_id.as_str());
        tracing::info!("password accepted: one factor");
        Ok(signed_in(
            &cookie,
            request.email,
            &auth.user,
            auth.session_token,
            auth.session_jwt,
            auth.session,
        ))
    }
    .instrument(span)
    .await
}

/// `POST /mfa/enroll`: a TOTP for the signed-in caller (their own Stytch user).
pub(crate) async fn enroll(
    State(state): State<AppState>,
    session: StytchSession,
) -> Result<Json<EnrollResponse>, ApiError> {
    let span = tracing::info_span!(
        "mfa.enroll",
        stytch.user_id = session.user_id(),
        totp_id = Empty,
        error.type = Empty,
    );
    async move {
        let totp = state
            .client()
            .totps()
            .create(session.user_id())
            .await
            .map_err(|e| ApiError::from_stytch(&e))?;
        tracing::Span::current().record("totp_id", totp.totp_id.as_str());
        tracing::info!("enrollment started: waiting for the first code");
        Ok(Json(EnrollResponse {
            user_id: session.user_id().to_owned(),
            totp_id: totp.totp_id,
            qr_code: totp.qr_code,
            secret: totp.secret,
            recovery_codes: totp.recovery_codes,
        }))
    }
    .instrument(span)
    .await
}

/// `POST /mfa/verify`: a code on the caller's session: the first one after sign-in adds the
/// TOTP factor, a later one renews it (a step-up).
pub(crate) async fn verify(
    State(state): State<AppState>,
    cookie: SessionCookie,
    session: StytchSession,
    JsonBody(request): JsonBody<VerifyRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let span = second_factor_span!("mfa.verify", session);
    let factor = SecondFactor::Code(request.code.expose_secret());
    on_session(&state, &cookie, &session, factor)
        .instrument(span)
        .await
}

/// `POST /mfa/recover`: spend a recovery code on the caller's session.
pub(crate) async fn recover(
    State(state): State<AppState>,
    cookie: SessionCookie,
    session: StytchSession,
    JsonBody(request): JsonBody<RecoverRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let span = second_factor_span!("mfa.recover", session);
    let factor = SecondFactor::RecoveryCode(request.recovery_code.expose_secret());
    on_session(&state, &cookie, &session, factor)
        .instrument(span)
        .await
}

/// What the caller presents on their session.
enum SecondFactor<'a> {
    /// A TOTP code (`totps.authenticate`).
    Code(&'a str),
    /// A recovery code (`totps.recover`).
    RecoveryCode(&'a str),
}

/// Adds (or renews) the TOTP factor of the caller's session with `factor`.
async fn on_session(
    state: &AppState,
    cookie: &SessionCookie,
    session: &StytchSession,
    factor: SecondFactor<'_>,
) -> Result<Json<SessionResponse>, ApiError> {
    let client = state.client();
    let (user_id, jwt) = (session.user_id(), session.jwt().clone());
    let accepted = match factor {
        SecondFactor::Code(code) => {
            let call = client.totps().authenticate(user_id, code).session_jwt(jwt);
            call.await.map(|a| {
                let expires_at = a.session.and_then(|s| s.expires_at);
                (a.totp_id, a.session_token, a.session_jwt, expires_at)
            })
        }
        SecondFactor::RecoveryCode(code) => {
            let call = client.totps().recover(user_id, code).session_jwt(jwt);
            call.await.map(|r| {
                let expires_at = r.session.and_then(|s| s.expires_at);
                (r.totp_id, r.session_token, r.session_jwt, expires_at)
            })
        }
    };
    match accepted {
        Ok((totp_id, token, jwt, expires_at)) => Ok(session_answer(
            cookie, user_id, totp_id, token, jwt, expires_at,
        )),
        Err(e) => Err(failure(client, user_id, &e).await),
    }
}

/// A [`SessionResponse`] body; the session cookie is set to its JWT.
fn session_answer(
    cookie: &SessionCookie,
    user_id: &str,
    totp_id: String,
    session_token: SecretString,
    session_jwt: SecretString,
    session_expires_at: Option<DateTime<Utc>>,
) -> Json<SessionResponse> {
    tracing::Span::current().record("totp_id", totp_id.as_str());
    tracing::info!("second factor accepted on the session");
    cookie.set(session_jwt.clone(), session_expires_at);
    Json(SessionResponse {
        user_id: user_id.to_owned(),
        totp_id,
        session_token,
        session_jwt,
        session_expires_at,
    })
}

/// Maps a failed authenticate/recover; a locked user's answer gets `lock_expires_at`.
async fn failure(client: &Client, user_id: &str, error: &stytch_totp::Error) -> ApiError {
    let api = ApiError::from_stytch(error);
    if error.error_type() != Some(&ErrorType::UserLockLimitReached) {
        return api;
    }
    let lock_expires_at = match client.users().get(user_id).await {
        Ok(user) => user.lock_expires_at,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the lock expiry of a locked user");
            None
        }
    };
    api.with_lock_expires_at(lock_expires_at)
}

/// `GET /healthz`: the process is up (no Stytch call, so an outage does not restart it).
pub(crate) async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_fields_are_redacted_in_debug() {
        let request: VerifyRequest = serde_json::from_str(r#"{"code":"123456"}"#).unwrap();
        assert!(!format!("{request:?}").contains("123456"));
        let request: CredentialsRequest =
            serde_json::from_str(r#"{"email":"a@example.com","password":"hunter2-hunter2"}"#)
                .unwrap();
        assert!(!format!("{request:?}").contains("hunter2"));
    }
}
