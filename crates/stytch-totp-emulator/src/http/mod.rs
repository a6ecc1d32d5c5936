//! The HTTP side, the only part of the crate that knows axum: the router with the API routes
//! (one per [`Operation`]) and the admin API nested under `/_emulator`, the request pipeline
//! as layers, requests into domain commands ([`input`]) and domain facts into Stytch's JSON
//! ([`render`]).
//!
//! Outermost first, for API requests: [`layers::request_id`] (id, logging) →
//! [`layers::count`] ([`Stats`](crate::Stats)) → [`layers::inject_faults`] →
//! [`layers::render_errors`] (Stytch-shaped bodies) → [`layers::require_auth`] (everything
//! under `/v1` but the JWKS) → the handler. Admin requests get the id and error rendering only.

mod admin;
mod api;
mod body;
pub(crate) mod errors;
mod faults;
mod input;
mod layers;
mod passwords;
mod render;
mod sign_in;
#[cfg(test)]
pub(crate) mod tests;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::Router;

use crate::state::AppState;
use crate::Operation;
use errors::ApiError;

/// Where the API lives; everything under it needs HTTP Basic auth but the JWKS.
const API_PREFIX: &str = "/v1";

/// Every route of the emulator, with the pipeline around them.
pub(crate) fn router(state: AppState) -> Router {
    let route = |needs_credentials: bool| {
        Operation::ALL
            .iter()
            .filter(move |op| op.sends_credentials() == needs_credentials)
            .fold(Router::new(), |router, &op| {
                let path = op.path().strip_prefix(API_PREFIX).unwrap_or(op.path());
                router.route(path, api::route(op, &state))
            })
    };
    let v1 = route(true)
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            layers::require_auth,
        ))
        .merge(route(false).method_not_allowed_fallback(method_not_allowed));
    let api = Router::new()
        .nest(API_PREFIX, v1)
        .fallback(route_not_found)
        .layer(middleware::from_fn(layers::render_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            layers::inject_faults,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), layers::count));
    let admin = admin::router()
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(layers::render_errors));
    api.nest("/_emulator", admin)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            layers::request_id,
        ))
        .with_state(state)
}

async fn route_not_found() -> ApiError {
    ApiError::route_not_found()
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}
