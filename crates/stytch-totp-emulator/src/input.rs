//! Request inputs, each checked once, field by field, so every rule picks Stytch's precise
//! error type; the stores then take these types and never re-check their shape.

use axum::extract::rejection::PathRejection;
use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use serde_json::{Map, Value};
use stytch_totp_models::{
    check_external_id, ErrorType, ExpirationMinutes, SessionDurationMinutes, UserName,
};

use crate::errors::ApiError;
use crate::extract::JsonObject;
use crate::server::AppState;
use crate::totp;

mod passwords;
pub(crate) use passwords::{NewPasswordUser, PasswordCheck, StrengthQuestion};

/// A request body checked into `T`.
pub(crate) struct Input<T>(pub(crate) T);

/// Builds an input from a JSON object body, checking every field.
pub(crate) trait FromBody: Sized {
    fn from_body(body: JsonObject) -> Result<Self, ApiError>;
}

impl<T: FromBody> FromRequest<AppState> for Input<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let body = JsonObject::from_request(req, state).await?;
        T::from_body(body).map(Input)
    }
}

/// [`UsersCreate`](crate::Operation::UsersCreate).
pub(crate) struct NewUser {
    pub(crate) email: Option<String>,
    pub(crate) phone_number: Option<String>,
    pub(crate) external_id: Option<String>,
    pub(crate) name: UserName,
    pub(crate) roles: Vec<String>,
    pub(crate) trusted_metadata: Map<String, Value>,
    pub(crate) untrusted_metadata: Map<String, Value>,
    pub(crate) pending: bool,
}

impl FromBody for NewUser {
    fn from_body(body: JsonObject) -> Result<Self, ApiError> {
        let email = non_blank(body.optional_string("email")?.map(str::trim));
        let phone_number = non_blank(body.optional_string("phone_number")?.map(str::trim));
        let external_id = non_blank(body.optional_string("external_id")?);
        let name = body.optional_object("name")?;
        body.optional_object("attributes")?;
        let trusted_metadata = body.optional_object("trusted_metadata")?;
        let untrusted_metadata = body.optional_object("untrusted_metadata")?;
        let pending = body.optional_bool("create_user_as_pending")? == Some(true);
        let roles = body.optional_strings("roles")?;
        if email.is_some_and(|e| !valid_email(e)) {
            return Err(ApiError::invalid(
                "invalid_email",
                "email format is invalid.",
            ));
        }
        if phone_number.is_some_and(|p| !valid_phone(p)) {
            return Err(ApiError::invalid(
                "invalid_phone_number",
                "phone_number format is invalid: use E.164, e.g. +12025550123.",
            ));
        }
        if let Some(Err(broken)) = external_id.map(check_external_id) {
            // Stytch documents the rule, not the error type it answers with.
            return Err(ApiError::bad_request(format!("{broken}.")));
        }
        let name: UserName = JsonObject(name).into_model()?;
        Ok(Self {
            email: email.map(str::to_owned),
            phone_number: phone_number.map(str::to_owned),
            external_id: external_id.map(str::to_owned),
            name,
            roles,
            trusted_metadata,
            untrusted_metadata,
            pending,
        })
    }
}

/// [`TotpsCreate`](crate::Operation::TotpsCreate).
pub(crate) struct NewTotp {
    pub(crate) user_id: String,
    pub(crate) expiration: Option<ExpirationMinutes>,
}

impl FromBody for NewTotp {
    fn from_body(body: JsonObject) -> Result<Self, ApiError> {
        Ok(Self {
            user_id: body.user_id()?,
            expiration: body.optional_minutes(
                "expiration_minutes",
                ExpirationMinutes::new,
                ErrorType::InvalidExpiration,
            )?,
        })
    }
}

/// A body with only a `user_id` ([`TotpsRecoveryCodes`](crate::Operation::TotpsRecoveryCodes)).
pub(crate) struct UserRef {
    pub(crate) user_id: String,
}

impl FromBody for UserRef {
    fn from_body(body: JsonObject) -> Result<Self, ApiError> {
        Ok(Self {
            user_id: body.user_id()?,
        })
    }
}

/// Claims Stytch reserves: setting one is an error.
const RESERVED_CLAIMS: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

/// A session named by one of its tokens.
pub(crate) enum SessionRef {
    Token(String),
    Jwt(String),
}

/// The session fields of an authenticate call (TOTP, recover or sessions).
pub(crate) struct SessionArgs {
    /// The existing session, by at most one of `session_token` / `session_jwt`.
    pub(crate) existing: Option<SessionRef>,
    pub(crate) duration: Option<SessionDurationMinutes>,
    /// Claims to merge into the session's (`null` deletes); none reserved.
    pub(crate) custom_claims: Map<String, Value>,
}

impl SessionArgs {
    pub(crate) fn from_body(body: &JsonObject) -> Result<Self, ApiError> {
        let duration = body.optional_minutes(
            "session_duration_minutes",
            SessionDurationMinutes::new,
            ErrorType::InvalidSessionDurationMinutes,
        )?;
        let token = non_blank_owned(body.optional_string("session_token")?);
        let jwt = non_blank_owned(body.optional_string("session_jwt")?);
        body.optional_string("telemetry_id")?;
        let custom_claims = body.optional_object("session_custom_claims")?;
        check_custom_claims(&custom_claims)?;
        let existing = match (token, jwt) {
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid(
                    "too_many_session_arguments",
                    "Please include at most one of session_token or session_jwt, not both.",
                ))
            }
            (Some(token), None) => Some(SessionRef::Token(token)),
            (None, Some(jwt)) => Some(SessionRef::Jwt(jwt)),
            (None, None) => None,
        };
        Ok(Self {
            existing,
            duration,
            custom_claims,
        })
    }
}

/// Refuses Stytch's reserved claims (`iss`, `sub`, ... and `https://stytch.com/*`).
fn check_custom_claims(claims: &Map<String, Value>) -> Result<(), ApiError> {
    if let Some(key) = claims
        .keys()
        .find(|k| RESERVED_CLAIMS.contains(&k.as_str()))
    {
        return Err(ApiError::invalid(
            "reserved_claims_in_custom_claims",
            format!("session_custom_claims must not set the reserved claim {key:?}."),
        ));
    }
    if claims.keys().any(|k| k.starts_with("https://stytch.com/")) {
        return Err(ApiError::invalid(
            "stytch_claims_in_custom_claims",
            "session_custom_claims must not set claims under https://stytch.com/.",
        ));
    }
    Ok(())
}

/// [`SessionsAuthenticate`](crate::Operation::SessionsAuthenticate): exactly one of `session_token` / `session_jwt`.
pub(crate) struct SessionCheck {
    pub(crate) session: SessionRef,
    pub(crate) args: SessionArgs,
}

impl FromBody for SessionCheck {
    fn from_body(body: JsonObject) -> Result<Self, ApiError> {
        let mut args = SessionArgs::from_body(&body)?;
        let session = args.existing.take().ok_or_else(|| {
            ApiError::invalid(
                "no_session_arguments",
                "Include one of session_token or session_jwt.",
            )
        })?;
        Ok(Self { session, args })
    }
}

/// [`SessionsRevoke`](crate::Operation::SessionsRevoke): exactly one of `session_id` / `session_token` / `session_jwt`.
pub(crate) enum RevokeTarget {
    Id(String),
    Session(SessionRef),
}

impl FromBody for RevokeTarget {
    fn from_body(body: JsonObject) -> Result<Self, ApiError> {
        let id = non_blank_owned(body.optional_string("session_id")?);
        let token = non_blank_owned(body.optional_string("session_token")?);
        let jwt = non_blank_owned(body.optional_string("session_jwt")?);
        match (id, token, jwt) {
            (Some(id), None, None) => Ok(Self::Id(id)),
            (None, Some(token), None) => Ok(Self::Session(SessionRef::Token(token))),
            (None, None, Some(jwt)) => Ok(Self::Session(SessionRef::Jwt(jwt))),
            (None, None, None) => Err(ApiError::invalid(
                "no_session_revoke_arguments",
                "Include one of session_id, session_token or session_jwt.",
            )),
            _ => Err(ApiError::invalid(
                "too_many_session_revoke_arguments",
                "Include only one of session_id, session_token or session_jwt.",
            )),
        }
    }
}

/// A `totp_code` that is six digits, or has the shape of a recovery code (which the store
/// refuses, as `recovery_code_used_as_totp_code` if it is one of the user's). Any other shape
/// is refused here with `invalid_totp_code`.
pub(crate) enum TotpCodeInput {
    Code(String),
    RecoveryCodeShaped(String),
}

/// [`TotpsAuthenticate`](crate::Operation::TotpsAuthenticate).
pub(crate) struct TotpCheck {
    pub(crate) user_id: String,
    pub(crate) code: TotpCodeInput,
    pub(crate) session: SessionArgs,
}

impl FromBody for TotpCheck {
    fn from_body(body: JsonObject) -> Result<Self, ApiError> {
        let user_id = body.user_id()?;
        let code = body.required_string("totp_code")?;
        let session = SessionArgs::from_body(&body)?;
        let code = if totp::looks_like_totp_code(code) {
            TotpCodeInput::Code(code.to_owned())
        } else if totp::looks_like_recovery_code(code.trim()) {
            TotpCodeInput::RecoveryCodeShaped(code.trim().to_owned())
        } else {
            return Err(ApiError::invalid_totp_code());
        };
        Ok(Self {
            user_id,
            code,
            session,
        })
    }
}

/// A `recovery_code`, classified by shape (compared case-insensitively: lowercased).
pub(crate) enum RecoveryCodeInput {
    Code(String),
    /// Six digits: a TOTP code sent to recover (counts as a failed attempt).
    TotpCode,
    /// Neither shape (`invalid_recovery_code` once the user and TOTP are known).
    Malformed,
}

/// [`TotpsRecover`](crate::Operation::TotpsRecover).
pub(crate) struct RecoveryCheck {
    pub(crate) user_id: String,
    pub(crate) code: RecoveryCodeInput,
    pub(crate) session: SessionArgs,
}

impl FromBody for RecoveryCheck {
    fn from_body(body: JsonObject) -> Result<Self, ApiError> {
        let user_id = body.user_id()?;
        let code = body.required_string("recovery_code")?;
        if code.trim().is_empty() {
            return Err(ApiError::invalid(
                ErrorType::InvalidRecoveryCode,
                "recovery_code must not be empty.",
            ));
        }
        let session = SessionArgs::from_body(&body)?;
        let code = code.trim().to_ascii_lowercase();
        let code = if totp::looks_like_totp_code(&code) {
            RecoveryCodeInput::TotpCode
        } else if totp::looks_like_recovery_code(&code) {
            RecoveryCodeInput::Code(code)
        } else {
            RecoveryCodeInput::Malformed
        };
        Ok(Self {
            user_id,
            code,
            session,
        })
    }
}

/// A non-blank, percent-decoded path parameter.
macro_rules! path_id {
    ($name:ident, $field:literal, $error_type:expr) => {
        pub(crate) struct $name(pub(crate) String);

        impl<S: Send + Sync> FromRequestParts<S> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
                let param: Result<Path<String>, PathRejection> =
                    Path::from_request_parts(parts, state).await;
                match param {
                    Ok(Path(value)) if !value.trim().is_empty() => Ok(Self(value)),
                    Ok(_) => Err(ApiError::invalid(
                        $error_type,
                        concat!($field, " must not be empty."),
                    )),
                    Err(_) => Err(ApiError::bad_request(concat!(
                        $field,
                        " in the path is not valid percent-encoded UTF-8."
                    ))),
                }
            }
        }
    };
}

path_id!(UserIdPath, "user_id", ErrorType::InvalidUserId);
path_id!(TotpIdPath, "totp_id", ErrorType::InvalidTotpId);
path_id!(ProjectIdPath, "project_id", "invalid_project_id");

/// [`SessionsGet`](crate::Operation::SessionsGet): the required `user_id` query parameter.
pub(crate) struct UserIdQuery(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for UserIdQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(mut query) = Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::bad_request("The query string is malformed."))?;
        match query.remove("user_id") {
            None => Err(ApiError::bad_request(
                "user_id is a required query parameter.",
            )),
            Some(id) if id.trim().is_empty() => Err(ApiError::invalid(
                ErrorType::InvalidUserId,
                "user_id format is invalid: it must not be empty.",
            )),
            Some(id) => Ok(Self(id)),
        }
    }
}

fn non_blank_owned(value: Option<&str>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty()).map(str::to_owned)
}

fn non_blank(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

/// Stytch's email shape, by the one rule the client checks too.
pub(crate) fn valid_email(email: &str) -> bool {
    stytch_totp_models::check_email(email).is_ok()
}

/// E.164: `+` then 8 to 15 digits.
fn valid_phone(phone: &str) -> bool {
    phone
        .strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators() {
        assert!(valid_email("jane.doe@example.com"));
        assert!(!valid_email("jane"));
        assert!(!valid_email("@example.com"));
        assert!(!valid_email("a b@example.com"));
        assert!(!valid_email("a@localhost"));
        assert!(valid_phone("+12025550123"));
        assert!(!valid_phone("12025550123"));
        assert!(!valid_phone("+1"));
    }
}
