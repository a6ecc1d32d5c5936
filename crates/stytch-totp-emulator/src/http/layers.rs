//! The request pipeline as axum middleware, one concern each.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;

use super::errors::ApiError;
use super::faults::Dropped;
use crate::state::AppState;
use crate::Operation;

/// The id of the request being handled, set by [`request_id`].
#[derive(Debug, Clone)]
pub(crate) struct RequestId(pub(crate) String);

/// Gives each request its id and logs it once answered (never bodies, secrets or codes).
pub(crate) async fn request_id(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let request_id = state.ids.request();
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let response = next.run(req).await;
    tracing::debug!(
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        dropped = response.extensions().get::<Dropped>().is_some(),
        request_id = %request_id,
        "stytch emulator request"
    );
    response
}

/// Counts API requests and the responses callers saw.
pub(crate) async fn count(State(state): State<AppState>, req: Request, next: Next) -> Response {
    state.stats(|s| s.record_request(req.uri().path()));
    let response = next.run(req).await;
    if response.extensions().get::<Dropped>().is_some() {
        state.stats(|s| s.connections_dropped += 1);
    } else {
        state.stats(|s| s.record_response(response.status().as_u16()));
    }
    response
}

/// Takes the first queued fault matching the request and lets it shape the response.
pub(crate) async fn inject_faults(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    // The operation of the matched route, looked up in the operation table.
    let method = req.method().as_str();
    let operation = Operation::ALL
        .into_iter()
        .find(|op| Some(op.path()) == route && op.method().as_str() == method);
    let Some(fault) = state.faults.take(req.uri().path(), route, operation) else {
        return next.run(req).await;
    };
    state.stats(|s| s.faults_injected += 1);
    let request_id = request_id_of(&req);
    fault.shape(&request_id, next.run(req)).await
}

/// Renders [`ApiError`]s with the request id, and turns any other non-JSON error response
/// (one axum made itself) into a Stytch-shaped one.
pub(crate) async fn render_errors(req: Request, next: Next) -> Response {
    let request_id = request_id_of(&req);
    let response = next.run(req).await;
    if let Some(error) = response.extensions().get::<ApiError>().cloned() {
        return error.render_into(response, &request_id);
    }
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        let error = ApiError::for_status(
            status,
            format!(
                "The request failed: {}.",
                status.canonical_reason().unwrap_or("error")
            ),
        );
        return error.render_into(response, &request_id);
    }
    response
}

/// HTTP Basic auth with the configured project id and secret.
pub(crate) async fn require_auth(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if !authorized(req.headers(), &state) {
        return Err(ApiError::unauthorized());
    }
    Ok(next.run(req).await)
}

fn request_id_of(req: &Request) -> String {
    req.extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default()
}

fn authorized(headers: &HeaderMap, state: &AppState) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some((scheme, encoded)) = value.trim().split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let Some(colon) = decoded.iter().position(|b| *b == b':') else {
        return false;
    };
    let (id, secret) = (&decoded[..colon], &decoded[colon + 1..]);
    // Both comparisons always run; each is constant-time for equal lengths.
    let id_ok = constant_time_eq(id, state.config.project_id.as_bytes());
    let secret_ok = constant_time_eq(secret, state.config.secret.as_bytes());
    id_ok & secret_ok
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
