//! The axum router: API handlers, the request pipeline (request id, stats, faults, auth,
//! Stytch-shaped errors, logging) and the admin API under `/_emulator/`.

use std::time::Duration;

use axum::extract::rejection::PathRejection;
use axum::extract::{MatchedPath, Path, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::{Extension, Router};
use base64::Engine;
use serde_json::{json, Value};
use stytch_totp_models::{
    AuthenticateTotpRequest, CreateTotpRequest, CreateUserRequest, ErrorType, ExpirationMinutes,
    RecoverTotpRequest, SessionDurationMinutes, TotpRecoveryCodesRequest,
};

use crate::clock::rfc3339;
use crate::errors::{error_type_for_status, json_response, ApiError};
use crate::extract::JsonObject;
use crate::faults::{self, Fault, FaultSpec};
use crate::server::AppState;
use crate::totp;
use crate::Operation;

/// The id of the request being handled, set by the pipeline.
#[derive(Debug, Clone)]
pub(crate) struct RequestId(pub(crate) String);

/// Marks a response whose connection is dropped.
#[derive(Debug, Clone, Copy)]
struct Dropped;

/// Every route of the emulator, with the pipeline around them.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/users", post(create_user))
        .route("/v1/users/{user_id}", get(get_user).delete(delete_user))
        .route("/v1/users/totps/{totp_id}", delete(delete_totp))
        .route("/v1/totps", post(create_totp))
        .route("/v1/totps/authenticate", post(authenticate_totp))
        .route("/v1/totps/recovery_codes", post(recovery_codes))
        .route("/v1/totps/recover", post(recover_totp))
        .route("/_emulator/health", get(admin_health))
        .route(
            "/_emulator/faults",
            get(admin_list_faults)
                .post(admin_add_fault)
                .delete(admin_clear_faults),
        )
        .route(
            "/_emulator/stats",
            get(admin_stats).delete(admin_reset_stats),
        )
        .route(
            "/_emulator/clock",
            get(admin_clock).post(admin_advance_clock),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), pipeline))
        .with_state(state)
}

// ---- pipeline ---------------------------------------------------------------------------

async fn pipeline(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let request_id = state.ids.request();
    req.extensions_mut().insert(RequestId(request_id.clone()));

    if path == "/_emulator" || path.starts_with("/_emulator/") {
        let response = finish(next.run(req).await, &request_id);
        log(&method, &path, &response, &request_id);
        return response;
    }

    state.stats(|s| s.record_request(&path));
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let fault = state.faults.take(&path, route.as_deref());
    if fault.is_some() {
        state.stats(|s| s.faults_injected += 1);
    }
    let response = match fault {
        None => handle(&state, req, next, &request_id).await,
        Some(Fault::AfterApply(inner)) => {
            let response = handle(&state, req, next, &request_id).await;
            respond_after_apply(*inner, response, &request_id).await
        }
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            handle(&state, req, next, &request_id).await
        }
        Some(Fault::TruncatedBody) => {
            faults::truncate(handle(&state, req, next, &request_id).await).await
        }
        Some(fault) => respond_after_apply(fault, Response::default(), &request_id).await,
    };
    if response.extensions().get::<Dropped>().is_some() {
        state.stats(|s| s.connections_dropped += 1);
    } else {
        state.stats(|s| s.record_response(response.status().as_u16()));
    }
    log(&method, &path, &response, &request_id);
    response
}

/// The response once the request was handled (or, for `Status`/`DropConnection` faults that
/// are not after-apply, instead of handling it).
async fn respond_after_apply(mut fault: Fault, response: Response, request_id: &str) -> Response {
    loop {
        return match fault {
            Fault::AfterApply(inner) => {
                fault = *inner;
                continue;
            }
            Fault::Status {
                status,
                retry_after,
                body,
            } => faults::status_response(status, retry_after, body.as_deref(), request_id),
            Fault::Delay(delay) => {
                tokio::time::sleep(delay).await;
                response
            }
            Fault::DropConnection => {
                let mut dropped = faults::drop_connection();
                dropped.extensions_mut().insert(Dropped);
                dropped
            }
            Fault::TruncatedBody => faults::truncate(response).await,
        };
    }
}

/// Auth, then the route, then Stytch-shaped errors.
async fn handle(state: &AppState, req: Request, next: Next, request_id: &str) -> Response {
    let path = req.uri().path();
    if (path == "/v1" || path.starts_with("/v1/")) && !authorized(req.headers(), state) {
        return ApiError::unauthorized().render(request_id);
    }
    finish(next.run(req).await, request_id)
}

/// Renders [`ApiError`]s with the request id, and turns any other non-JSON error response
/// (one axum made itself) into a Stytch-shaped one.
fn finish(response: Response, request_id: &str) -> Response {
    if let Some(error) = response.extensions().get::<ApiError>() {
        return error.render(request_id);
    }
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        return ApiError::new(
            status,
            error_type_for_status(status),
            format!(
                "The request failed: {}.",
                status.canonical_reason().unwrap_or("error")
            ),
        )
        .render(request_id);
    }
    response
}

fn log(method: &Method, path: &str, response: &Response, request_id: &str) {
    tracing::debug!(
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        dropped = response.extensions().get::<Dropped>().is_some(),
        request_id = %request_id,
        "stytch emulator request"
    );
}

/// HTTP Basic auth with the configured project id and secret.
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

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        error_type_for_status(StatusCode::NOT_FOUND),
        "There is no endpoint at this path.",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        error_type_for_status(StatusCode::METHOD_NOT_ALLOWED),
        "This endpoint does not accept this HTTP method.",
    )
}

fn ok<T: serde::Serialize>(body: &T) -> Response {
    json_response(StatusCode::OK, body)
}

fn path_param(param: Result<Path<String>, PathRejection>, name: &str) -> Result<String, ApiError> {
    match param {
        Ok(Path(value)) if !value.trim().is_empty() => Ok(value),
        Ok(_) => Err(ApiError::invalid(
            if name == "user_id" {
                ErrorType::InvalidUserId
            } else {
                ErrorType::InvalidTotpId
            },
            format!("{name} must not be empty."),
        )),
        Err(_) => Err(ApiError::bad_request(format!(
            "{name} in the path is not valid percent-encoded UTF-8."
        ))),
    }
}

// ---- API handlers -----------------------------------------------------------------------

async fn create_user(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    body: JsonObject,
) -> Result<Response, ApiError> {
    for field in ["email", "phone_number", "external_id"] {
        body.optional_string(field)?;
    }
    for field in [
        "name",
        "attributes",
        "trusted_metadata",
        "untrusted_metadata",
    ] {
        body.optional_object(field)?;
    }
    body.optional_bool("create_user_as_pending")?;
    body.optional_strings("roles")?;
    let req: CreateUserRequest = body.into_model()?;
    let response = state.with_store(&request_id, |store, ctx| store.create_user(req, ctx))?;
    state.applied(Operation::CreateUser);
    Ok(ok(&response))
}

async fn get_user(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    user_id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let user_id = path_param(user_id, "user_id")?;
    let response = state.with_store(&request_id, |store, ctx| store.get_user(&user_id, ctx))?;
    state.applied(Operation::GetUser);
    Ok(ok(&response))
}

async fn delete_user(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    user_id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let user_id = path_param(user_id, "user_id")?;
    let response = state.with_store(&request_id, |store, ctx| store.delete_user(&user_id, ctx))?;
    state.applied(Operation::DeleteUser);
    Ok(ok(&response))
}

async fn delete_totp(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    totp_id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let totp_id = path_param(totp_id, "totp_id")?;
    let response = state.with_store(&request_id, |store, ctx| store.delete_totp(&totp_id, ctx))?;
    state.applied(Operation::DeleteTotp);
    Ok(ok(&response))
}

async fn create_totp(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    body: JsonObject,
) -> Result<Response, ApiError> {
    body.user_id()?;
    body.optional_minutes(
        "expiration_minutes",
        ExpirationMinutes::MIN,
        ExpirationMinutes::MAX,
        ErrorType::InvalidExpiration,
    )?;
    let req: CreateTotpRequest = body.into_model()?;
    let response = state.with_store(&request_id, |store, ctx| store.create_totp(&req, ctx))?;
    state.applied(Operation::CreateTotp);
    Ok(ok(&response))
}

/// Checks shared by authenticate and recover.
fn check_session_fields(body: &JsonObject) -> Result<(), ApiError> {
    body.optional_minutes(
        "session_duration_minutes",
        SessionDurationMinutes::MIN,
        SessionDurationMinutes::MAX,
        ErrorType::InvalidSessionDurationMinutes,
    )?;
    for field in ["session_token", "session_jwt", "telemetry_id"] {
        body.optional_string(field)?;
    }
    body.optional_object("session_custom_claims")
}

async fn authenticate_totp(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    body: JsonObject,
) -> Result<Response, ApiError> {
    let user_id = body.user_id()?.to_owned();
    let code = body.required_string("totp_code")?.to_owned();
    check_session_fields(&body)?;
    if !totp::looks_like_totp_code(&code) {
        return Err(state.with_store(&request_id, |store, ctx| {
            store.reject_malformed_totp_code(&user_id, &code, ctx)
        }));
    }
    let req: AuthenticateTotpRequest = body.into_model()?;
    let response =
        state.with_store(&request_id, |store, ctx| store.authenticate_totp(&req, ctx))?;
    state.applied(Operation::AuthenticateTotp);
    Ok(ok(&response))
}

async fn recovery_codes(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    body: JsonObject,
) -> Result<Response, ApiError> {
    body.user_id()?;
    let req: TotpRecoveryCodesRequest = body.into_model()?;
    let response = state.with_store(&request_id, |store, ctx| store.recovery_codes(&req, ctx))?;
    state.applied(Operation::TotpRecoveryCodes);
    Ok(ok(&response))
}

async fn recover_totp(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    body: JsonObject,
) -> Result<Response, ApiError> {
    body.user_id()?;
    let code = body.required_string("recovery_code")?;
    if code.trim().is_empty() {
        return Err(ApiError::invalid(
            ErrorType::InvalidRecoveryCode,
            "recovery_code must not be empty.",
        ));
    }
    check_session_fields(&body)?;
    let req: RecoverTotpRequest = body.into_model()?;
    let response = state.with_store(&request_id, |store, ctx| store.recover(&req, ctx))?;
    state.applied(Operation::RecoverTotp);
    Ok(ok(&response))
}

// ---- admin API --------------------------------------------------------------------------

fn admin_ok(request_id: &str, mut body: Value) -> Response {
    if let Value::Object(map) = &mut body {
        map.insert("status_code".into(), json!(200));
        map.insert("request_id".into(), json!(request_id));
    }
    ok(&body)
}

async fn admin_health(Extension(RequestId(request_id)): Extension<RequestId>) -> Response {
    admin_ok(&request_id, json!({ "status": "ok" }))
}

async fn admin_list_faults(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
) -> Response {
    admin_ok(&request_id, json!({ "faults": state.faults.pending() }))
}

async fn admin_add_fault(
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

async fn admin_clear_faults(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
) -> Response {
    state.faults.clear();
    admin_ok(&request_id, json!({ "faults": [] }))
}

async fn admin_stats(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
) -> Response {
    let stats = state.stats(|s| s.clone());
    admin_ok(
        &request_id,
        serde_json::to_value(stats).unwrap_or_else(|_| json!({})),
    )
}

async fn admin_reset_stats(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
) -> Response {
    state.stats(|s| *s = Default::default());
    admin_ok(&request_id, json!({}))
}

fn clock_body(state: &AppState) -> Value {
    let now = state.config.clock.now();
    json!({ "now": rfc3339(now), "unix_seconds": crate::clock::unix_seconds(now) })
}

async fn admin_clock(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
) -> Response {
    admin_ok(&request_id, clock_body(&state))
}

async fn admin_advance_clock(
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
