//! One span per call, with OpenTelemetry HTTP semantic-convention fields.

use http::Extensions;
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next, Result};
use tracing::field::Empty;
use tracing::{Instrument, Span};

use crate::Operation;

macro_rules! operation_span {
    ($name:literal, $method:expr, $url:expr, $host:expr, $port:expr) => {
        tracing::info_span!(
            $name,
            otel.name = $name,
            otel.kind = "client",
            otel.status_code = Empty,
            http.request.method = $method,
            url.full = $url,
            server.address = $host,
            server.port = $port,
            http.response.status_code = Empty,
            stytch.request_id = Empty,
            stytch.attempts = Empty,
            error.type = Empty,
        )
    };
}

/// Creates the span for `operation` on `url` (which never carries credentials: they travel in
/// the `Authorization` header). Span names must be literals, so the arms come from the
/// operations table through `for_each_operation!`.
pub fn operation_span(operation: Operation, url: &url::Url) -> Span {
    let method = operation.method().as_str();
    let full = url.as_str();
    let host = url.host_str().unwrap_or("");
    let port = url.port_or_known_default().unwrap_or(0);
    macro_rules! spans {
        ($($variant:ident => $name:literal,)*) => {
            match operation {
                $(Operation::$variant => operation_span!($name, method, full, host, port),)*
            }
        };
    }
    stytch_totp_models::for_each_operation!(spans)
}

/// Runs the rest of the stack inside the call's span and records the final HTTP status.
pub struct TracingMiddleware;

#[async_trait::async_trait]
impl Middleware for TracingMiddleware {
    async fn handle(&self, req: Request, ext: &mut Extensions, next: Next<'_>) -> Result<Response> {
        // With the client, the call's span is its own and the client records the outcome;
        // used alone, this layer makes a generic span and records the outcome itself.
        let (span, standalone) = match ext.get::<super::CallContext>() {
            Some(call) => (call.span.clone(), false),
            None => (
                tracing::info_span!(
                    "stytch.request",
                    http.request.method = req.method().as_str(),
                    url.full = req.url().as_str(),
                    http.response.status_code = Empty,
                    stytch.attempts = Empty,
                    otel.status_code = Empty,
                ),
                true,
            ),
        };
        let result = next.run(req, ext).instrument(span.clone()).await;
        let failed = match &result {
            Ok(response) => {
                let status = response.status();
                span.record("http.response.status_code", status.as_u16());
                status.is_client_error() || status.is_server_error()
            }
            Err(_) => true,
        };
        if standalone && failed {
            span.record("otel.status_code", "ERROR");
        }
        result
    }
}
