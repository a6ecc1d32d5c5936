//! How the retry layer sends the attempts of one call ([`Attempts`]): through the rest of a
//! middleware stack ([`Stacked`]), or, for a client without user middleware, straight to
//! reqwest (the client's `Direct`).

use std::future::Future;

use http::Extensions;
use reqwest::{Request, Response};
use reqwest_middleware::{Next, Result};

use super::{body_limit, request_id};
use crate::Error;

/// The attempts of one call, as the retry loop (`RetryMiddleware::run`) sends them.
pub(crate) trait Attempts: Send {
    /// Sends the next attempt.
    fn send(&mut self) -> impl Future<Output = Result<Response>> + Send + '_;

    /// Whether another attempt can be sent (not when the body was a stream).
    fn repeatable(&self) -> bool;
}

/// The attempts of a call through a middleware stack: the request it was given, then copies.
pub(crate) struct Stacked<'a> {
    ext: &'a mut Extensions,
    next: Next<'a>,
    /// The request of the next attempt.
    request: Option<Request>,
    /// Set in the client's own retry layer: each response's body is read (at most this many
    /// bytes) and its identifiers logged here, as the body-limit and request-id layers below
    /// would. Run as plain calls they cost no boxed future each (a stacked middleware costs
    /// one per attempt).
    response_limit: Option<usize>,
}

impl<'a> Stacked<'a> {
    /// The attempts of `request`, sent through `next`.
    pub(crate) fn new(
        request: Request,
        ext: &'a mut Extensions,
        next: Next<'a>,
        response_limit: Option<usize>,
    ) -> Self {
        Self {
            ext,
            next,
            request: Some(request),
            response_limit,
        }
    }
}

impl Attempts for Stacked<'_> {
    fn send(&mut self) -> impl Future<Output = Result<Response>> + Send + '_ {
        // Kept for a retry before the attempt consumes the request.
        let spare = self.request.as_ref().and_then(copy);
        let request = std::mem::replace(&mut self.request, spare);
        async move {
            let Some(request) = request else {
                return Err(reqwest_middleware::Error::middleware(Error::Other(
                    "a request with a streamed body cannot be sent again".into(),
                )));
            };
            let Some(limit) = self.response_limit else {
                return self.next.clone().run(request, self.ext).await;
            };
            let attempt = request_id::Attempt::start(self.ext);
            let result = match self.next.clone().run(request, self.ext).await {
                Ok(response) => body_limit::read_limited(response, limit).await,
                Err(error) => Err(error),
            };
            attempt.observe(result).await
        }
    }

    fn repeatable(&self) -> bool {
        self.request.is_some()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_keeps_method_url_headers_body_and_timeout() {
        let mut req = Request::new(
            reqwest::Method::POST,
            "http://127.0.0.1:1/v1/totps".parse().unwrap(),
        );
        req.headers_mut()
            .insert("x-my-service", http::HeaderValue::from_static("billing"));
        *req.body_mut() = Some(reqwest::Body::from(r#"{"user_id":"u"}"#));
        *req.timeout_mut() = Some(std::time::Duration::from_secs(3));
        let copy = copy(&req).expect("a byte body can be copied");
        assert_eq!(copy.method(), req.method());
        assert_eq!(copy.url(), req.url());
        assert_eq!(copy.headers(), req.headers());
        assert_eq!(copy.version(), req.version());
        assert_eq!(copy.timeout(), req.timeout());
        assert_eq!(
            copy.body().and_then(reqwest::Body::as_bytes),
            Some(&br#"{"user_id":"u"}"#[..])
        );
    }
}
