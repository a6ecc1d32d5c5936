//! Retries with exponential backoff and jitter, `Retry-After`, a time budget, and
//! per-operation safety (see [`RetrySafety`]); bounds each attempt and the whole call in time.
//!
//! reqwest-retry's own middleware is not used: its strategy sees only the result, not which
//! operation the request is, and it ignores `Retry-After`. Its backoff policy
//! ([`ExponentialBackoff`]) computes the delays.

use std::time::{Duration, SystemTime};

use http::Extensions;
use reqwest::{Request, Response, StatusCode};
use reqwest_middleware::{Middleware, Next, Result};
use reqwest_retry::policies::ExponentialBackoff;
use reqwest_retry::{Jitter, RetryDecision, RetryPolicy as _};
use tokio::time::Instant;

use super::request_id::Identifiers;
use super::{body_limit, request_id, CallContext};
use crate::{Error, Operation, RetrySafety};

/// How failed attempts are retried.
///
/// Defaults: at most 3 retries (4 attempts), backoff from 100 ms doubling up to 2 s with
/// bounded jitter, and no retry that would start more than 10 s after the first attempt.
/// A `Retry-After` header (seconds or HTTP date) on a 429 or 503 replaces a shorter backoff;
/// when it points past the budget the response is returned instead of waiting.
///
/// ```
/// use std::time::Duration;
/// use stytch_totp::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_retries(5)
///     .backoff(Duration::from_millis(50), Duration::from_secs(1))
///     .budget(Duration::from_secs(20));
/// assert_ne!(policy, RetryPolicy::default());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    max_retries: u32,
    min_backoff: Duration,
    max_backoff: Duration,
    budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            min_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            budget: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self::default().max_retries(0)
    }

    /// Retries after the first attempt.
    #[must_use]
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The first backoff and the longest one (the backoff doubles from `min` up to `max`; a
    /// `max` below `min` counts as `min`).
    #[must_use]
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.min_backoff = min;
        self.max_backoff = max;
        self
    }

    /// No retry starts later than this after the first attempt.
    #[must_use]
    pub fn budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    fn exponential_backoff(&self) -> ExponentialBackoff {
        ExponentialBackoff::builder()
            .retry_bounds(self.min_backoff, self.max_backoff.max(self.min_backoff))
            .jitter(Jitter::Bounded)
            .build_with_max_retries(self.max_retries)
    }
}

/// What to do with the outcome of one attempt.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Return it to the caller.
    Done,
    /// Try again, waiting at least this long if the server said so.
    Retry { retry_after: Option<Duration> },
}

/// What one attempt's outcome says about trying again, whatever the operation. The retry
/// layer and [`Error::is_retryable`] both decide from this, so they cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Trying again cannot change it: a success, a 4xx (a locked user included: the lock lasts
    /// up to an hour), a 500, an oversized body.
    Final,
    /// Refused before processing (429 rate limit): safe to repeat for every operation.
    NotProcessed,
    /// Nothing reached Stytch (the connection was never made): safe for every operation.
    NotSent,
    /// Transient trouble after Stytch may have acted (502, 503, 504, a timeout, a broken
    /// connection): safe to repeat only for operations that are [`RetrySafety::Always`].
    MaybeProcessed,
}

impl Outcome {
    /// The outcome of an HTTP answer with `status` and Stytch's `error_type`, when known.
    pub(crate) fn of_status(status: u16, error_type: Option<&str>) -> Self {
        match status {
            429 if error_type == Some("user_lock_limit_reached") => Outcome::Final,
            429 => Outcome::NotProcessed,
            502..=504 => Outcome::MaybeProcessed,
            _ => Outcome::Final,
        }
    }

    /// Whether an operation of `safety` may be tried again after this outcome.
    pub(crate) fn retryable(self, safety: RetrySafety) -> bool {
        match self {
            Outcome::Final => false,
            Outcome::NotProcessed | Outcome::NotSent => true,
            Outcome::MaybeProcessed => safety == RetrySafety::Always,
        }
    }

    /// The outcome of one attempt as the retry layer sees it.
    fn of_attempt(result: &Result<Response>) -> Self {
        match result {
            Ok(response) => {
                Outcome::of_status(response.status().as_u16(), user_error_type(response))
            }
            Err(reqwest_middleware::Error::Reqwest(e)) if e.is_connect() => Outcome::NotSent,
            // Timeouts, resets, broken bodies: the request may have been processed.
            Err(reqwest_middleware::Error::Reqwest(_)) => Outcome::MaybeProcessed,
            Err(reqwest_middleware::Error::Middleware(e)) => match e.downcast_ref::<Error>() {
                Some(error) => error.outcome(),
                None => Outcome::Final,
            },
        }
    }
}

/// Decides whether an attempt's outcome may be retried for an operation of `safety`.
pub(crate) fn verdict(result: &Result<Response>, safety: RetrySafety) -> Verdict {
    if !Outcome::of_attempt(result).retryable(safety) {
        return Verdict::Done;
    }
    let retry_after = match result {
        Ok(response)
            if matches!(
                response.status(),
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
            ) =>
        {
            retry_after(response)
        }
        _ => None,
    };
    Verdict::Retry { retry_after }
}

/// The `error_type` the request-id layer read from the body, when it did.
fn user_error_type(response: &Response) -> Option<&str> {
    response
        .extensions()
        .get::<Identifiers>()
        .and_then(|ids| ids.error_type.as_deref())
}

/// Parses `Retry-After` as delta-seconds or an HTTP date.
pub(crate) fn retry_after(response: &Response) -> Option<Duration> {
    let value = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The retry layer, which also bounds each attempt and the whole call in time. The operation
/// and the time limits come from the [`CallContext`] in the extensions; without one the
/// request is treated as [`RetrySafety::BeforeProcessingOnly`] and attempts are not bounded.
pub struct RetryMiddleware {
    policy: RetryPolicy,
    backoff: ExponentialBackoff,
    /// Set in the client's own stack: the body-limit and request-id layers run in-line
    /// around each attempt (see [`RetryMiddleware::send_once`]).
    response_limit: Option<usize>,
}

impl RetryMiddleware {
    /// A retry layer following `policy`.
    pub fn new(policy: RetryPolicy) -> Self {
        Self {
            policy,
            backoff: policy.exponential_backoff(),
            response_limit: None,
        }
    }

    /// The client's retry layer: each attempt's body is read (at most `limit` bytes) and its
    /// identifiers logged here, as [`BodyLimitMiddleware`](super::body_limit::BodyLimitMiddleware)
    /// and [`RequestIdMiddleware`](super::request_id::RequestIdMiddleware) below it would.
    pub(crate) fn with_response_layers(policy: RetryPolicy, limit: usize) -> Self {
        Self {
            response_limit: Some(limit),
            ..Self::new(policy)
        }
    }

    /// One attempt: the rest of the stack, plus the response layers when this is the client's
    /// retry layer. Run as plain calls they cost no boxed future each (a stacked middleware
    /// costs one per attempt).
    async fn send_once(
        &self,
        req: Request,
        ext: &mut Extensions,
        next: Next<'_>,
    ) -> Result<Response> {
        let Some(limit) = self.response_limit else {
            return next.run(req, ext).await;
        };
        let attempt = request_id::Attempt::start(ext);
        let result = match next.run(req, ext).await {
            Ok(response) => body_limit::read_limited(response, limit).await,
            Err(error) => Err(error),
        };
        attempt.observe(result).await
    }
}

/// A copy of `req` for another attempt, or `None` when its body is a stream. Cheaper than
/// `Request::try_clone`, which puts an empty timeout entry into the copy's extensions (three
/// allocations) before replacing them; the body bytes are copied instead of shared (reqwest
/// offers no public way to share them; request bodies are small). Of the extensions only the
/// timeout is carried: the others are private to reqwest (set when converting from an
/// `http::Request`), so the first attempt sends the caller's request itself and only retries
/// send copies.
fn copy(req: &Request) -> Option<Request> {
    let body = match req.body() {
        Some(body) => Some(reqwest::Body::from(bytes::Bytes::copy_from_slice(
            body.as_bytes()?,
        ))),
        None => None,
    };
    let mut copy = Request::new(req.method().clone(), req.url().clone());
    *copy.headers_mut() = req.headers().clone();
    *copy.version_mut() = req.version();
    if let Some(timeout) = req.timeout() {
        *copy.timeout_mut() = Some(*timeout);
    }
    *copy.body_mut() = body;
    Some(copy)
}

/// The parts of a [`CallContext`] this layer uses, copied out because the extensions are
/// lent to each attempt.
#[derive(Clone, Copy)]
struct Limits {
    operation: Operation,
    deadline: Instant,
    call_timeout: Duration,
    attempt_timeout: Duration,
}

impl Limits {
    fn of(call: &CallContext) -> Self {
        Self {
            operation: call.operation,
            deadline: call.deadline(),
            call_timeout: call.call_timeout,
            attempt_timeout: call.attempt_timeout,
        }
    }

    /// Runs one attempt within the attempt timeout and what is left of the call; one cut off
    /// fails with [`Error::Timeout`] naming the bound it hit. The timer covers reading the
    /// body too (the body layer runs inside it), so no other timer is needed per call.
    async fn bound(
        self,
        attempt: impl std::future::Future<Output = Result<Response>>,
    ) -> Result<Response> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        let (limit, after) = if self.attempt_timeout <= left {
            (self.attempt_timeout, self.attempt_timeout)
        } else {
            (left, self.call_timeout)
        };
        match tokio::time::timeout(limit, attempt).await {
            Ok(result) => result,
            Err(_) => {
                tracing::warn!(
                    operation = self.operation.span_name(),
                    timeout_ms = limit.as_millis() as u64,
                    "stytch attempt timed out"
                );
                Err(reqwest_middleware::Error::middleware(Error::Timeout {
                    after,
                }))
            }
        }
    }
}

/// Awaits `attempt`, bounded by `limits` when the call has them.
async fn attempt(
    limits: Option<Limits>,
    attempt: impl std::future::Future<Output = Result<Response>>,
) -> Result<Response> {
    match limits {
        Some(limits) => limits.bound(attempt).await,
        None => attempt.await,
    }
}

#[async_trait::async_trait]
impl Middleware for RetryMiddleware {
    async fn handle(&self, req: Request, ext: &mut Extensions, next: Next<'_>) -> Result<Response> {
        let limits = ext.get::<CallContext>().map(Limits::of);
        let safety = limits.map_or(RetrySafety::BeforeProcessingOnly, |l| {
            l.operation.retry_safety()
        });
        let started = Instant::now();
        let mut retries = 0u32;
        let mut req = req;
        let result = loop {
            // Bodies are buffered bytes, so this copy always succeeds; if a caller ever sent a
            // stream, it is sent once and not retried.
            let spare = copy(&req);
            let result = attempt(limits, self.send_once(req, ext, next.clone())).await;
            let Some(spare) = spare else {
                break result;
            };
            let Verdict::Retry { retry_after } = verdict(&result, safety) else {
                break result;
            };
            let RetryDecision::Retry { execute_after } =
                self.backoff.should_retry(SystemTime::now(), retries)
            else {
                break result;
            };
            let backoff = execute_after
                .duration_since(SystemTime::now())
                .unwrap_or_default();
            let wait = backoff.max(retry_after.unwrap_or_default());
            if started.elapsed() + wait > self.policy.budget {
                tracing::debug!(
                    retries,
                    wait_ms = wait.as_millis() as u64,
                    "retry budget exhausted"
                );
                break result;
            }
            if limits.is_some_and(|l| Instant::now() + wait >= l.deadline) {
                tracing::debug!(
                    retries,
                    wait_ms = wait.as_millis() as u64,
                    "no time left in the call for a retry"
                );
                break result;
            }
            tracing::debug!(
                attempt = retries + 1,
                wait_ms = wait.as_millis() as u64,
                "retrying"
            );
            drop(result);
            tokio::time::sleep(wait).await;
            retries += 1;
            req = spare;
        };
        // Recorded once, on the span the call runs in.
        tracing::Span::current().record("stytch.attempts", retries + 1);
        result
    }
}

#[cfg(test)]
mod tests;
