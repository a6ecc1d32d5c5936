//! The handlers and their request and response bodies.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request, State};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use stytch_totp::models::{check_external_id, CreateUserRequest, ErrorType, SecretString};
use stytch_totp::Client;
use stytch_totp_axum::SessionCookie;
use tracing::field::Empty;
use tracing::Instrument;

use crate::{ApiError, AppState, USER_ID_CLAIM};

/// `POST /mfa/enroll` body.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct EnrollRequest {
    /// The service's own user id (becomes the Stytch user's `external_id`).
    pub user_id: String,
}

/// `POST /mfa/enroll` answer. Show it to the user once and do not store it: it is everything
/// needed to produce codes. `Debug` prints the secret fields as `[REDACTED]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct EnrollResponse {
    /// The service's user id, as sent.
    pub user_id: String,
    /// The Stytch user behind it.
    pub stytch_user_id: String,
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

/// `POST /mfa/verify` body.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct VerifyRequest {
    /// The service's user id.
    pub user_id: String,
    /// The 6-digit code from the authenticator app.
    pub code: SecretString,
}

/// `POST /mfa/recover` body.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RecoverRequest {
    /// The service's user id.
    pub user_id: String,
    /// One of the recovery codes from enrollment (single use).
    pub recovery_code: SecretString,
}

/// `POST /mfa/verify` and `POST /mfa/recover` answer: the Stytch session that was started.
/// The response also sets the session cookie ([`crate::SESSION_COOKIE`]) to `session_jwt`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SessionResponse {
    /// The service's user id, as sent.
    pub user_id: String,
    /// The TOTP that authenticated.
    pub totp_id: String,
    /// The Stytch session token.
    pub session_token: SecretString,
    /// The Stytch session JWT.
    pub session_jwt: SecretString,
    /// When the session ends (RFC 3339), if Stytch said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_expires_at: Option<String>,
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

/// Stytch's external id rule, and no id Stytch would take for one of its own user ids.
fn check_user_id(user_id: &str) -> Result<(), ApiError> {
    if let Err(broken) = check_external_id(user_id) {
        // The service's field is `user_id`; the rule is Stytch's, for external ids.
        return Err(ApiError::bad_request(format!("user_id {}", broken.reason)));
    }
    if user_id.starts_with("user-test-") || user_id.starts_with("user-live-") {
        return Err(ApiError::bad_request(
            "user_id must not start with user-test- or user-live-: Stytch would read it as \
             one of its own user ids",
        ));
    }
    Ok(())
}

/// `POST /mfa/enroll`: make sure a Stytch user exists for this external id, then create a TOTP.
pub(crate) async fn enroll(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<EnrollRequest>,
) -> Result<Json<EnrollResponse>, ApiError> {
    let span = tracing::info_span!(
        "mfa.enroll",
        user_id = %request.user_id,
        stytch.user_id = Empty,
        totp_id = Empty,
        error.type = Empty,
    );
    async move {
        check_user_id(&request.user_id)?;
        let client = state.client();
        let stytch_user_id = ensure_stytch_user(client, &request.user_id).await?;
        tracing::Span::current().record("stytch.user_id", stytch_user_id.as_str());
        let totp = client
            .totps()
            .create(request.user_id.as_str())
            .await
            .map_err(|e| ApiError::from_stytch(&e))?;
        tracing::Span::current().record("totp_id", totp.totp_id.as_str());
        tracing::info!("enrollment started: waiting for the first code");
        Ok(Json(EnrollResponse {
            user_id: request.user_id,
            stytch_user_id,
            totp_id: totp.totp_id,
            qr_code: totp.qr_code,
            secret: totp.secret,
            recovery_codes: totp.recovery_codes,
        }))
    }
    .instrument(span)
    .await
}

/// The Stytch `user_id` of the user whose `external_id` is `external_id`, creating that user
/// if Stytch says `user_not_found`.
async fn ensure_stytch_user(client: &Client, external_id: &str) -> Result<String, ApiError> {
    match client.users().get(external_id).await {
        Ok(user) => return Ok(user.user_id),
        Err(e) if e.error_type() == Some(&ErrorType::UserNotFound) => {}
        Err(e) => return Err(ApiError::from_stytch(&e)),
    }
    let request = CreateUserRequest {
        external_id: Some(external_id.to_owned()),
        ..Default::default()
    };
    match client.users().create(request).await {
        Ok(created) => {
            tracing::info!(
                stytch.user_id = created.user_id.as_str(),
                "created the Stytch user for this external_id"
            );
            Ok(created.user_id)
        }
        // A concurrent enroll of the same user created it first.
        Err(e) if e.error_type().map(ErrorType::as_str) == Some("duplicate_user_external_id") => {
            match client.users().get(external_id).await {
                Ok(user) => Ok(user.user_id),
                Err(e) => Err(ApiError::from_stytch(&e)),
            }
        }
        Err(e) => Err(ApiError::from_stytch(&e)),
    }
}

/// `POST /mfa/verify`: authenticate a code, starting a session.
pub(crate) async fn verify(
    State(state): State<AppState>,
    cookie: SessionCookie,
    JsonBody(request): JsonBody<VerifyRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let span = tracing::info_span!(
        "mfa.verify",
        user_id = %request.user_id,
        totp_id = Empty,
        error.type = Empty,
    );
    async move {
        check_user_id(&request.user_id)?;
        let client = state.client();
        let result = client
            .totps()
            .authenticate(request.user_id.as_str(), request.code.expose_secret())
            .session_duration_minutes(state.session_duration_minutes)
            .session_custom_claims(user_claim(&request.user_id))
            .await;
        match result {
            Ok(auth) => Ok(session_answer(
                &cookie,
                request.user_id,
                auth.totp_id,
                auth.session_token,
                auth.session_jwt,
                auth.session.and_then(|s| s.expires_at),
            )),
            Err(e) => Err(failure(client, &request.user_id, &e).await),
        }
    }
    .instrument(span)
    .await
}

/// `POST /mfa/recover`: spend a recovery code, starting a session.
pub(crate) async fn recover(
    State(state): State<AppState>,
    cookie: SessionCookie,
    JsonBody(request): JsonBody<RecoverRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let span = tracing::info_span!(
        "mfa.recover",
        user_id = %request.user_id,
        totp_id = Empty,
        error.type = Empty,
    );
    async move {
        check_user_id(&request.user_id)?;
        let client = state.client();
        let result = client
            .totps()
            .recover(
                request.user_id.as_str(),
                request.recovery_code.expose_secret(),
            )
            .session_duration_minutes(state.session_duration_minutes)
            .session_custom_claims(user_claim(&request.user_id))
            .await;
        match result {
            Ok(recovered) => Ok(session_answer(
                &cookie,
                request.user_id,
                recovered.totp_id,
                recovered.session_token,
                recovered.session_jwt,
                recovered.session.and_then(|s| s.expires_at),
            )),
            Err(e) => Err(failure(client, &request.user_id, &e).await),
        }
    }
    .instrument(span)
    .await
}

/// The session's custom claims: the service's user id, so `/me` knows it without a lookup.
fn user_claim(user_id: &str) -> serde_json::Map<String, serde_json::Value> {
    serde_json::Map::from_iter([(USER_ID_CLAIM.to_owned(), user_id.into())])
}

/// A [`SessionResponse`] body; the session cookie is set to its JWT.
fn session_answer(
    cookie: &SessionCookie,
    user_id: String,
    totp_id: String,
    session_token: SecretString,
    session_jwt: SecretString,
    session_expires_at: Option<String>,
) -> Json<SessionResponse> {
    tracing::Span::current().record("totp_id", totp_id.as_str());
    tracing::info!("second factor accepted: session started");
    cookie.set(session_jwt.clone(), session_expires_at.as_deref());
    Json(SessionResponse {
        user_id,
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
    fn user_ids_follow_the_external_id_rule() {
        for ok in ["alice", "crm|42.a_b-c", &"x".repeat(128), "user-1"] {
            assert!(check_user_id(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a b",
            "é",
            &"x".repeat(129),
            "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6",
            "user-live-1",
        ] {
            assert_eq!(
                check_user_id(bad).unwrap_err().status(),
                axum::http::StatusCode::BAD_REQUEST,
                "{bad}"
            );
        }
    }

    #[test]
    fn secret_fields_are_redacted_in_debug() {
        let request: VerifyRequest =
            serde_json::from_str(r#"{"user_id":"alice","code":"123456"}"#).unwrap();
        assert!(!format!("{request:?}").contains("123456"));
    }
}
