//! Logs Stytch's `request_id` for every response (each attempt), success or error.

use std::time::Instant;

use http::Extensions;
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next, Result};
use serde::Deserialize;

/// Reads `request_id` (and `error_type`) from the JSON body, logs it with the operation,
/// status and latency (INFO on success, WARN otherwise) and records it on the current span.
/// Never logs the body or anything secret.
pub struct RequestIdMiddleware;

/// Stytch's `error_type` of a response, attached to it for the layers above (the retry
/// layer does not retry a 429 that is a user lock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StytchErrorType(pub String);

/// The two fields every Stytch body may carry that are safe to log.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Identifiers {
    pub request_id: Option<String>,
    pub error_type: Option<String>,
}

/// Finds the top-level `request_id` (and, if `with_error_type`, `error_type`) of a JSON body.
///
/// Reading stops as soon as they are found: Stytch sends `request_id` near the start, so the
/// rest of a success body (already decoded once by the client) is not parsed a second time.
/// Values are taken as found even if the body turns out malformed later; a body that is not
/// a JSON object yields nothing. Nested objects are skipped, never searched.
pub(crate) fn identifiers(body: &[u8], with_error_type: bool) -> Identifiers {
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

#[async_trait::async_trait]
impl Middleware for RequestIdMiddleware {
    async fn handle(&self, req: Request, ext: &mut Extensions, next: Next<'_>) -> Result<Response> {
        let operation = ext
            .get::<super::CallContext>()
            .map_or("stytch", |call| call.operation.span_name());
        let started = Instant::now();
        let result = next.run(req, ext).await;
        let latency_ms = started.elapsed().as_millis() as u64;
        let response = match result {
            Ok(response) => response,
            Err(error) => {
                tracing::warn!(operation, latency_ms, error = %error, "stytch call failed without a response");
                return Err(error);
            }
        };
        let status = response.status();
        let span = tracing::Span::current();
        // Errors are always read (the retry layer needs their `error_type`); a success body
        // only when its id will be recorded or logged, so that with no subscriber listening
        // this layer costs next to nothing.
        let wanted =
            !status.is_success() || !span.is_disabled() || tracing::enabled!(tracing::Level::INFO);
        // The body layer below already read the body; without it, nothing is logged from it.
        let Identifiers {
            request_id,
            error_type,
        } = match response.extensions().get::<super::BufferedBody>() {
            Some(super::BufferedBody(body)) if wanted => identifiers(body, !status.is_success()),
            _ => Identifiers::default(),
        };
        let request_id = request_id.as_deref().unwrap_or("");
        span.record("stytch.request_id", request_id);
        let status_code = status.as_u16();
        if status.is_success() {
            tracing::info!(
                operation,
                status = status_code,
                request_id,
                latency_ms,
                "stytch response"
            );
        } else {
            let error_type = error_type.as_deref().unwrap_or("");
            span.record("error.type", error_type);
            tracing::warn!(
                operation,
                status = status_code,
                request_id,
                error_type,
                latency_ms,
                "stytch error response"
            );
        }
        let mut response = response;
        if let Some(error_type) = error_type {
            response
                .extensions_mut()
                .insert(StytchErrorType(error_type));
        }
        Ok(response)
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
