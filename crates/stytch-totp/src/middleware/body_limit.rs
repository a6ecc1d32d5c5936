//! Reads each response body once, up to a limit, so no layer ever buffers without bound. The
//! body travels up in the response's extensions as a [`BufferedBody`](super::BufferedBody).

use bytes::{Bytes, BytesMut};
use http::Extensions;
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next, Result};

use crate::Error;

/// Buffers the body; more than `limit` bytes fail with [`Error::ResponseTooLarge`] (checked
/// against `Content-Length` first, then while reading).
pub struct BodyLimitMiddleware {
    limit: usize,
}

impl BodyLimitMiddleware {
    /// Refuses bodies over `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self { limit }
    }
}

#[async_trait::async_trait]
impl Middleware for BodyLimitMiddleware {
    async fn handle(&self, req: Request, ext: &mut Extensions, next: Next<'_>) -> Result<Response> {
        let response = next.run(req, ext).await?;
        read_limited(response, self.limit).await
    }
}

/// What the layer does with a response: reads its body, up to `limit` bytes, into a
/// [`BufferedBody`](super::BufferedBody) in its extensions. The client's own stack calls this
/// inside the retry layer instead of stacking the middleware.
pub(crate) async fn read_limited(mut response: Response, limit: usize) -> Result<Response> {
    let status = response.status();
    let too_large = || {
        reqwest_middleware::Error::middleware(Error::ResponseTooLarge {
            status: status.as_u16(),
            limit,
        })
    };
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return Err(too_large());
    }
    // One chunk (the usual case for a few KiB) is kept as it is; only a body that arrives
    // in pieces is copied into one buffer.
    let expected = response.content_length().unwrap_or(0) as usize;
    let mut body = Bytes::new();
    let mut joined: Option<BytesMut> = None;
    while let Some(chunk) = response.chunk().await? {
        let read = joined.as_ref().map_or(body.len(), BytesMut::len);
        if read + chunk.len() > limit {
            return Err(too_large());
        }
        match &mut joined {
            Some(buffer) => buffer.extend_from_slice(&chunk),
            None if body.is_empty() => body = chunk,
            None => {
                let mut buffer =
                    BytesMut::with_capacity(expected.max(2 * (read + chunk.len())).min(limit));
                buffer.extend_from_slice(&body);
                buffer.extend_from_slice(&chunk);
                joined = Some(buffer);
            }
        }
    }
    let body = joined.map_or(body, BytesMut::freeze);
    // The response itself is passed up unchanged (status, headers, URL), its body now read.
    response.extensions_mut().insert(super::BufferedBody(body));
    Ok(response)
}
