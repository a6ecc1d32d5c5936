//! Session options shared by every call that authenticates a factor, and their builder setters.

use stytch_totp_models::{SecretString, SessionDurationMinutes};

use crate::Error;

/// Session options shared by the calls that authenticate a factor (`totps.authenticate`,
/// `totps.recover`, `passwords.authenticate`): start a session, or add the factor to an
/// existing one (`session_token` / `session_jwt`).
#[derive(Default)]
pub(crate) struct SessionOptions {
    pub(crate) duration_minutes: Option<i64>,
    pub(crate) token: Option<SecretString>,
    pub(crate) jwt: Option<SecretString>,
    pub(crate) custom_claims: ::serde_json::Map<String, ::serde_json::Value>,
    pub(crate) telemetry_id: Option<String>,
}

impl SessionOptions {
    pub(crate) fn duration(&self) -> Result<Option<SessionDurationMinutes>, Error> {
        Ok(self
            .duration_minutes
            .map(SessionDurationMinutes::new)
            .transpose()?)
    }
}

/// Setters for [`SessionOptions`] on a builder with a `session` field.
macro_rules! session_setters {
    ($builder:ident) => {
        impl $builder<'_> {
            /// Start (or extend) a session lasting this many minutes: 5 to 527040. Without it
            /// no session is created and the response's `session_token`/`session_jwt` are empty.
            pub fn session_duration_minutes(mut self, minutes: i64) -> Self {
                self.session.duration_minutes = Some(minutes);
                self
            }

            /// Add this factor to the session of this token (step-up: same `session_id`, one more
            /// entry in `authentication_factors`) instead of starting one.
            pub fn session_token(
                mut self,
                token: impl Into<::stytch_totp_models::SecretString>,
            ) -> Self {
                self.session.token = Some(token.into());
                self
            }

            /// Add this factor to the session of this JWT instead of starting one.
            pub fn session_jwt(
                mut self,
                jwt: impl Into<::stytch_totp_models::SecretString>,
            ) -> Self {
                self.session.jwt = Some(jwt.into());
                self
            }

            /// Custom claims for the session (reserved JWT claims are ignored by Stytch).
            pub fn session_custom_claims(
                mut self,
                claims: ::serde_json::Map<String, ::serde_json::Value>,
            ) -> Self {
                self.session.custom_claims = claims;
                self
            }

            /// Device fingerprinting telemetry id.
            pub fn telemetry_id(mut self, telemetry_id: impl Into<String>) -> Self {
                self.session.telemetry_id = Some(telemetry_id.into());
                self
            }
        }
    };
}
pub(crate) use session_setters;
