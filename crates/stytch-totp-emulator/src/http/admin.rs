//! The admin API under `/_emulator/`: health, faults, stats, the clock and the signing keys.
//! No auth, never faulted, not counted.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde_json::{json, Value};

use super::body::JsonObject;
use super::errors::{json_response, ApiError};
use super::layers::RequestId;
use crate::clock::{rfc3339, unix_seconds};
use crate::faults::FaultSpec;
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route(
            "/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/stats", get(stats).delete(reset_stats))
        .route("/clock", get(clock).post(advance_clock))
        .route("/keys", get(keys))
        .route("/keys/rotate", post(rotate_key))
}

fn admin_ok(request_id: &str, mut body: Value) -> Response {
    if let Value::Object(map) = &mut body {
        map.insert("status_code".into(), json!(200));
        map.insert("request_id".into(), json!(request_id));
    }
    json_response(StatusCode::OK, &body)
}

async fn health(Extension(RequestId(request_id)): Extension<RequestId>) -> Response {
    admin_ok(&request_id, json!({ "status": "ok" }))
}

async fn list_faults(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
) -> Response {
    admin_ok(&request_id, json!({ "faults": state.faults.pending() }))
}

async fn add_fault(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let spec: FaultSpec = body.into_model()?;
    state.faults.push(spec);
    Ok(admin_ok(
        &request_id,
        json!({ "faults": state.faults.pending() }),
    ))
}

async fn clear_faults(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
) -> Response {
    state.faults.clear();
    admin_ok(&request_id, json!({ "faults": [] }))
}

async fn stats(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
) -> Response {
    let stats = state.stats(|s| s.clone());
    admin_ok(
        &request_id,
        serde_json::to_value(stats).unwrap_or_else(|_| json!({})),
    )
}

async fn reset_stats(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
) -> Response {
    state.stats(|s| *s = Default::default());
    admin_ok(&request_id, json!({}))
}

fn clock_body(state: &AppState) -> Value {
    let now = state.config.clock.now();
    json!({ "now": rfc3339(now), "unix_seconds": unix_seconds(now) })
}

async fn clock(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
) -> Response {
    admin_ok(&request_id, clock_body(&state))
}

async fn advance_clock(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let seconds = body
        .0
        .get("advance_seconds")
        .and_then(Value::as_u64)
        .ok_or_else(|| {
            ApiError::bad_request("advance_seconds is required and must be a non-negative integer.")
        })?;
    state.config.clock.advance(Duration::from_secs(seconds));
    Ok(admin_ok(&request_id, clock_body(&state)))
}

/// `{"keys": [{"kid", "state": "signing"}, {"kid", "state": "published", "withdrawn_at"}]}`.
async fn keys(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
) -> Response {
    let (signing, retired) = state.published_keys();
    let keys: Vec<Value> = std::iter::once(json!({ "kid": signing.key_id(), "state": "signing" }))
        .chain(retired.iter().map(|r| {
            json!({
                "kid": r.key.key_id(),
                "state": "published",
                "withdrawn_at": rfc3339(r.withdrawn_at),
            })
        }))
        .collect();
    admin_ok(&request_id, json!({ "keys": keys }))
}

/// Body `{}` or `{"grace_period_seconds": n}` (default: the configured grace period).
async fn rotate_key(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let grace = match body.0.get("grace_period_seconds") {
        None => state.config.signing_key_grace_period,
        Some(value) => Duration::from_secs(value.as_u64().ok_or_else(|| {
            ApiError::bad_request("grace_period_seconds must be a non-negative integer.")
        })?),
    };
    let rotation = state.rotate_signing_key(grace);
    Ok(admin_ok(
        &request_id,
        json!({
            "kid": rotation.kid,
            "previous_kid": rotation.previous_kid,
            "previous_withdrawn_at": rfc3339(rotation.previous_withdrawn_at),
        }),
    ))
}
