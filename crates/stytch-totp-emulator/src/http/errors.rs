//! Stytch-shaped errors: every failure answers an [`ErrorResponse`] with `status_code`,
//! `request_id`, `error_type`, `error_message` and `error_url`.
//!
//! Every error the emulator can send is built by one named constructor below (`new` and
//! `invalid` are private to this file), and every [`Refusal`] of the domain maps to one here,
//! so the crate docs' error table and the code have one place to agree on.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use stytch_totp_models::{ErrorResponse, ErrorType};

use crate::clock::rfc3339;
use crate::domain::Refusal;

/// An API failure before it knows its request id.
///
/// Handlers and layers return it; its `IntoResponse` stores it in the response extensions
/// (with an empty body) and the request-id layer renders the body with the request's id.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) error_type: ErrorType,
    pub(crate) message: String,
}

impl ApiError {
    fn new(
        status: StatusCode,
        error_type: impl Into<ErrorType>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            error_type: error_type.into(),
            message: message.into(),
        }
    }

    /// A 400 with a specific type.
    fn invalid(error_type: impl Into<ErrorType>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error_type, message)
    }

    /// A 400 `bad_request`: malformed JSON, a missing or mistyped field.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::invalid(ErrorType::BadRequest, message)
    }

    pub(crate) fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorType::BadRequest,
            format!("The request body is larger than the limit of {limit} bytes."),
        )
    }

    pub(crate) fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorType::UnauthorizedCredentials,
            "Unauthorized credentials: send HTTP Basic auth with the project_id and secret.",
        )
    }

    pub(crate) fn route_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            error_type_for_status(StatusCode::NOT_FOUND),
            "There is no endpoint at this path.",
        )
    }

    pub(crate) fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            error_type_for_status(StatusCode::METHOD_NOT_ALLOWED),
            "This endpoint does not accept this HTTP method.",
        )
    }

    pub(crate) fn user_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorType::UserNotFound,
            "User could not be found.",
        )
    }

    pub(crate) fn totp_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorType::TotpNotFound,
            "TOTP could not be found.",
        )
    }

    pub(crate) fn expired_totp() -> Self {
        Self::invalid(
            ErrorType::ExpiredTotp,
            "The TOTP registration expired before it was verified; create a new one.",
        )
    }

    pub(crate) fn invalid_totp_code() -> Self {
        Self::invalid(
            ErrorType::InvalidTotpCode,
            "totp_code format is invalid: it must be exactly 6 digits.",
        )
    }

    pub(crate) fn session_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "session_not_found",
            "Session could not be found.",
        )
    }

    /// A 400 with the given type: a number out of its range (`invalid_expiration`,
    /// `invalid_session_duration_minutes`).
    pub(crate) fn out_of_range(error_type: ErrorType, reason: impl Into<String>) -> Self {
        Self::invalid(error_type, reason)
    }

    /// A 400 for a blank id (`invalid_user_id`, `invalid_totp_id`, `invalid_project_id`).
    pub(crate) fn blank_id(error_type: impl Into<ErrorType>, message: &'static str) -> Self {
        Self::invalid(error_type, message)
    }

    /// A 400 `invalid_user_id` for a blank `user_id`.
    pub(crate) fn invalid_user_id() -> Self {
        Self::blank_id(
            ErrorType::InvalidUserId,
            "user_id format is invalid: it must not be empty.",
        )
    }

    pub(crate) fn invalid_email() -> Self {
        Self::invalid("invalid_email", "email format is invalid.")
    }

    pub(crate) fn invalid_phone_number() -> Self {
        Self::invalid(
            "invalid_phone_number",
            "phone_number format is invalid: use E.164, e.g. +12025550123.",
        )
    }

    pub(crate) fn empty_recovery_code() -> Self {
        Self::invalid(
            ErrorType::InvalidRecoveryCode,
            "recovery_code must not be empty.",
        )
    }

    pub(crate) fn too_many_session_arguments() -> Self {
        Self::invalid(
            "too_many_session_arguments",
            "Please include at most one of session_token or session_jwt, not both.",
        )
    }

    pub(crate) fn no_session_arguments() -> Self {
        Self::invalid(
            "no_session_arguments",
            "Include one of session_token or session_jwt.",
        )
    }

    pub(crate) fn no_session_revoke_arguments() -> Self {
        Self::invalid(
            "no_session_revoke_arguments",
            "Include one of session_id, session_token or session_jwt.",
        )
    }

    pub(crate) fn too_many_session_revoke_arguments() -> Self {
        Self::invalid(
            "too_many_session_revoke_arguments",
            "Include only one of session_id, session_token or session_jwt.",
        )
    }

    pub(crate) fn reserved_claim(key: &str) -> Self {
        Self::invalid(
            "reserved_claims_in_custom_claims",
            format!("session_custom_claims must not set {key:?}: claims under https://stytch.com/ are Stytch's."),
        )
    }

    pub(crate) fn project_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "project_not_found",
            "No project with this project_id is served here.",
        )
    }

    /// The error a bare status stands for (an injected fault, or an error axum made itself).
    pub(crate) fn for_status(status: StatusCode, message: impl Into<String>) -> Self {
        Self::new(status, error_type_for_status(status), message)
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorType::InternalServerError,
            message,
        )
    }

    /// The body Stytch would send.
    pub(crate) fn body(&self, request_id: &str) -> ErrorResponse {
        ErrorResponse {
            error_details: serde_json::Map::new(),
            error_message: self.message.clone(),
            error_type: self.error_type.clone(),
            error_url: error_url(self.status, &self.error_type),
            request_id: request_id.to_owned(),
            status_code: i32::from(self.status.as_u16()),
        }
    }

    /// `response` (keeping its headers, e.g. `Retry-After`) with this error's body for
    /// `request_id`.
    pub(crate) fn render_into(&self, response: Response, request_id: &str) -> Response {
        let (mut parts, _) = response.into_parts();
        let rendered = json_response(self.status, &self.body(request_id));
        let (rendered_parts, body) = rendered.into_parts();
        parts.status = rendered_parts.status;
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.extend(rendered_parts.headers);
        Response::from_parts(parts, body)
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        use StatusCode as S;
        match refusal {
            Refusal::UserNotFound => Self::user_not_found(),
            Refusal::DuplicateEmail => {
                Self::invalid("duplicate_email", "A user with this email already exists.")
            }
            Refusal::DuplicatePhoneNumber => Self::invalid(
                "duplicate_phone_number",
                "A user with this phone number already exists.",
            ),
            Refusal::DuplicateExternalId => Self::invalid(
                "duplicate_user_external_id",
                "A user with this external_id already exists.",
            ),
            Refusal::TotpNotFound => Self::totp_not_found(),
            Refusal::ActiveTotpExists => Self::invalid(
                ErrorType::ActiveTotpExists,
                "Cannot create a new TOTP for the specified user since the user already has an \
                 active TOTP. Users may only have one active TOTP at a time.",
            ),
            Refusal::ExpiredTotp => Self::expired_totp(),
            Refusal::InvalidTotpCode => Self::invalid_totp_code(),
            Refusal::WrongTotpCode => Self::new(
                S::UNAUTHORIZED,
                ErrorType::UnableToAuthenticateTotp,
                "The TOTP code could not be authenticated: it is wrong or too old.",
            ),
            Refusal::TotpCodeReplayed => Self::invalid(
                ErrorType::TotpCodeAlreadyAuthenticated,
                "This TOTP code was already authenticated; attempt with the next generated code.",
            ),
            Refusal::RecoveryCodeUsedAsTotpCode => Self::invalid(
                ErrorType::RecoveryCodeUsedAsTotpCode,
                "A recovery code was sent as totp_code; use the recover endpoint for recovery \
                 codes.",
            ),
            Refusal::RecoveryCodesNotFound => Self::new(
                S::NOT_FOUND,
                ErrorType::RecoveryCodesNotFound,
                "The user has no TOTP, so no recovery codes.",
            ),
            Refusal::TotpsNotFoundForUser => Self::new(
                S::NOT_FOUND,
                ErrorType::TotpsNotFoundForUser,
                "The user has no TOTP, so no recovery codes to list.",
            ),
            Refusal::TotpCodeUsedAsRecoveryCode => Self::invalid(
                ErrorType::TotpCodeUsedAsRecoveryCode,
                "A TOTP code was sent as recovery_code; use the authenticate endpoint for TOTP \
                 codes.",
            ),
            Refusal::MalformedRecoveryCode => Self::invalid(
                ErrorType::InvalidRecoveryCode,
                "recovery_code format is invalid: expected xxxx-xxxx-xxxx.",
            ),
            Refusal::WrongRecoveryCode => Self::new(
                S::UNAUTHORIZED,
                ErrorType::UnableToAuthenticateRecoveryCode,
                "The recovery code could not be authenticated: it is wrong or was already used.",
            ),
            Refusal::UserLocked(until) => Self::new(
                S::TOO_MANY_REQUESTS,
                ErrorType::UserLockLimitReached,
                format!(
                    "The user is locked after too many failed attempts until {}.",
                    rfc3339(until)
                ),
            ),
            Refusal::UnparsableSessionJwt => Self::invalid(
                "unable_to_parse_session_jwt",
                "The session_jwt could not be parsed or its signature is invalid.",
            ),
            Refusal::SessionNotFound => Self::session_not_found(),
            Refusal::SessionOfAnotherUser => {
                Self::invalid("user_id_mismatch", "The session belongs to another user.")
            }
            Refusal::CustomClaimsTooLarge => Self::invalid(
                "custom_claims_too_large",
                "The session's custom claims would exceed four kilobytes.",
            ),
            Refusal::WrongPassword => Self::new(
                S::UNAUTHORIZED,
                ErrorType::UnauthorizedCredentials,
                "Unauthorized credentials.",
            ),
            Refusal::EmailNotFound => Self::new(
                S::NOT_FOUND,
                ErrorType::EmailNotFound,
                "Email could not be found.",
            ),
            Refusal::WeakPassword { score, warning } => {
                let mut message = format!(
                    "The password is too weak: it scores {score} of 4, at least {} is required. Check it with the strength_check endpoint.",
                    crate::passwords::MIN_SCORE
                );
                if !warning.is_empty() {
                    message = format!("{message} {warning}");
                }
                Self::invalid(ErrorType::WeakPassword, message)
            }
            Refusal::Inconsistent(what) => Self::internal(what),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// `https://stytch.com/docs/api-reference/consumer/api/errors/<status>#<error_type>`.
pub(crate) fn error_url(status: StatusCode, error_type: &ErrorType) -> String {
    format!(
        "https://stytch.com/docs/api-reference/consumer/api/errors/{}#{}",
        status.as_u16(),
        error_type.as_str()
    )
}

/// What an API handler answers: Stytch's JSON, or an error rendered by the request-id layer.
pub(crate) type Answer = Result<Response, ApiError>;

/// A 200 with `body` as JSON.
pub(crate) fn ok<T: serde::Serialize>(body: &T) -> Response {
    json_response(StatusCode::OK, body)
}

/// A JSON response; serialization of our own models cannot fail, but if it ever did the
/// answer is a 500 rather than a panic.
pub(crate) fn json_response<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut response = (status, bytes).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"status_code":500,"request_id":"","error_type":"internal_server_error","error_message":"serialization failed","error_url":"https://stytch.com/docs/api-reference/consumer/api/errors/500#internal_server_error"}"#,
        )
            .into_response(),
    }
}

/// The error type a bare status code stands for (used for injected faults and for errors axum
/// produced itself).
pub(crate) fn error_type_for_status(status: StatusCode) -> ErrorType {
    match status.as_u16() {
        401 => ErrorType::UnauthorizedCredentials,
        429 => ErrorType::TooManyRequests,
        500..=599 => ErrorType::InternalServerError,
        404 => ErrorType::from("route_not_found"),
        405 => ErrorType::from("method_not_allowed"),
        _ => ErrorType::BadRequest,
    }
}
