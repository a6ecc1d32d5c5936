//! `client.passwords()`: create, authenticate, strength_check. The first factor: a password
//! sign-in starts the session that `totps().authenticate(..).session_token(..)` steps up.
//!
//! The password is a [`SecretString`] from the moment it enters a builder: `Debug` prints
//! `[REDACTED]`, validation errors never contain it, and no log line carries it.

use std::future::Future;
use std::time::Duration;

use serde_json::{Map, Value};
use stytch_totp_models::{
    check_email, check_password, endpoints, AuthenticatePasswordRequest,
    AuthenticatePasswordResponse, CreatePasswordRequest, CreatePasswordResponse,
    PasswordStrengthCheckRequest, PasswordStrengthCheckResponse, SecretString,
    SessionDurationMinutes, UserName,
};

use crate::call::call_builder;
use crate::session_options::{session_setters, SessionOptions};
use crate::{Client, Error};

/// The password endpoints. Get one with [`Client::passwords`].
#[derive(Debug, Clone, Copy)]
pub struct Passwords<'c> {
    client: &'c Client,
}

impl<'c> Passwords<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// Creates a user with this email address and password (Stytch applies its strength
    /// policy: `weak_password`; a taken address answers `duplicate_email`). Not retried once
    /// Stytch may have received it.
    pub fn create(
        self,
        email: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> CreatePassword<'c> {
        CreatePassword {
            client: self.client,
            email: email.into(),
            password: password.into(),
            session_duration_minutes: None,
            session_custom_claims: Map::new(),
            trusted_metadata: Map::new(),
            untrusted_metadata: Map::new(),
            name: None,
            telemetry_id: None,
            timeout: None,
        }
    }

    /// Checks an email address and password, starting a session (with
    /// `session_duration_minutes`) or adding the `password` factor to an existing one. A
    /// failure counts toward the user's lock, as a wrong TOTP code does: not retried once
    /// Stytch may have received it.
    pub fn authenticate(
        self,
        email: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> AuthenticatePassword<'c> {
        AuthenticatePassword {
            client: self.client,
            email: email.into(),
            password: password.into(),
            session: SessionOptions::default(),
            timeout: None,
        }
    }

    /// Scores a password against the project's strength policy (and, with an email, checks it
    /// is not the address itself). Changes nothing: always retried.
    pub fn strength_check(self, password: impl Into<SecretString>) -> PasswordStrengthCheck<'c> {
        PasswordStrengthCheck {
            client: self.client,
            password: password.into(),
            email: None,
            timeout: None,
        }
    }
}

/// The [`PasswordsCreate`](crate::Operation::PasswordsCreate) request: await it, or call
/// [`CreatePassword::send`].
#[must_use = "a request does nothing until awaited"]
pub struct CreatePassword<'c> {
    client: &'c Client,
    email: String,
    password: SecretString,
    session_duration_minutes: Option<i64>,
    session_custom_claims: Map<String, Value>,
    trusted_metadata: Map<String, Value>,
    untrusted_metadata: Map<String, Value>,
    name: Option<UserName>,
    telemetry_id: Option<String>,
    timeout: Option<Duration>,
}

impl<'c> CreatePassword<'c> {
    /// Start a session lasting this many minutes (5 to 527040) for the new user.
    pub fn session_duration_minutes(mut self, minutes: i64) -> Self {
        self.session_duration_minutes = Some(minutes);
        self
    }

    /// Custom claims for that session (reserved JWT claims are ignored by Stytch).
    pub fn session_custom_claims(mut self, claims: Map<String, Value>) -> Self {
        self.session_custom_claims = claims;
        self
    }

    /// Metadata only the backend may change.
    pub fn trusted_metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.trusted_metadata = metadata;
        self
    }

    /// Metadata end users may change through Stytch's frontend SDKs.
    pub fn untrusted_metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.untrusted_metadata = metadata;
        self
    }

    /// The user's name.
    pub fn name(mut self, name: UserName) -> Self {
        self.name = Some(name);
        self
    }

    /// Device fingerprinting telemetry id.
    pub fn telemetry_id(mut self, telemetry_id: impl Into<String>) -> Self {
        self.telemetry_id = Some(telemetry_id.into());
        self
    }

    /// Validates and sends. Invalid input fails when awaited, before anything is sent.
    pub fn send(self) -> impl Future<Output = Result<CreatePasswordResponse, Error>> + Send + 'c {
        let (client, timeout) = (self.client, self.timeout);
        client.send_json::<endpoints::PasswordsCreate>(self.request(), timeout)
    }

    fn request(self) -> Result<CreatePasswordRequest, Error> {
        check_email(&self.email)?;
        check_password(self.password.expose_secret())?;
        Ok(CreatePasswordRequest {
            email: self.email,
            password: self.password,
            session_duration_minutes: self
                .session_duration_minutes
                .map(SessionDurationMinutes::new)
                .transpose()?,
            session_custom_claims: self.session_custom_claims,
            trusted_metadata: self.trusted_metadata,
            untrusted_metadata: self.untrusted_metadata,
            name: self.name,
            telemetry_id: self.telemetry_id,
        })
    }
}
call_builder!(CreatePassword => CreatePasswordResponse);

/// The [`PasswordsAuthenticate`](crate::Operation::PasswordsAuthenticate) request: await it,
/// or call [`AuthenticatePassword::send`].
#[must_use = "a request does nothing until awaited"]
pub struct AuthenticatePassword<'c> {
    client: &'c Client,
    email: String,
    password: SecretString,
    session: SessionOptions,
    timeout: Option<Duration>,
}
session_setters!(AuthenticatePassword);

impl<'c> AuthenticatePassword<'c> {
    /// Validates and sends. Invalid input fails when awaited, before anything is sent.
    pub fn send(
        self,
    ) -> impl Future<Output = Result<AuthenticatePasswordResponse, Error>> + Send + 'c {
        let (client, timeout) = (self.client, self.timeout);
        client.send_json::<endpoints::PasswordsAuthenticate>(self.request(), timeout)
    }

    fn request(self) -> Result<AuthenticatePasswordRequest, Error> {
        check_email(&self.email)?;
        check_password(self.password.expose_secret())?;
        Ok(AuthenticatePasswordRequest {
            email: self.email,
            password: self.password,
            session_duration_minutes: self.session.duration()?,
            session_token: self.session.token,
            session_jwt: self.session.jwt,
            session_custom_claims: self.session.custom_claims,
            telemetry_id: self.session.telemetry_id,
        })
    }
}
call_builder!(AuthenticatePassword => AuthenticatePasswordResponse);

/// The [`PasswordsStrengthCheck`](crate::Operation::PasswordsStrengthCheck) request: await
/// it, or call [`PasswordStrengthCheck::send`].
#[must_use = "a request does nothing until awaited"]
pub struct PasswordStrengthCheck<'c> {
    client: &'c Client,
    password: SecretString,
    email: Option<String>,
    timeout: Option<Duration>,
}

impl<'c> PasswordStrengthCheck<'c> {
    /// The user's email address: Stytch then also refuses a password built from it and runs
    /// its breach detection.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Validates and sends. Invalid input fails when awaited, before anything is sent.
    pub fn send(
        self,
    ) -> impl Future<Output = Result<PasswordStrengthCheckResponse, Error>> + Send + 'c {
        let (client, timeout) = (self.client, self.timeout);
        client.send_json::<endpoints::PasswordsStrengthCheck>(self.request(), timeout)
    }

    fn request(self) -> Result<PasswordStrengthCheckRequest, Error> {
        if let Some(email) = &self.email {
            check_email(email)?;
        }
        check_password(self.password.expose_secret())?;
        Ok(PasswordStrengthCheckRequest {
            password: self.password,
            email: self.email,
        })
    }
}
call_builder!(PasswordStrengthCheck => PasswordStrengthCheckResponse);
