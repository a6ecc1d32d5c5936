//! Reads each response body once, up to a limit, so no layer ever buffers without bound.

use bytes::BytesMut;
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
        let mut response = next.run(req, ext).await?;
        let status = response.status();
        let too_large = || {
            reqwest_middleware::Error::middleware(Error::ResponseTooLarge {
                status: status.as_u16(),
                limit: self.limit,
            })
        };
        if response
            .content_length()
            .is_some_and(|len| len > self.limit as u64)
        {
            return Err(too_large());
        }
        let (version, headers) = (response.version(), response.headers().clone());
        let mut body = BytesMut::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > self.limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let body = body.freeze();
        ext.insert(super::BufferedBody(body.clone()));
        Ok(super::with_body(status, version, headers, body))
    }
}
