//! Requests into domain [commands](crate::domain::commands), each body checked once, field by
//! field, so every rule picks Stytch's precise error type; the domain never re-checks their
//! shape. Session JWTs are verified here, before the store is locked.

use axum::extract::rejection::PathRejection;
use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use serde_json::{Map, Value};
use stytch_totp_models::{
    check_external_id, ErrorType, ExpirationMinutes, SessionDurationMinutes, UserName,
};

use super::body::JsonObject;
use super::errors::ApiError;
use crate::domain::commands::{
    NewTotp, NewUser, RecoveryCheck, RecoveryCodeInput, RevokeTarget, SessionArgs, SessionCheck,
    SessionRef, TotpCheck, TotpCodeInput, UserRef,
};
use crate::state::{AppState, Shared};
use crate::totp;

mod passwords;

/// A request body checked into `T`.
pub(crate) struct Input<T>(pub(crate) T);

/// Builds a command from a JSON object body, checking every field (JWTs with `state`'s key).
pub(crate) trait FromBody: Sized {
    fn from_body(body: JsonObject, state: &Shared) -> Result<Self, ApiError>;
}

impl<T: FromBody> FromRequest<AppState> for Input<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let body = JsonObject::from_request(req, state).await?;
        T::from_body(body, state).map(Input)
    }
}

impl FromBody for NewUser {
    fn from_body(body: JsonObject, _state: &Shared) -> Result<Self, ApiError> {
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
            return Err(ApiError::invalid_email());
        }
        if phone_number.is_some_and(|p| !valid_phone(p)) {
            return Err(ApiError::invalid_phone_number());
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

impl FromBody for NewTotp {
    fn from_body(body: JsonObject, _state: &Shared) -> Result<Self, ApiError> {
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

impl FromBody for UserRef {
    fn from_body(body: JsonObject, _state: &Shared) -> Result<Self, ApiError> {
        Ok(Self {
            user_id: body.user_id()?,
        })
    }
}

/// The registered JWT claims Stytch reserves: its OpenAPI (`session_custom_claims`) says
/// custom claims made with them "will be ignored", so they are dropped.
const RESERVED_CLAIMS: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

/// The session fields of an authenticate call.
fn session_args(body: &JsonObject, state: &Shared) -> Result<SessionArgs, ApiError> {
    let duration = body.optional_minutes(
        "session_duration_minutes",
        SessionDurationMinutes::new,
        ErrorType::InvalidSessionDurationMinutes,
    )?;
    let token = non_blank_owned(body.optional_string("session_token")?);
    let jwt = non_blank_owned(body.optional_string("session_jwt")?);
    body.optional_string("telemetry_id")?;
    let custom_claims = check_custom_claims(body.optional_object("session_custom_claims")?)?;
    let existing = match (token, jwt) {
        (Some(_), Some(_)) => return Err(ApiError::too_many_session_arguments()),
        (Some(token), None) => Some(SessionRef::Token(token)),
        (None, Some(jwt)) => Some(session_jwt(&jwt, state)),
        (None, None) => None,
    };
    Ok(SessionArgs {
        existing,
        duration,
        custom_claims,
    })
}

/// Drops the reserved registered claims (`iss`, `sub`, ...: Stytch ignores them) and refuses
/// claims under `https://stytch.com/`, where Stytch keeps its own (`reserved_claims_in_custom_claims`;
/// Stytch documents the name, not this use).
fn check_custom_claims(mut claims: Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
    if let Some(key) = claims.keys().find(|k| k.starts_with("https://stytch.com/")) {
        return Err(ApiError::reserved_claim(key));
    }
    claims.retain(|k, _| !RESERVED_CLAIMS.contains(&k.as_str()));
    Ok(claims)
}

impl FromBody for SessionCheck {
    fn from_body(body: JsonObject, state: &Shared) -> Result<Self, ApiError> {
        let mut args = session_args(&body, state)?;
        let session = args
            .existing
            .take()
            .ok_or_else(ApiError::no_session_arguments)?;
        Ok(Self { session, args })
    }
}

impl FromBody for RevokeTarget {
    fn from_body(body: JsonObject, state: &Shared) -> Result<Self, ApiError> {
        let id = non_blank_owned(body.optional_string("session_id")?);
        let token = non_blank_owned(body.optional_string("session_token")?);
        let jwt = non_blank_owned(body.optional_string("session_jwt")?);
        match (id, token, jwt) {
            (Some(id), None, None) => Ok(Self::Id(id)),
            (None, Some(token), None) => Ok(Self::Session(SessionRef::Token(token))),
            (None, None, Some(jwt)) => Ok(Self::Session(session_jwt(&jwt, state))),
            (None, None, None) => Err(ApiError::no_session_revoke_arguments()),
            _ => Err(ApiError::too_many_session_revoke_arguments()),
        }
    }
}

impl FromBody for TotpCheck {
    fn from_body(body: JsonObject, state: &Shared) -> Result<Self, ApiError> {
        let user_id = body.user_id()?;
        let code = body.required_string("totp_code")?;
        let session = session_args(&body, state)?;
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

impl FromBody for RecoveryCheck {
    fn from_body(body: JsonObject, state: &Shared) -> Result<Self, ApiError> {
        let user_id = body.user_id()?;
        let code = body.required_string("recovery_code")?;
        if code.trim().is_empty() {
            return Err(ApiError::empty_recovery_code());
        }
        let session = session_args(&body, state)?;
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
                    Ok(_) => Err(ApiError::blank_id(
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
            Some(id) if id.trim().is_empty() => Err(ApiError::invalid_user_id()),
            Some(id) => Ok(Self(id)),
        }
    }
}

/// A `session_jwt`, verified now (outside the store's lock) with the published key its header
/// names, for the emulator's project: the session it names, or `None` if it does not verify
/// (a key withdrawn after a rotation verifies nothing).
fn session_jwt(jwt: &str, state: &Shared) -> SessionRef {
    let claims = state
        .verifying_key(jwt)
        .and_then(|key| key.verify(jwt, &state.config.project_id));
    SessionRef::Jwt(claims.map(|c| c.session.id))
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
