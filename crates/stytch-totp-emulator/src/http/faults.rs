//! How each [`Fault`] shapes the response a caller sees: the HTTP side of the fault queue
//! ([`crate::faults`] says what to inject and when, this module what the caller then gets).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body::Frame;

use super::errors::ApiError;
use crate::faults::Fault;

/// Marks a response whose connection is dropped (counted apart in [`Stats`](crate::Stats)).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dropped;

impl Fault {
    /// The response a caller sees for a request this fault was taken for; `handle` handles
    /// (applies) the request, and runs only if the fault lets it.
    pub(crate) async fn shape(
        self,
        request_id: &str,
        handle: impl Future<Output = Response>,
    ) -> Response {
        match self {
            Fault::Delay(delay) => {
                tokio::time::sleep(delay).await;
                handle.await
            }
            Fault::TruncatedBody => truncate(handle.await).await,
            Fault::AfterApply(inner) => inner.reshape(handle.await, request_id).await,
            Fault::Status { .. } | Fault::DropConnection => self.instead(request_id),
        }
    }

    /// The response a caller sees instead of `response`, once the request was applied.
    async fn reshape(self, response: Response, request_id: &str) -> Response {
        let mut fault = self;
        loop {
            return match fault {
                Fault::AfterApply(inner) => {
                    fault = *inner;
                    continue;
                }
                Fault::Delay(delay) => {
                    tokio::time::sleep(delay).await;
                    response
                }
                Fault::TruncatedBody => truncate(response).await,
                Fault::Status { .. } | Fault::DropConnection => fault.instead(request_id),
            };
        }
    }

    /// The response of a fault that answers by itself (a status or a dropped connection).
    fn instead(&self, request_id: &str) -> Response {
        match self {
            Fault::Status {
                status,
                retry_after,
                body,
            } => status_response(*status, *retry_after, body.as_deref(), request_id),
            _ => {
                let mut dropped = Response::new(Body::new(AbortBody));
                dropped.extensions_mut().insert(Dropped);
                dropped
            }
        }
    }
}

/// The response of a [`Fault::Status`].
fn status_response(
    status: u16,
    retry_after: Option<u64>,
    body: Option<&str>,
    request_id: &str,
) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match body {
        Some(body) => {
            let content_type = if body.trim_start().starts_with('<') {
                "text/html; charset=utf-8"
            } else if serde_json::from_str::<serde_json::Value>(body).is_ok() {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            (
                status,
                [(header::CONTENT_TYPE, content_type)],
                body.to_owned(),
            )
                .into_response()
        }
        None => {
            let error = ApiError::for_status(
                status,
                format!(
                    "Injected fault: the emulator answered {} on purpose.",
                    status.as_u16()
                ),
            );
            error.render_into(Response::default(), request_id)
        }
    };
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// A body that fails on first poll: hyper then closes the connection without sending the
/// response head (it is still buffered when the body is first polled).
struct AbortBody;

impl http_body::Body for AbortBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        Poll::Ready(Some(Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "injected fault: drop connection",
        ))))
    }
}

/// Cuts a response body in half (the status and other headers stay).
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(half.len()));
    Response::from_parts(parts, Body::from(half))
}
