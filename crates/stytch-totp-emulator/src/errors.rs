//! Stytch-shaped errors: every failure answers an [`ErrorResponse`] with `status_code`,
//! `request_id`, `error_type`, `error_message` and `error_url`.
//!
//! Every error the emulator can send is built by one constructor below, so the crate docs'
//! error table and the code have one place to agree on.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use stytch_totp_models::{ErrorResponse, ErrorType};

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
    pub(crate) fn new(
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
    pub(crate) fn invalid(error_type: impl Into<ErrorType>, message: impl Into<String>) -> Self {
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// `https://stytch.com/docs/api/errors/<status>#<error_type>`.
pub(crate) fn error_url(status: StatusCode, error_type: &ErrorType) -> String {
    format!(
        "https://stytch.com/docs/api/errors/{}#{}",
        status.as_u16(),
        error_type.as_str()
    )
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
            r#"{"status_code":500,"request_id":"","error_type":"internal_server_error","error_message":"serialization failed","error_url":"https://stytch.com/docs/api/errors/500#internal_server_error"}"#,
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
