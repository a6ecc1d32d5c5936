//! Request body handling: size limit, content type, JSON object, then field-by-field checks
//! that pick Stytch's precise error type before the body is deserialized into its model.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use stytch_totp_models::ErrorType;

use super::errors::ApiError;
use crate::state::AppState;

/// A request body that is a JSON object; top-level `null` members are dropped (they mean
/// "not set").
pub(crate) struct JsonObject(pub(crate) Map<String, Value>);

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl FromRequest<AppState> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let limit = state.config.max_body_bytes;
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(ApiError::too_large(limit));
        }
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        // The limit itself is the router's `DefaultBodyLimit` layer; its rejection kind says
        // whether the body was too large.
        let bytes = Bytes::from_request(req, state).await.map_err(|e| match e {
            BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                ApiError::too_large(limit)
            }
            _ => ApiError::bad_request("The request body could not be read."),
        })?;
        match content_type.as_deref() {
            Some(ct) if is_json(ct) => {}
            Some(_) => {
                return Err(ApiError::bad_request(
                    "Content-Type must be application/json.",
                ))
            }
            None => {
                return Err(ApiError::bad_request(
                    "The Content-Type header is missing: send a JSON body with Content-Type \
                     application/json.",
                ))
            }
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request(
                "The request body is empty: send a JSON object.",
            ));
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::bad_request(format!("The request body is not valid JSON: {e}."))
        })?;
        match value {
            Value::Object(mut object) => {
                object.retain(|_, v| !v.is_null());
                Ok(JsonObject(object))
            }
            _ => Err(ApiError::bad_request(
                "The request body must be a JSON object.",
            )),
        }
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong_type(field: &str, expected: &str, got: &Value) -> ApiError {
    ApiError::bad_request(format!("{field} must be {expected}, got {}.", kind(got)))
}

impl JsonObject {
    /// `user_id`: required, a string, not blank (`invalid_user_id`).
    pub(crate) fn user_id(&self) -> Result<String, ApiError> {
        match self.0.get("user_id") {
            None => Err(ApiError::bad_request("user_id is a required field.")),
            Some(Value::String(s)) if s.trim().is_empty() => Err(ApiError::invalid_user_id()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(wrong_type("user_id", "a string", other)),
        }
    }

    /// A required string field (its value is never echoed).
    pub(crate) fn required_string(&self, field: &str) -> Result<&str, ApiError> {
        match self.0.get(field) {
            None => Err(ApiError::bad_request(format!(
                "{field} is a required field."
            ))),
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(wrong_type(field, "a string", other)),
        }
    }

    /// An optional string field.
    pub(crate) fn optional_string(&self, field: &str) -> Result<Option<&str>, ApiError> {
        match self.0.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(wrong_type(field, "a string", other)),
        }
    }

    /// An optional object field (absent: empty).
    pub(crate) fn optional_object(&self, field: &str) -> Result<Map<String, Value>, ApiError> {
        match self.0.get(field) {
            None => Ok(Map::new()),
            Some(Value::Object(object)) => Ok(object.clone()),
            Some(other) => Err(wrong_type(field, "an object", other)),
        }
    }

    /// An optional boolean field.
    pub(crate) fn optional_bool(&self, field: &str) -> Result<Option<bool>, ApiError> {
        match self.0.get(field) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(wrong_type(field, "a boolean", other)),
        }
    }

    /// An optional array of strings (absent: empty).
    pub(crate) fn optional_strings(&self, field: &str) -> Result<Vec<String>, ApiError> {
        match self.0.get(field) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(wrong_type(field, "an array of strings", &self.0[field])),
                })
                .collect(),
            Some(other) => Err(wrong_type(field, "an array of strings", other)),
        }
    }

    /// An optional integer, made into `T` by `make` (the model's range rule); out of range
    /// is `error_type`.
    pub(crate) fn optional_minutes<T, E: std::fmt::Display>(
        &self,
        field: &str,
        make: impl FnOnce(i64) -> Result<T, E>,
        error_type: ErrorType,
    ) -> Result<Option<T>, ApiError> {
        let out_of_range = |reason: String| ApiError::out_of_range(error_type.clone(), reason);
        match self.0.get(field) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(v) => make(v).map(Some).map_err(|e| out_of_range(format!("{e}."))),
                None if n.as_u64().is_some() => {
                    Err(out_of_range(format!("{field} is out of range.")))
                }
                None => Err(ApiError::bad_request(format!(
                    "{field} must be an integer."
                ))),
            },
            Some(other) => Err(wrong_type(field, "an integer", other)),
        }
    }

    /// Deserializes into a type once the fields were checked.
    pub(crate) fn into_model<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        serde_json::from_value(Value::Object(self.0))
            .map_err(|e| ApiError::bad_request(format!("The request body is invalid: {e}.")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/vnd.api+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
    }

    #[test]
    fn field_checks_pick_error_types() {
        let obj = |v: Value| JsonObject(v.as_object().cloned().unwrap());
        let err = obj(serde_json::json!({})).user_id().unwrap_err();
        assert_eq!(err.error_type, ErrorType::BadRequest);
        assert!(err.message.contains("user_id"));
        let err = obj(serde_json::json!({"user_id": " "}))
            .user_id()
            .unwrap_err();
        assert_eq!(err.error_type, ErrorType::InvalidUserId);
        let err = obj(serde_json::json!({"user_id": 5}))
            .user_id()
            .unwrap_err();
        assert_eq!(err.error_type, ErrorType::BadRequest);
        let minutes = |v: Value| {
            obj(serde_json::json!({ "m": v }))
                .optional_minutes(
                    "m",
                    stytch_totp_models::ExpirationMinutes::new,
                    ErrorType::InvalidExpiration,
                )
                .map(|m| m.map(stytch_totp_models::ExpirationMinutes::get))
                .map_err(|e| e.error_type)
        };
        assert_eq!(minutes(serde_json::json!(5)), Ok(Some(5)));
        assert_eq!(
            minutes(serde_json::json!(4)),
            Err(ErrorType::InvalidExpiration)
        );
        assert_eq!(
            minutes(serde_json::json!(u64::MAX)),
            Err(ErrorType::InvalidExpiration)
        );
        assert_eq!(
            minutes(serde_json::json!(-1)),
            Err(ErrorType::InvalidExpiration)
        );
        assert_eq!(minutes(serde_json::json!(6.5)), Err(ErrorType::BadRequest));
        assert_eq!(minutes(serde_json::json!("60")), Err(ErrorType::BadRequest));
    }
}
