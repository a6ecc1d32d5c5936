//! The middleware stack, one concern per module. Order, outermost first:
//!
//! 1. [`tracing::TracingMiddleware`]: enters the operation's span, records HTTP fields once
//!    per call;
//! 2. the user's own middleware, if any (`ClientBuilder::middleware`), once per call;
//! 3. [`retry::RetryMiddleware`]: backoff, `Retry-After`, per-operation safety, time budget;
//! 4. [`request_id::RequestIdMiddleware`]: logs and records Stytch's `request_id` of every
//!    attempt's response;
//! 5. [`body_limit::BodyLimitMiddleware`]: reads the body once, refusing more than the limit,
//!    so the layers above can look at it without buffering without bound.
//!
//! Each layer works alone in any `reqwest_middleware` stack. The client runs the same code
//! with fewer boxed futures (each stacked middleware costs one per attempt): its call path
//! enters the span and records the outcome itself (what layer 1 does), and its retry layer
//! runs layers 4 and 5 around each attempt as plain calls.

pub mod body_limit;
pub mod request_id;
pub mod retry;
pub mod tracing;

use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

use crate::Operation;

/// What the client tells the layers about one call, put once in the middleware extensions.
/// Layers used without it fall back to generic behaviour (a generic span, the cautious
/// retry class, no timeout of their own).
#[derive(Debug, Clone)]
pub struct CallContext {
    /// Which API call this is: span name, retry safety.
    pub operation: Operation,
    /// The call's span, created by the client so it can record the decoding outcome too.
    pub span: ::tracing::Span,
    /// When the call started.
    pub started: Instant,
    /// The whole call, retries and waits included, must be over `call_timeout` after
    /// `started`.
    pub call_timeout: Duration,
    /// Longest time one attempt may take, body included.
    pub attempt_timeout: Duration,
}

impl CallContext {
    /// When the call must be over.
    pub fn deadline(&self) -> Instant {
        self.started + self.call_timeout
    }
}

/// The body [`body_limit::BodyLimitMiddleware`] read, in the response's extensions: the layers
/// above and the client look at it there instead of reading or rebuilding the response.
/// (`response.bytes()` on such a response is empty: its body has been consumed.)
/// `Bytes` clones share one buffer.
#[derive(Debug, Clone)]
pub struct BufferedBody(pub Bytes);
