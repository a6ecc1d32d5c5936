//! One handler per API operation: check the input, run the store operation, answer JSON.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Extension;

use crate::errors::{json_response, ApiError};
use crate::input::{
    Input, NewTotp, NewUser, ProjectIdPath, RecoveryCheck, RevokeTarget, SessionCheck, TotpCheck,
    TotpIdPath, UserIdPath, UserIdQuery, UserRef,
};
use crate::model;
use crate::routes::{passwords, RequestId};
use crate::server::AppState;
use crate::Operation;
use stytch_totp_models::{GetJwksResponse, HttpMethod};

pub(super) type Answer = Result<Response, ApiError>;

/// The route of `op`: its handler, counted in [`Stats`](crate::Stats) when it succeeds.
pub(super) fn route(op: Operation, state: &AppState) -> MethodRouter<AppState> {
    let filter = method_filter(op.method());
    let route = match op {
        Operation::UsersCreate => on(filter, create_user),
        Operation::UsersGet => on(filter, get_user),
        Operation::UsersDelete => on(filter, delete_user),
        Operation::UsersDeleteTotp => on(filter, delete_totp),
        Operation::TotpsCreate => on(filter, create_totp),
        Operation::TotpsAuthenticate => on(filter, authenticate_totp),
        Operation::TotpsRecoveryCodes => on(filter, recovery_codes),
        Operation::TotpsRecover => on(filter, recover_totp),
        Operation::SessionsAuthenticate => on(filter, authenticate_session),
        Operation::SessionsRevoke => on(filter, revoke_session),
        Operation::SessionsGet => on(filter, get_sessions),
        Operation::SessionsGetJwks => on(filter, get_jwks),
        Operation::PasswordsCreate => on(filter, passwords::create_password),
        Operation::PasswordsAuthenticate => on(filter, passwords::authenticate_password),
        Operation::PasswordsStrengthCheck => on(filter, passwords::strength_check),
    };
    route.route_layer(middleware::from_fn_with_state(
        (state.clone(), op),
        count_applied,
    ))
}

/// The router's filter for a method of the operation table.
fn method_filter(method: HttpMethod) -> MethodFilter {
    match method {
        HttpMethod::Get => MethodFilter::GET,
        HttpMethod::Post => MethodFilter::POST,
        HttpMethod::Delete => MethodFilter::DELETE,
    }
}

/// An operation is applied when its handler succeeded, whatever the caller then sees.
async fn count_applied(
    State((state, op)): State<(AppState, Operation)>,
    req: Request,
    next: Next,
) -> Response {
    let response = next.run(req).await;
    if response.status().is_success() {
        state.applied(op);
    }
    response
}

pub(super) fn ok<T: serde::Serialize>(body: &T) -> Response {
    json_response(StatusCode::OK, body)
}

async fn create_user(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    Input(input): Input<NewUser>,
) -> Answer {
    Ok(ok(&state.with_store(&id, |store, ctx| {
        store.create_user(input, ctx)
    })?))
}

async fn get_user(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    UserIdPath(user_id): UserIdPath,
) -> Answer {
    Ok(ok(&state.with_store(&id, |store, ctx| {
        store.get_user(&user_id, ctx)
    })?))
}

async fn delete_user(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    UserIdPath(user_id): UserIdPath,
) -> Answer {
    Ok(ok(&state.with_store(&id, |store, ctx| {
        store.delete_user(&user_id, ctx)
    })?))
}

async fn delete_totp(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    TotpIdPath(totp_id): TotpIdPath,
) -> Answer {
    Ok(ok(&state.with_store(&id, |store, ctx| {
        store.delete_totp(&totp_id, ctx)
    })?))
}

async fn create_totp(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    Input(input): Input<NewTotp>,
) -> Answer {
    Ok(ok(&state.with_store(&id, |store, ctx| {
        store.create_totp(&input, ctx)
    })?))
}

async fn authenticate_totp(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    Input(input): Input<TotpCheck>,
) -> Answer {
    Ok(ok(&state.with_store(&id, |store, ctx| {
        store.authenticate_totp(&input, ctx)
    })?))
}

async fn recovery_codes(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    Input(input): Input<UserRef>,
) -> Answer {
    Ok(ok(&state.with_store(&id, |store, ctx| {
        store.recovery_codes(&input, ctx)
    })?))
}

async fn recover_totp(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    Input(input): Input<RecoveryCheck>,
) -> Answer {
    Ok(ok(&state.with_store(&id, |store, ctx| {
        store.recover(&input, ctx)
    })?))
}

async fn authenticate_session(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    Input(input): Input<SessionCheck>,
) -> Answer {
    Ok(ok(&state.with_store(&id, |store, ctx| {
        store.authenticate_session(&input, ctx)
    })?))
}

async fn revoke_session(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    Input(target): Input<RevokeTarget>,
) -> Answer {
    Ok(ok(&state.with_store(&id, |store, ctx| {
        store.revoke_session(&target, ctx)
    })?))
}

async fn get_sessions(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    UserIdQuery(user_id): UserIdQuery,
) -> Answer {
    Ok(ok(&state.with_store(&id, |store, ctx| {
        store.get_sessions(&user_id, ctx)
    })?))
}

/// The public key as a JWK set; no credentials needed, no store lock taken.
async fn get_jwks(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    ProjectIdPath(project_id): ProjectIdPath,
) -> Answer {
    if project_id != state.config.project_id {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "project_not_found",
            "No project with this project_id is served here.",
        ));
    }
    Ok(ok(&GetJwksResponse {
        keys: vec![model::jwk(state.signing_key())],
        request_id: id,
        status_code: 200,
    }))
}
