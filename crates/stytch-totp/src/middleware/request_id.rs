//! Logs Stytch's `request_id` for every response (each attempt), success or error, and hands
//! the identifiers up in the response's extensions.

use std::time::Instant;

use http::Extensions;
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next, Result};

use crate::identifiers::identifiers;

/// Reads `request_id` (and `error_type`) from the JSON body buffered by the body-limit layer
/// below (or buffers it itself when used alone), logs it with the operation, status and
/// latency (INFO on success, WARN otherwise) and attaches the [`Identifiers`] it found to the
/// response for the layers above and the client. Never logs the body or anything secret.
pub struct RequestIdMiddleware;

pub use crate::identifiers::Identifiers;

#[async_trait::async_trait]
impl Middleware for RequestIdMiddleware {
    async fn handle(&self, req: Request, ext: &mut Extensions, next: Next<'_>) -> Result<Response> {
        let attempt = Attempt::start(ext);
        let result = next.run(req, ext).await;
        attempt.observe(result).await
    }
}

/// What the layer does around one attempt, as plain calls: the client's own stack runs them
/// inside the retry layer instead of stacking the middleware.
pub(crate) struct Attempt {
    operation: &'static str,
    started: Instant,
}

impl Attempt {
    /// Notes the operation (from the [`CallContext`](super::CallContext), if any) and the time.
    pub(crate) fn start(ext: &Extensions) -> Self {
        Self {
            operation: ext
                .get::<super::CallContext>()
                .map_or("stytch", |call| call.operation.span_name()),
            started: Instant::now(),
        }
    }

    /// Logs the attempt's outcome and attaches the [`Identifiers`] it found (none attached
    /// when none were read: a success with no subscriber listening).
    pub(crate) async fn observe(self, result: Result<Response>) -> Result<Response> {
        let Self { operation, started } = self;
        let latency_ms = started.elapsed().as_millis() as u64;
        let response = match result {
            Ok(response) if response.extensions().get::<super::BufferedBody>().is_some() => {
                response
            }
            // Used without the body-limit layer below: buffer the body here.
            // (Boxed: a path the client never takes keeps its state out of every call.)
            Ok(response) => Box::pin(buffered(response)).await?,
            Err(error) => {
                tracing::warn!(operation, latency_ms, error = %error, "stytch call failed without a response");
                return Err(error);
            }
        };
        let status = response.status();
        // Errors are always read (the retry layer needs their `error_type`); a success body
        // only when its id will be recorded or logged, so that with no subscriber listening
        // this layer costs next to nothing.
        let wanted = !status.is_success()
            || !tracing::Span::current().is_disabled()
            || tracing::enabled!(tracing::Level::INFO);
        let ids = match response.extensions().get::<super::BufferedBody>() {
            Some(super::BufferedBody(body)) if wanted => identifiers(body, !status.is_success()),
            _ => Identifiers::default(),
        };
        let request_id = ids.request_id.as_deref().unwrap_or("");
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
            tracing::warn!(
                operation,
                status = status_code,
                request_id,
                error_type = ids.error_type.as_deref().unwrap_or(""),
                latency_ms,
                "stytch error response"
            );
        }
        let mut response = response;
        if ids != Identifiers::default() {
            response.extensions_mut().insert(ids);
        }
        Ok(response)
    }
}

/// The same response with its body read into a [`BufferedBody`](super::BufferedBody) (and
/// still readable): status, headers, URL and extensions kept. Without a limit: put
/// [`BodyLimitMiddleware`](super::body_limit::BodyLimitMiddleware) below to bound it.
async fn buffered(response: Response) -> Result<Response> {
    use reqwest::ResponseBuilderExt;
    let mut builder = http::Response::builder()
        .status(response.status())
        .version(response.version())
        .url(response.url().clone());
    if let Some(headers) = builder.headers_mut() {
        *headers = response.headers().clone();
    }
    let extensions = response.extensions().clone();
    let body = response.bytes().await?;
    let mut rebuilt = builder
        .body(body.clone())
        .map_err(reqwest_middleware::Error::middleware)?;
    rebuilt.extensions_mut().extend(extensions);
    rebuilt.extensions_mut().insert(super::BufferedBody(body));
    Ok(Response::from(rebuilt))
}
