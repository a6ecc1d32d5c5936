//! [`ApiError`]: what the service answers when something fails, mapped from SDK errors.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use stytch_totp::models::chrono::{DateTime, Utc};
use stytch_totp::models::ErrorType;

/// An error answer: an HTTP status and a JSON body
/// `{"error", "message", "request_id"?, "lock_expires_at"?, "outcome_unknown"?}`.
///
/// The message is the service's own text (or the SDK's validation message, which never repeats
/// the offending value), never Stytch's raw body, so no secret can end up in it.
///
/// | cause | status | `error` |
/// |---|---|---|
/// | malformed body or email, code of the wrong shape | 400 | `bad_request` |
/// | sign-up: a password too easy to guess, an email address already taken | 400, 409 | `weak_password`, `email_taken` |
/// | sign-in: unknown email address or wrong password (one answer for both) | 401 | `invalid_credentials` |
/// | wrong, replayed or unknown code / recovery code | 401 | `invalid_code`, `code_already_used`, `invalid_recovery_code` |
/// | no such user, no TOTP | 404 | `not_found` |
/// | already enrolled, enrollment expired | 409 | `already_enrolled`, `enrollment_pending`, `enrollment_expired` |
/// | user locked (`user_lock_limit_reached`) | 429 | `user_locked`, with `lock_expires_at` |
/// | Stytch 5xx, rate limit, transport failure, timeout | 503 | `stytch_unavailable`, with `request_id` when Stytch answered |
/// | undecodable Stytch answer | 502 | `stytch_bad_response` |
/// | Stytch refused the project credentials, client bug | 500 | `stytch_misconfigured`, `internal` |
///
/// Refused sessions on the signed-in routes are answered by the session guard in the same
/// shape ([`stytch_totp_axum::Rejection`]): 401 `not_signed_in`, `invalid_session`,
/// `session_ended`; 403 `factors_required`, `step_up_required`; 503 `stytch_unavailable`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct ErrorBody {
    error: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lock_expires_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    outcome_unknown: bool,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                error,
                message: message.into(),
                request_id: None,
                lock_expires_at: None,
                outcome_unknown: false,
            },
        }
    }

    /// 400 `bad_request` with the service's own message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// Maps an SDK error (see the table on [`ApiError`]), logs it with Stytch's `request_id`
    /// and records `error.type` on the current span.
    pub fn from_stytch(error: &stytch_totp::Error) -> Self {
        let mut api = classify(error);
        api.body.request_id = error.request_id().map(str::to_owned);
        api.body.outcome_unknown = error.is_outcome_unknown();
        if api.body.outcome_unknown {
            api.body.message.push_str(
                " Stytch may have acted on the request: a code sent with it may be spent, so \
                 retry with a new code.",
            );
        }
        tracing::Span::current().record("error.type", api.body.error);
        let request_id = error.request_id().unwrap_or("");
        if api.status.is_server_error() {
            tracing::error!(
                error.type = api.body.error,
                stytch.error_type = error.kind(),
                stytch.request_id = request_id,
                http.response.status_code = api.status.as_u16(),
                error = %error,
                "stytch call failed"
            );
        } else {
            tracing::info!(
                error.type = api.body.error,
                stytch.error_type = error.kind(),
                stytch.request_id = request_id,
                http.response.status_code = api.status.as_u16(),
                "stytch refused the request"
            );
        }
        api
    }

    /// Adds the user's lock expiry (RFC 3339) to a 429 `user_locked` answer.
    #[must_use]
    pub fn with_lock_expires_at(mut self, lock_expires_at: Option<DateTime<Utc>>) -> Self {
        self.body.lock_expires_at = lock_expires_at;
        self
    }

    /// Replaces status, code and message, keeping the request id (and records the new code on
    /// the current span).
    #[must_use]
    pub(crate) fn with_code(
        mut self,
        status: StatusCode,
        error: &'static str,
        message: impl Into<String>,
    ) -> Self {
        tracing::Span::current().record("error.type", error);
        self.status = status;
        self.body.error = error;
        self.body.message = message.into();
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine-readable `error` code.
    pub fn code(&self) -> &'static str {
        self.body.error
    }

    /// Stytch's `request_id` of the failed call, when Stytch answered.
    pub fn request_id(&self) -> Option<&str> {
        self.body.request_id.as_deref()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status, self.body.error, self.body.message
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = matches!(self.body.error, "stytch_unavailable");
        let mut response = (self.status, Json(self.body)).into_response();
        if retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// Status, code and message for an SDK error (request id and outcome are added by the caller).
fn classify(error: &stytch_totp::Error) -> ApiError {
    use stytch_totp::Error as E;
    use ErrorType as T;
    let unavailable = |message: &str| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "stytch_unavailable",
            message,
        )
    };
    match error {
        E::InvalidRequest { field, reason } => ApiError::bad_request(format!("{field} {reason}")),
        E::Api { status, .. } if *status >= 500 => {
            unavailable("Stytch is unavailable; try again shortly.")
        }
        E::Api {
            status, error_type, ..
        } => match error_type {
            T::UserLockLimitReached => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "user_locked",
                "Too many failed attempts: the user is locked until lock_expires_at.",
            ),
            T::TooManyRequests => {
                unavailable("Stytch is rate limiting this service; try again shortly.")
            }
            T::UnableToAuthenticateTotp => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_code",
                "The code is not valid.",
            ),
            T::TotpCodeAlreadyAuthenticated => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "code_already_used",
                "This code was already used: wait for the next one.",
            ),
            T::UnableToAuthenticateRecoveryCode => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_recovery_code",
                "The recovery code is not valid or was already used.",
            ),
            T::InvalidTotpCode | T::RecoveryCodeUsedAsTotpCode => {
                ApiError::bad_request("code must be the 6 digits shown by the authenticator app.")
            }
            T::InvalidRecoveryCode | T::TotpCodeUsedAsRecoveryCode => ApiError::bad_request(
                "recovery_code must be one of the recovery codes given at enrollment.",
            ),
            T::UserNotFound
            | T::TotpNotFound
            | T::TotpsNotFoundForUser
            | T::RecoveryCodesNotFound => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "This user is not enrolled in MFA.",
            ),
            T::ActiveTotpExists => ApiError::new(
                StatusCode::CONFLICT,
                "already_enrolled",
                "This user is already enrolled in MFA.",
            ),
            T::PendingTotpExists => ApiError::new(
                StatusCode::CONFLICT,
                "enrollment_pending",
                "An enrollment is waiting for its first code.",
            ),
            T::ExpiredTotp => ApiError::new(
                StatusCode::CONFLICT,
                "enrollment_expired",
                "The enrollment expired before it was verified: enroll again.",
            ),
            T::UnauthorizedCredentials => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "stytch_misconfigured",
                "The service's Stytch credentials were refused.",
            ),
            _ => match *status {
                401 => ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "not_authenticated",
                    "Stytch did not accept the credentials given.",
                ),
                404 => ApiError::new(StatusCode::NOT_FOUND, "not_found", "Not found."),
                409 => ApiError::new(StatusCode::CONFLICT, "conflict", "Conflicting state."),
                429 => unavailable("Stytch is rate limiting this service; try again shortly."),
                403 => ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "stytch_misconfigured",
                    "The service's Stytch project may not do this.",
                ),
                _ => ApiError::bad_request("Stytch refused the request."),
            },
        },
        E::Transport { .. } => unavailable("Stytch could not be reached; try again shortly."),
        E::Timeout { .. } => unavailable("Stytch did not answer in time; try again shortly."),
        E::Decode { status, .. } if *status >= 500 => {
            unavailable("Stytch is unavailable; try again shortly.")
        }
        E::Decode { .. } | E::ResponseTooLarge { .. } => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "stytch_bad_response",
            "Stytch's answer could not be understood.",
        ),
        _ => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The service failed; see its logs.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn api(status: u16, error_type: &str) -> stytch_totp::Error {
        stytch_totp::Error::Api {
            status,
            request_id: "request-id-test-1".into(),
            error_type: ErrorType::from(error_type),
            error_message: "msg".into(),
            error_url: "https://stytch.com/docs/api/errors".into(),
        }
    }

    #[test]
    fn stytch_errors_map_to_sensible_statuses() {
        let cases = [
            (api(401, "unable_to_authenticate_totp"), 401, "invalid_code"),
            (
                api(400, "totp_code_already_authenticated"),
                401,
                "code_already_used",
            ),
            (
                api(401, "unable_to_authenticate_recovery_code"),
                401,
                "invalid_recovery_code",
            ),
            (api(400, "invalid_totp_code"), 400, "bad_request"),
            (api(404, "user_not_found"), 404, "not_found"),
            (api(404, "recovery_codes_not_found"), 404, "not_found"),
            (api(400, "active_totp_exists"), 409, "already_enrolled"),
            (api(429, "user_lock_limit_reached"), 429, "user_locked"),
            (api(429, "too_many_requests"), 503, "stytch_unavailable"),
            (api(503, "service_unavailable"), 503, "stytch_unavailable"),
            (api(500, "internal_server_error"), 503, "stytch_unavailable"),
            (
                api(401, "unauthorized_credentials"),
                500,
                "stytch_misconfigured",
            ),
            (api(400, "some_new_type"), 400, "bad_request"),
            (
                stytch_totp::Error::Timeout {
                    after: Duration::from_secs(1),
                },
                503,
                "stytch_unavailable",
            ),
            (
                stytch_totp::Error::Decode {
                    status: 200,
                    request_id: None,
                    reason: "x".into(),
                    snippet: String::new(),
                },
                502,
                "stytch_bad_response",
            ),
            (
                stytch_totp::Error::InvalidRequest {
                    field: "totp_code",
                    reason: "must be 6 digits".into(),
                },
                400,
                "bad_request",
            ),
            (stytch_totp::Error::Config("x".into()), 500, "internal"),
        ];
        for (error, status, code) in cases {
            let mapped = ApiError::from_stytch(&error);
            assert_eq!(
                (mapped.status().as_u16(), mapped.code()),
                (status, code),
                "{error}"
            );
            assert_eq!(mapped.request_id(), error.request_id());
        }
    }

    #[test]
    fn unavailable_answers_carry_the_request_id_and_retry_after() {
        let error = api(503, "service_unavailable");
        let response = ApiError::from_stytch(&error).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        let body = ApiError::from_stytch(&error).body;
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["request_id"], "request-id-test-1");
        assert_eq!(json["outcome_unknown"], true);
        assert!(json.get("lock_expires_at").is_none());
    }
}
