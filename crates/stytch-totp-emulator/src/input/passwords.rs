//! Inputs of the password endpoints. The password is a [`SecretString`] from here on: no
//! error message, log line or `Debug` output carries it.

use serde_json::{Map, Value};
use stytch_totp_models::{ErrorType, SecretString, UserName};

use super::{valid_email, FromBody, SessionArgs};
use crate::errors::ApiError;
use crate::extract::JsonObject;

/// `email`: required, trimmed, Stytch's shape (`invalid_email`).
fn email(body: &JsonObject) -> Result<String, ApiError> {
    let email = body.required_string("email")?.trim();
    if !valid_email(email) {
        return Err(ApiError::invalid(
            ErrorType::InvalidEmail,
            "email format is invalid.",
        ));
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

/// [`PasswordsCreate`](crate::Operation::PasswordsCreate): a new user with a password.
pub(crate) struct NewPasswordUser {
    pub(crate) email: String,
    pub(crate) password: SecretString,
    pub(crate) name: UserName,
    pub(crate) trusted_metadata: Map<String, Value>,
    pub(crate) untrusted_metadata: Map<String, Value>,
    /// A new session only: `create` takes no `session_token` / `session_jwt`.
    pub(crate) session: SessionArgs,
}

impl FromBody for NewPasswordUser {
    fn from_body(body: JsonObject) -> Result<Self, ApiError> {
        let session = SessionArgs::from_body(&body)?;
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

/// [`PasswordsAuthenticate`](crate::Operation::PasswordsAuthenticate).
pub(crate) struct PasswordCheck {
    pub(crate) email: String,
    pub(crate) password: SecretString,
    pub(crate) session: SessionArgs,
}

impl FromBody for PasswordCheck {
    fn from_body(body: JsonObject) -> Result<Self, ApiError> {
        Ok(Self {
            email: email(&body)?,
            password: password(&body)?,
            session: SessionArgs::from_body(&body)?,
        })
    }
}

/// [`PasswordsStrengthCheck`](crate::Operation::PasswordsStrengthCheck).
pub(crate) struct StrengthQuestion {
    pub(crate) password: SecretString,
    pub(crate) email: Option<String>,
}

impl FromBody for StrengthQuestion {
    fn from_body(body: JsonObject) -> Result<Self, ApiError> {
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
