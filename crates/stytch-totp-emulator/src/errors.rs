//! Stytch-shaped errors: every failure answers an [`ErrorResponse`] with `status_code`,
//! `request_id`, `error_type`, `error_message` and `error_url`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use stytch_totp_models::{ErrorResponse, ErrorType};

/// An API failure before it knows its request id.
///
/// Handlers return it; its `IntoResponse` stores it in the response extensions and the request
/// pipeline (see `routes.rs`) renders the body with the request's id.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) error_type: ErrorType,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn new(
        status: StatusCode,
        error_type: ErrorType,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            error_type,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorType::BadRequest, message)
    }

    pub(crate) fn invalid(error_type: ErrorType, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error_type, message)
    }

    pub(crate) fn other(status: StatusCode, error_type: &str, message: impl Into<String>) -> Self {
        Self::new(status, ErrorType::Other(error_type.to_owned()), message)
    }

    pub(crate) fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorType::UnauthorizedCredentials,
            "Unauthorized credentials: send HTTP Basic auth with the project_id and secret.",
        )
    }

    pub(crate) fn user_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorType::UserNotFound,
            "User could not be found.",
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

    /// The complete response, body included.
    pub(crate) fn render(&self, request_id: &str) -> Response {
        json_response(self.status, &self.body(request_id))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Rendered with a placeholder id; the pipeline re-renders it with the real one.
        let mut response = self.render("");
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
        404 => ErrorType::Other("not_found".to_owned()),
        405 => ErrorType::Other("method_not_allowed".to_owned()),
        _ => ErrorType::BadRequest,
    }
}
