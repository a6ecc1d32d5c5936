//! `client.totps()`: create, authenticate, recovery_codes, recover.

use std::future::Future;
use std::time::Duration;

use stytch_totp_models::{
    endpoints, AuthenticateTotpRequest, AuthenticateTotpResponse, CreateTotpRequest,
    CreateTotpResponse, ExpirationMinutes, RecoverTotpRequest, RecoverTotpResponse, RecoveryCode,
    SecretString, TotpCode, TotpRecoveryCodesRequest, TotpRecoveryCodesResponse, UserIdentifier,
};

use crate::call::call_builder;
use crate::session_options::{session_setters, SessionOptions};
use crate::{Client, Error};

/// The TOTP endpoints. Get one with [`Client::totps`].
#[derive(Debug, Clone, Copy)]
pub struct Totps<'c> {
    client: &'c Client,
}

impl<'c> Totps<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// Creates a TOTP for a user (`user_id` or `external_id`): secret, QR code and recovery
    /// codes. Not retried once Stytch may have received it.
    pub fn create(self, user_id: impl Into<String>) -> CreateTotp<'c> {
        CreateTotp {
            client: self.client,
            user_id: user_id.into(),
            expiration_minutes: None,
            timeout: None,
        }
    }

    /// Checks a 6-digit code; verifies a new TOTP on first success. Not retried once Stytch may
    /// have received it (the code may have been spent). The code is a secret until it is used:
    /// pass a `&str`, a `String` or a [`SecretString`] (with the `secrecy` feature, also a
    /// `secrecy::SecretString`).
    pub fn authenticate(
        self,
        user_id: impl Into<String>,
        totp_code: impl Into<SecretString>,
    ) -> AuthenticateTotp<'c> {
        AuthenticateTotp {
            client: self.client,
            user_id: user_id.into(),
            totp_code: totp_code.into(),
            session: SessionOptions::default(),
            timeout: None,
        }
    }

    /// Lists the user's TOTPs with their remaining recovery codes. A read: always retried.
    pub fn recovery_codes(self, user_id: impl Into<String>) -> TotpRecoveryCodes<'c> {
        TotpRecoveryCodes {
            client: self.client,
            user_id: user_id.into(),
            timeout: None,
        }
    }

    /// Authenticates with a single-use recovery code. Not retried once Stytch may have
    /// received it (the code may have been spent). Taken like the code of
    /// [`Totps::authenticate`].
    pub fn recover(
        self,
        user_id: impl Into<String>,
        recovery_code: impl Into<SecretString>,
    ) -> RecoverTotp<'c> {
        RecoverTotp {
            client: self.client,
            user_id: user_id.into(),
            recovery_code: recovery_code.into(),
            session: SessionOptions::default(),
            timeout: None,
        }
    }
}

/// The [`TotpsCreate`](crate::Operation::TotpsCreate) request: await it, or call [`CreateTotp::send`].
#[must_use = "a request does nothing until awaited"]
#[derive(Debug)]
pub struct CreateTotp<'c> {
    client: &'c Client,
    user_id: String,
    expiration_minutes: Option<i64>,
    timeout: Option<Duration>,
}

impl<'c> CreateTotp<'c> {
    /// Minutes the unverified TOTP stays usable: 5 to 1440 (Stytch's default: 1440).
    pub fn expiration_minutes(mut self, minutes: i64) -> Self {
        self.expiration_minutes = Some(minutes);
        self
    }

    /// Validates and sends. Invalid input fails when awaited, before anything is sent.
    pub fn send(self) -> impl Future<Output = Result<CreateTotpResponse, Error>> + Send + 'c {
        let (client, timeout) = (self.client, self.timeout);
        client.send_json::<endpoints::TotpsCreate>(self.request(), timeout)
    }

    fn request(self) -> Result<CreateTotpRequest, Error> {
        Ok(CreateTotpRequest {
            user_id: UserIdentifier::new(self.user_id)?,
            expiration_minutes: self
                .expiration_minutes
                .map(ExpirationMinutes::new)
                .transpose()?,
        })
    }
}
call_builder!(CreateTotp => CreateTotpResponse);

/// The [`TotpsAuthenticate`](crate::Operation::TotpsAuthenticate) request: await it, or call [`AuthenticateTotp::send`].
#[must_use = "a request does nothing until awaited"]
#[derive(Debug)]
pub struct AuthenticateTotp<'c> {
    client: &'c Client,
    user_id: String,
    totp_code: SecretString,
    session: SessionOptions,
    timeout: Option<Duration>,
}
session_setters!(AuthenticateTotp);

impl<'c> AuthenticateTotp<'c> {
    /// Validates and sends. Invalid input fails when awaited, before anything is sent.
    pub fn send(self) -> impl Future<Output = Result<AuthenticateTotpResponse, Error>> + Send + 'c {
        let (client, timeout) = (self.client, self.timeout);
        client.send_json::<endpoints::TotpsAuthenticate>(self.request(), timeout)
    }

    fn request(self) -> Result<AuthenticateTotpRequest, Error> {
        Ok(AuthenticateTotpRequest {
            user_id: UserIdentifier::new(self.user_id)?,
            totp_code: TotpCode::from_secret(self.totp_code)?,
            session_duration_minutes: self.session.duration()?,
            session_token: self.session.token,
            session_jwt: self.session.jwt,
            session_custom_claims: self.session.custom_claims,
            telemetry_id: self.session.telemetry_id,
        })
    }
}
call_builder!(AuthenticateTotp => AuthenticateTotpResponse);

/// The [`TotpsRecoveryCodes`](crate::Operation::TotpsRecoveryCodes) request: await it, or call [`TotpRecoveryCodes::send`].
#[must_use = "a request does nothing until awaited"]
#[derive(Debug)]
pub struct TotpRecoveryCodes<'c> {
    client: &'c Client,
    user_id: String,
    timeout: Option<Duration>,
}

impl<'c> TotpRecoveryCodes<'c> {
    /// Validates and sends. Invalid input fails when awaited, before anything is sent.
    pub fn send(
        self,
    ) -> impl Future<Output = Result<TotpRecoveryCodesResponse, Error>> + Send + 'c {
        let request = UserIdentifier::new(self.user_id)
            .map(|user_id| TotpRecoveryCodesRequest { user_id })
            .map_err(Error::from);
        self.client
            .send_json::<endpoints::TotpsRecoveryCodes>(request, self.timeout)
    }
}
call_builder!(TotpRecoveryCodes => TotpRecoveryCodesResponse);

/// The [`TotpsRecover`](crate::Operation::TotpsRecover) request: await it, or call [`RecoverTotp::send`].
#[must_use = "a request does nothing until awaited"]
#[derive(Debug)]
pub struct RecoverTotp<'c> {
    client: &'c Client,
    user_id: String,
    recovery_code: SecretString,
    session: SessionOptions,
    timeout: Option<Duration>,
}
session_setters!(RecoverTotp);

impl<'c> RecoverTotp<'c> {
    /// Validates and sends. Invalid input fails when awaited, before anything is sent.
    pub fn send(self) -> impl Future<Output = Result<RecoverTotpResponse, Error>> + Send + 'c {
        let (client, timeout) = (self.client, self.timeout);
        client.send_json::<endpoints::TotpsRecover>(self.request(), timeout)
    }

    fn request(self) -> Result<RecoverTotpRequest, Error> {
        Ok(RecoverTotpRequest {
            user_id: UserIdentifier::new(self.user_id)?,
            recovery_code: RecoveryCode::from_secret(self.recovery_code)?,
            session_duration_minutes: self.session.duration()?,
            session_token: self.session.token,
            session_jwt: self.session.jwt,
            session_custom_claims: self.session.custom_claims,
            telemetry_id: self.session.telemetry_id,
        })
    }
}
call_builder!(RecoverTotp => RecoverTotpResponse);
