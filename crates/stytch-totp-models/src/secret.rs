//! [`SecretString`]: a string that never shows itself in `Debug` output or logs.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What every secret-bearing value prints instead of itself.
pub const REDACTED: &str = "[REDACTED]";

/// A secret string: TOTP secret, QR code, recovery code, password, session token or JWT.
///
/// `Debug` prints `[REDACTED]` and there is deliberately no `Display`; read the value with
/// [`SecretString::expose_secret`], which makes every read visible in code review. JSON
/// (de)serialization is the plain string, so the wire format is unchanged. The memory is
/// zeroed when the value is dropped.
///
/// ```
/// use stytch_totp_models::SecretString;
/// let token = SecretString::from("s3cr3t");
/// assert_eq!(format!("{token:?}"), "[REDACTED]");
/// assert_eq!(token.expose_secret(), "s3cr3t");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretString(String);

impl Drop for SecretString {
    /// Zeroes the whole buffer, spare capacity included, behind zeroize's optimisation
    /// barrier. This is one `memset`: `Zeroizing<String>` zeroes a `String` byte by byte,
    /// which cost ~4k instructions per decoded `totps.create` answer (its QR code is ~2.5 KB).
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        if bytes.len() < bytes.capacity() {
            // Spare capacity may hold an older, longer value: make it part of the slice.
            bytes.resize(bytes.capacity(), 0);
        }
        zeroize::zeroize_bytes(&mut bytes);
    }
}

impl SecretString {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Call this only where the value must leave the program (a request body,
    /// the user's screen) and never pass the result to a logger.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string (Stytch sends `""` for "no session").
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_but_json_is_the_value() {
        let secret = SecretString::from("BTGNX5RKJRMQWQFR");
        assert_eq!(format!("{secret:?}"), "[REDACTED]");
        assert_eq!(
            format!("{:?}", Some(vec![secret.clone()])),
            "Some([[REDACTED]])"
        );
        assert_eq!(
            serde_json::to_string(&secret).unwrap(),
            "\"BTGNX5RKJRMQWQFR\""
        );
        let back: SecretString = serde_json::from_str("\"BTGNX5RKJRMQWQFR\"").unwrap();
        assert_eq!(back, secret);
    }
}
