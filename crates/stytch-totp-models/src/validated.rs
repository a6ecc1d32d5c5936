//! Request values whose rules JSON Schema states but typify does not enforce: integer ranges,
//! the 6-digit code, non-empty identifiers. Invalid values cannot be constructed, and
//! deserializing one fails with the same message.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::SecretString;

/// A request value broke a rule of the API; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The JSON field name, e.g. `expiration_minutes`.
    pub field: &'static str,
    /// The rule and what was given, e.g. `must be between 5 and 1440, got 0`.
    pub reason: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.reason)
    }
}

impl std::error::Error for ValidationError {}

pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> ValidationError {
    ValidationError {
        field,
        reason: reason.into(),
    }
}

/// Integers limited to an inclusive range, serialized as plain JSON numbers.
macro_rules! bounded_minutes {
    ($(#[$doc:meta])* $name:ident, $field:literal, $min:literal ..= $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl $name {
            /// Smallest accepted value.
            pub const MIN: u32 = $min;
            /// Largest accepted value.
            pub const MAX: u32 = $max;

            /// Checks the range.
            pub fn new(minutes: i64) -> Result<Self, ValidationError> {
                if (i64::from(Self::MIN)..=i64::from(Self::MAX)).contains(&minutes) {
                    Ok(Self(minutes as u32))
                } else {
                    Err(invalid(
                        $field,
                        format!("must be between {} and {}, got {minutes}", Self::MIN, Self::MAX),
                    ))
                }
            }

            /// The number of minutes.
            pub fn get(self) -> u32 {
                self.0
            }
        }

        impl TryFrom<i64> for $name {
            type Error = ValidationError;
            fn try_from(minutes: i64) -> Result<Self, Self::Error> {
                Self::new(minutes)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_u32(self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Self::new(i64::deserialize(deserializer)?).map_err(serde::de::Error::custom)
            }
        }

    };
}

bounded_minutes!(
    /// How long an unverified TOTP stays usable: 5 to 1440 minutes (Stytch's default is 1440).
    ///
    /// ```
    /// use stytch_totp_models::ExpirationMinutes;
    /// assert_eq!(ExpirationMinutes::new(60).unwrap().get(), 60);
    /// let err = ExpirationMinutes::new(0).unwrap_err();
    /// assert_eq!(err.to_string(), "expiration_minutes must be between 5 and 1440, got 0");
    /// ```
    ExpirationMinutes, "expiration_minutes", 5..=1440
);

bounded_minutes!(
    /// Session lifetime: 5 to 527040 minutes (366 days).
    SessionDurationMinutes, "session_duration_minutes", 5..=527040
);

/// Non-empty identifiers, shown as they are (ids are not secrets).
macro_rules! non_empty_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Checks that the id is not empty or blank.
            pub fn new(id: impl Into<String>) -> Result<Self, ValidationError> {
                let id = id.into();
                if id.trim().is_empty() {
                    Err(invalid($field, "must not be empty"))
                } else {
                    Ok(Self(id))
                }
            }

            /// The id as sent to Stytch.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = ValidationError;
            fn from_str(id: &str) -> Result<Self, Self::Err> {
                Self::new(id)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(id: String) -> Result<Self, Self::Error> {
                Self::new(id)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ValidationError;
            fn try_from(id: &str) -> Result<Self, Self::Error> {
                Self::new(id)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Self::new(String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
            }
        }

    };
}

non_empty_id!(
    /// A Stytch `user_id` or the user's `external_id`; never empty.
    UserIdentifier, "user_id"
);

non_empty_id!(
    /// A Stytch `totp_id`; never empty.
    TotpIdentifier, "totp_id"
);

/// Secret strings with a validation rule: `Debug` is redacted like [`SecretString`].
macro_rules! validated_secret {
    ($(#[$doc:meta])* $name:ident, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(SecretString);

        impl $name {
            /// Validates the value; the error never repeats it.
            pub fn new(value: impl Into<String>) -> Result<Self, ValidationError> {
                Self::from_secret(SecretString::new(value))
            }

            /// Validates a value already held as a secret, without copying it.
            pub fn from_secret(value: SecretString) -> Result<Self, ValidationError> {
                let check: fn(&str) -> Result<(), ValidationError> = $check;
                check(value.expose_secret())?;
                Ok(Self(value))
            }

            /// The secret itself; see [`SecretString::expose_secret`].
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.0.serialize(serializer)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = SecretString::deserialize(deserializer)?;
                Self::from_secret(value).map_err(serde::de::Error::custom)
            }
        }

    };
}

validated_secret!(
    /// A 6-digit TOTP code. Secret: `Debug` prints `[REDACTED]` and errors never echo it.
    ///
    /// ```
    /// use stytch_totp_models::TotpCode;
    /// assert!(TotpCode::new("123456").is_ok());
    /// assert_eq!(
    ///     TotpCode::new("12345").unwrap_err().to_string(),
    ///     "totp_code must be exactly 6 ASCII digits (got 5 characters)"
    /// );
    /// ```
    TotpCode,
    |code| {
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(())
        } else {
            Err(invalid(
                "totp_code",
                format!("must be exactly 6 ASCII digits (got {} characters)", code.chars().count()),
            ))
        }
    }
);

validated_secret!(
    /// One single-use recovery code (`xxxx-xxxx-xxxx`). Secret: `Debug` prints `[REDACTED]`.
    RecoveryCode,
    |code| {
        if code.trim().is_empty() {
            Err(invalid("recovery_code", "must not be empty"))
        } else {
            Ok(())
        }
    }
);

/// Stytch's rule for a user's `external_id` (stated in the spec's description of the field):
/// 1 to 128 characters, each a letter, digit, `.`, `_`, `-` or `|`. The client checks it before
/// sending `users.create`, the emulator answers `bad_request` when it is broken, and services
/// that use their own ids as external ids can check them up front.
///
/// ```
/// use stytch_totp_models::check_external_id;
/// assert!(check_external_id("crm|42.a_b-c").is_ok());
/// assert_eq!(
///     check_external_id("a b").unwrap_err().to_string(),
///     "external_id must be 1 to 128 letters, digits, '.', '_', '-' or '|'"
/// );
/// ```
pub fn check_external_id(id: &str) -> Result<(), ValidationError> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'|');
    if (1..=128).contains(&id.len()) && id.bytes().all(allowed) {
        Ok(())
    } else {
        Err(invalid(
            "external_id",
            "must be 1 to 128 letters, digits, '.', '_', '-' or '|'",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_inclusive_and_errors_name_field_and_rule() {
        assert!(ExpirationMinutes::new(5).is_ok());
        assert!(ExpirationMinutes::new(1440).is_ok());
        let err = ExpirationMinutes::new(1441).unwrap_err();
        assert_eq!(err.field, "expiration_minutes");
        assert_eq!(
            err.to_string(),
            "expiration_minutes must be between 5 and 1440, got 1441"
        );
        assert!(SessionDurationMinutes::new(527040).is_ok());
        assert_eq!(
            SessionDurationMinutes::new(4).unwrap_err().to_string(),
            "session_duration_minutes must be between 5 and 527040, got 4"
        );
    }

    #[test]
    fn deserializing_enforces_the_same_rules() {
        let err = serde_json::from_str::<ExpirationMinutes>("0").unwrap_err();
        assert!(err.to_string().contains("between 5 and 1440"), "{err}");
        assert!(serde_json::from_str::<UserIdentifier>("\"  \"").is_err());
        assert!(serde_json::from_str::<TotpCode>("\"12a456\"").is_err());
        assert_eq!(
            serde_json::to_string(&ExpirationMinutes::new(60).unwrap()).unwrap(),
            "60"
        );
    }

    #[test]
    fn totp_code_rules_and_redaction() {
        for bad in ["12345", "abcdef", "1234567", "12 456", "١٢٣٤٥٦"] {
            let err = TotpCode::new(bad).unwrap_err();
            assert_eq!(err.field, "totp_code");
            assert!(
                !err.to_string().contains(bad),
                "error must not echo the code"
            );
        }
        let code = TotpCode::new("987654").unwrap();
        assert_eq!(format!("{code:?}"), "TotpCode([REDACTED])");
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"987654\"");
        let held = TotpCode::from_secret(SecretString::new("987654")).unwrap();
        assert_eq!(held, code);
        let err = TotpCode::from_secret(SecretString::new("98765")).unwrap_err();
        assert_eq!(err.field, "totp_code");
        assert!(RecoveryCode::from_secret(SecretString::new("ckss-2skx-ebow")).is_ok());
    }

    #[test]
    fn ids_must_not_be_blank() {
        assert_eq!(
            UserIdentifier::new("").unwrap_err().to_string(),
            "user_id must not be empty"
        );
        assert_eq!(TotpIdentifier::new(" ").unwrap_err().field, "totp_id");
        assert_eq!(
            UserIdentifier::new("user-test-1").unwrap().as_str(),
            "user-test-1"
        );
        assert_eq!(RecoveryCode::new("").unwrap_err().field, "recovery_code");
    }

    #[test]
    fn the_external_id_rule_has_its_edges_where_stytch_documents_them() {
        assert!(check_external_id("x").is_ok());
        assert!(check_external_id(&"x".repeat(128)).is_ok());
        assert!(check_external_id("AZaz09._-|").is_ok());
        for bad in ["", " ", "a b", "é", "a/b", "a@b", "a:b"] {
            let err = check_external_id(bad).unwrap_err();
            assert_eq!(err.field, "external_id", "{bad:?}");
        }
        assert!(check_external_id(&"x".repeat(129)).is_err());
    }
}
