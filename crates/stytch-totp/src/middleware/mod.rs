//! The middleware stack, one concern per module. Order, outermost first:
//!
//! 1. [`tracing::TracingMiddleware`]: enters the operation's span, records HTTP fields once
//!    per call;
//! 2. [`retry::RetryMiddleware`]: backoff, `Retry-After`, per-operation safety, time budget;
//! 3. [`request_id::RequestIdMiddleware`]: logs and records Stytch's `request_id` of every
//!    attempt's response;
//! 4. [`body_limit::BodyLimitMiddleware`]: reads the body once, refusing more than the limit,
//!    so the layers above can look at it without buffering without bound.

pub mod body_limit;
pub mod request_id;
pub mod retry;
pub mod tracing;

use bytes::Bytes;
use reqwest::Response;

/// Rebuilds a response around an already-read body, keeping status, version and headers.
pub(crate) fn with_body(
    status: reqwest::StatusCode,
    version: reqwest::Version,
    headers: reqwest::header::HeaderMap,
    body: Bytes,
) -> Response {
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Response::from(rebuilt)
}

/// The body [`body_limit::BodyLimitMiddleware`] read for the latest attempt, left in the
/// middleware extensions so the layers above can look at it without reading or rebuilding
/// the response again. `Bytes` clones share one buffer.
#[derive(Debug, Clone)]
pub struct BufferedBody(pub Bytes);
