//! Inputs of the password endpoints. The password is a [`SecretString`] from here on: no
//! error message, log line or `Debug` output carries it.

use stytch_totp_models::SecretString;

use super::{session_args, valid_email, FromBody};
use crate::domain::commands::{NewPasswordUser, PasswordCheck, StrengthQuestion};
use crate::http::body::JsonObject;
use crate::http::errors::ApiError;
use crate::state::Shared;

/// `email`: required, trimmed, Stytch's shape (`invalid_email`).
fn email(body: &JsonObject) -> Result<String, ApiError> {
    let email = body.required_string("email")?.trim();
    if !valid_email(email) {
        return Err(ApiError::invalid_email());
    }
    Ok(email.to_owned())
}

/// `password`: required, a non-empty string (any UTF-8, as Stytch documents).
fn password(body: &JsonObject) -> Result<SecretString, ApiError> {
    let password = body.required_string("password")?;
    if password.is_empty() {
        return Err(ApiError::bad_request("password must not be empty."));
    }
    Ok(SecretString::from(password))
}

impl FromBody for NewPasswordUser {
    fn from_body(body: JsonObject, state: &Shared) -> Result<Self, ApiError> {
        let session = session_args(&body, state)?;
        if session.existing.is_some() {
            return Err(ApiError::bad_request(
                "passwords.create starts a new user's session: it takes no session_token or session_jwt.",
            ));
        }
        let name = body.optional_object("name")?;
        Ok(Self {
            email: email(&body)?,
            password: password(&body)?,
            trusted_metadata: body.optional_object("trusted_metadata")?,
            untrusted_metadata: body.optional_object("untrusted_metadata")?,
            name: JsonObject(name).into_model()?,
            session,
        })
    }
}

impl FromBody for PasswordCheck {
    fn from_body(body: JsonObject, state: &Shared) -> Result<Self, ApiError> {
        Ok(Self {
            email: email(&body)?,
            password: password(&body)?,
            session: session_args(&body, state)?,
        })
    }
}

impl FromBody for StrengthQuestion {
    fn from_body(body: JsonObject, _state: &Shared) -> Result<Self, ApiError> {
        let email = match body.optional_string("email")?.map(str::trim) {
            None | Some("") => None,
            Some(_) => Some(email(&body)?),
        };
        Ok(Self {
            password: password(&body)?,
            email,
        })
    }
}
