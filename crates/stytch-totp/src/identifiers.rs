//! Finding Stytch's `request_id` and `error_type` in a JSON body without decoding all of it:
//! the request-id layer logs them, the retry layer reads the error type, decoding errors keep
//! the request id.

use serde::Deserialize;

/// The two fields every Stytch body may carry that are safe to log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identifiers {
    /// Stytch's id of the call.
    pub request_id: Option<String>,
    /// Stytch's error type (error bodies only).
    pub error_type: Option<String>,
}

/// Finds the top-level `request_id` (and, if `with_error_type`, `error_type`) of a JSON body.
///
/// Reading stops as soon as they are found: Stytch sends `request_id` near the start, so the
/// rest of a success body (already decoded once by the client) is not parsed a second time.
/// Values are taken as found even if the body turns out malformed later; a body that is not
/// a JSON object yields nothing. Nested objects are skipped, never searched.
pub fn identifiers(body: &[u8], with_error_type: bool) -> Identifiers {
    let mut found = Identifiers::default();
    let scan = Scan {
        found: &mut found,
        with_error_type,
    };
    // An error is also how the scan stops early; either way `found` holds what was read.
    let _ = serde::de::DeserializeSeed::deserialize(
        scan,
        &mut serde_json::Deserializer::from_slice(body),
    );
    found
}

/// A top-level key of interest; every other key is `Other`.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Key {
    RequestId,
    ErrorType,
    #[serde(other)]
    Other,
}

struct Scan<'a> {
    found: &'a mut Identifiers,
    with_error_type: bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for Scan<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Scan<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<(), A::Error> {
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::RequestId => self.found.request_id = map.next_value()?,
                Key::ErrorType => self.found.error_type = map.next_value()?,
                Key::Other => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
            let done = self.found.request_id.is_some()
                && (!self.with_error_type || self.found.error_type.is_some());
            if done {
                return Err(serde::de::Error::custom("found"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_come_from_any_stytch_body_and_nothing_else() {
        let ids = |body: &[u8], with_error_type| {
            let found = identifiers(body, with_error_type);
            (found.request_id, found.error_type)
        };
        let some = |s: &str| Some(s.to_owned());
        let error = br#"{"status_code":429,"request_id":"r-1","error_type":"too_many_requests","secret":"x"}"#;
        assert_eq!(ids(error, true), (some("r-1"), some("too_many_requests")));
        // Without `error_type` wanted, reading stops at `request_id`.
        assert_eq!(ids(error, false), (some("r-1"), None));
        // Order does not matter; nested objects are skipped, not searched.
        let nested = br#"{"user":{"request_id":"inner","error_type":"x"},"error_type":"e","request_id":"outer"}"#;
        assert_eq!(ids(nested, true), (some("outer"), some("e")));
        assert_eq!(ids(br#"{"request_id":"r-2"}"#, true), (some("r-2"), None));
        assert_eq!(ids(br#"{"request_id":null}"#, true), (None, None));
        assert_eq!(
            ids(br#"{"request_id":"r-\u0033"}"#, false),
            (some("r-3"), None)
        );
        // Found before the body breaks off: still reported.
        assert_eq!(
            ids(br#"{"request_id":"r-4","totp_id":"#, false),
            (some("r-4"), None)
        );
        assert_eq!(ids(br#"{"request_id":42}"#, true), (None, None));
        assert_eq!(ids(br#"["request_id","r-5"]"#, true), (None, None));
        assert_eq!(ids(b"<html>502</html>", true), (None, None));
        assert_eq!(ids(b"", true), (None, None));
    }
}
