//! One request through the service's router, the way both test binaries that drive it send
//! them (included with `#[path]`): an optional JSON body, the answer's status, headers and
//! JSON (`null` when the body is not JSON).

use axum::body::Body;
use axum::http::{header, request, HeaderMap, StatusCode};
use axum::Router;
use serde_json::Value;
use tower::ServiceExt;

/// Sends `request` (method, URI and headers already set) with `body` to `app`.
pub async fn send(
    app: &Router,
    request: request::Builder,
    body: Option<Value>,
) -> (StatusCode, HeaderMap, Value) {
    let request = match body {
        Some(body) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}
