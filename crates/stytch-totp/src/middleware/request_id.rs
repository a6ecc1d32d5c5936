//! Logs Stytch's `request_id` for every response (each attempt), success or error.

use std::time::Instant;

use http::Extensions;
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next, Result};
use serde::Deserialize;

use crate::Operation;

/// Reads `request_id` (and `error_type`) from the JSON body, logs it with the operation,
/// status and latency (INFO on success, WARN otherwise) and records it on the current span.
/// Never logs the body or anything secret.
pub struct RequestIdMiddleware;

/// Stytch's `error_type` of a response, attached to it for the layers above (the retry
/// layer does not retry a 429 that is a user lock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StytchErrorType(pub String);

/// The two fields every Stytch body may carry that are safe to log.
#[derive(Deserialize)]
struct Identifiers {
    request_id: Option<String>,
    error_type: Option<String>,
}

/// Extracts `request_id` and `error_type` from a body, if it is JSON that has them.
pub(crate) fn identifiers(body: &[u8]) -> (Option<String>, Option<String>) {
    match serde_json::from_slice::<Identifiers>(body) {
        Ok(ids) => (ids.request_id, ids.error_type),
        Err(_) => (None, None),
    }
}

#[async_trait::async_trait]
impl Middleware for RequestIdMiddleware {
    async fn handle(&self, req: Request, ext: &mut Extensions, next: Next<'_>) -> Result<Response> {
        let operation = ext.get::<Operation>().map_or("stytch", |op| op.name());
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
        // The body layer below already read the body; without it, nothing is logged from it.
        let (request_id, error_type) = match ext.get::<super::BufferedBody>() {
            Some(super::BufferedBody(body)) => identifiers(body),
            None => (None, None),
        };
        let request_id = request_id.as_deref().unwrap_or("");
        let span = tracing::Span::current();
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
        let error = br#"{"status_code":429,"request_id":"r-1","error_type":"too_many_requests","secret":"x"}"#;
        assert_eq!(
            identifiers(error),
            (Some("r-1".into()), Some("too_many_requests".into()))
        );
        assert_eq!(
            identifiers(br#"{"request_id":"r-2"}"#),
            (Some("r-2".into()), None)
        );
        assert_eq!(identifiers(b"<html>502</html>"), (None, None));
        assert_eq!(identifiers(b""), (None, None));
    }
}
