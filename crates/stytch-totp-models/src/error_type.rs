//! [`ErrorType`]: Stytch's `error_type`, as an enum that never fails to decode.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! error_types {
    ($($(#[$doc:meta])* $variant:ident = $wire:literal,)*) => {
        /// Stytch's machine-readable `error_type`.
        ///
        /// The documented types for the TOTP, password, user and session endpoints have variants; anything else
        /// (Stytch adds types over time) is kept verbatim in [`ErrorType::Other`].
        ///
        /// ```
        /// use stytch_totp_models::ErrorType;
        /// assert_eq!(ErrorType::from("invalid_totp_code"), ErrorType::InvalidTotpCode);
        /// assert_eq!(ErrorType::from("brand_new_type").as_str(), "brand_new_type");
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorType {
            $($(#[$doc])* $variant,)*
            /// A type this version does not know, kept as Stytch sent it.
            Other(String),
        }

        impl ErrorType {
            /// Every documented type, in the order of Stytch's docs.
            pub const KNOWN: &'static [ErrorType] = &[$(ErrorType::$variant,)*];

            /// The wire form, e.g. `invalid_totp_code`.
            pub fn as_str(&self) -> &str {
                match self {
                    $(ErrorType::$variant => $wire,)*
                    ErrorType::Other(other) => other,
                }
            }
        }

        impl From<&str> for ErrorType {
            fn from(wire: &str) -> Self {
                match wire {
                    $($wire => ErrorType::$variant,)*
                    other => ErrorType::Other(other.to_owned()),
                }
            }
        }
    };
}

error_types! {
    /// 401: the project id or secret is wrong.
    UnauthorizedCredentials = "unauthorized_credentials",
    /// 400: the user id is malformed.
    InvalidUserId = "invalid_user_id",
    /// 404: no such user.
    UserNotFound = "user_not_found",
    /// 400: the user already has an active TOTP.
    ActiveTotpExists = "active_totp_exists",
    /// 429: rate limited.
    TooManyRequests = "too_many_requests",
    /// 500: Stytch failed.
    InternalServerError = "internal_server_error",
    /// The TOTP code was not accepted.
    UnableToAuthenticateTotp = "unable_to_authenticate_totp",
    /// The TOTP code is malformed.
    InvalidTotpCode = "invalid_totp_code",
    /// The unverified TOTP expired.
    ExpiredTotp = "expired_totp",
    /// The code was already used; wait for the next one.
    TotpCodeAlreadyAuthenticated = "totp_code_already_authenticated",
    /// A TOTP code was sent where a recovery code belongs.
    TotpCodeUsedAsRecoveryCode = "totp_code_used_as_recovery_code",
    /// A recovery code was sent where a TOTP code belongs.
    RecoveryCodeUsedAsTotpCode = "recovery_code_used_as_totp_code",
    /// The recovery code was not accepted (unknown or already used).
    UnableToAuthenticateRecoveryCode = "unable_to_authenticate_recovery_code",
    /// The recovery code is malformed.
    InvalidRecoveryCode = "invalid_recovery_code",
    /// The user has no recovery codes.
    RecoveryCodesNotFound = "recovery_codes_not_found",
    /// No such TOTP.
    TotpNotFound = "totp_not_found",
    /// The user has no TOTP.
    TotpsNotFoundForUser = "totps_not_found_for_user",
    /// The user has an unverified TOTP pending.
    PendingTotpExists = "pending_totp_exists",
    /// The TOTP id is malformed.
    InvalidTotpId = "invalid_totp_id",
    /// `expiration_minutes` is out of range.
    InvalidExpiration = "invalid_expiration",
    /// `session_duration_minutes` is out of range.
    InvalidSessionDurationMinutes = "invalid_session_duration_minutes",
    /// The request is malformed.
    BadRequest = "bad_request",
    /// Too many failed attempts: the user is locked for a while.
    UserLockLimitReached = "user_lock_limit_reached",
    /// 404: the session does not exist, was revoked or expired.
    SessionNotFound = "session_not_found",
    /// 400: both `session_token` and `session_jwt` were sent.
    TooManySessionArguments = "too_many_session_arguments",
    /// 400: the session JWT could not be parsed.
    UnableToParseSessionJwt = "unable_to_parse_session_jwt",
    /// 400: the session token is malformed.
    InvalidSessionToken = "invalid_session_token",
    /// 400: the session's custom claims exceed four kilobytes.
    CustomClaimsTooLarge = "custom_claims_too_large",
    /// 400: another user already has this `external_id`.
    DuplicateUserExternalId = "duplicate_user_external_id",
    /// 404: no such API route.
    RouteNotFound = "route_not_found",
    /// 405: the route exists, but not with this method.
    MethodNotAllowed = "method_not_allowed",
    /// 400: the user has no active factor backed by recovery codes.
    NoActiveRecoveryCodeBackedFactor = "no_active_recovery_code_backed_factor",
    /// 404: no user has this email address (`passwords.authenticate`).
    EmailNotFound = "email_not_found",
    /// 400: a user with this email address already exists (`passwords.create`).
    DuplicateEmail = "duplicate_email",
    /// 400: the password fails the project's strength policy (`passwords.create`).
    WeakPassword = "weak_password",
    /// 400: the email address is malformed.
    InvalidEmail = "invalid_email",
    /// 400: the password must be reset before it can be used again (breached, or the
    /// account was deduplicated by another login method).
    ResetPassword = "reset_password",
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = String::deserialize(deserializer)?;
        Ok(ErrorType::from(wire.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_type_round_trips_and_unknown_is_kept() {
        for known in ErrorType::KNOWN {
            assert_eq!(&ErrorType::from(known.as_str()), known);
            let json = serde_json::to_string(known).unwrap();
            assert_eq!(&serde_json::from_str::<ErrorType>(&json).unwrap(), known);
        }
        let other: ErrorType = serde_json::from_str("\"quota_exceeded\"").unwrap();
        assert_eq!(other, ErrorType::Other("quota_exceeded".into()));
    }
}
