//! The route of each API operation: the request as a domain command (checked by its extractor,
//! JWTs verified), one domain operation under the store's lock, then — the lock released —
//! QR codes drawn, JWTs signed and Stytch's JSON rendered. Sign-ins (TOTP codes, recovery
//! codes, passwords) share their handling in [`sign_in`](super::sign_in).

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Extension;

use stytch_totp_models::{
    AuthenticateSessionResponse, CreateTotpResponse, CreateUserResponse, DeleteTotpResponse,
    DeleteUserResponse, GetJwksResponse, GetSessionsResponse, HttpMethod, RevokeSessionResponse,
    SecretString, TotpRecoveryCodesResponse, TotpWithRecoveryCodes,
};

use super::errors::{ok, Answer, ApiError};
use super::input::{Input, ProjectIdPath, TotpIdPath, UserIdPath, UserIdQuery};
use super::layers::RequestId;
use super::render;
use super::{passwords, sign_in};
use crate::domain::commands::{
    NewTotp, NewUser, RecoveryCheck, RevokeTarget, SessionCheck, TotpCheck, UserRef,
};
use crate::state::AppState;
use crate::{totp, Operation};

/// The route of `op`: its handler, counted in [`Stats`](crate::Stats) when it succeeds.
pub(super) fn route(op: Operation, state: &AppState) -> MethodRouter<AppState> {
    let filter = method_filter(op.method());
    let route = match op {
        Operation::UsersCreate => on(filter, create_user),
        Operation::UsersGet => on(filter, get_user),
        Operation::UsersDelete => on(filter, delete_user),
        Operation::UsersDeleteTotp => on(filter, delete_totp),
        Operation::TotpsCreate => on(filter, create_totp),
        Operation::TotpsAuthenticate => on(filter, sign_in::factor_sign_in::<TotpCheck>),
        Operation::TotpsRecoveryCodes => on(filter, recovery_codes),
        Operation::TotpsRecover => on(filter, sign_in::factor_sign_in::<RecoveryCheck>),
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

async fn create_user(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    Input(input): Input<NewUser>,
) -> Answer {
    let user = state.with_store(|store, ctx| store.create_user(input, ctx))?;
    let record = &user.record;
    Ok(ok(&CreateUserResponse {
        email_id: record
            .emails
            .first()
            .map(|e| e.email_id.clone())
            .unwrap_or_default(),
        phone_id: record
            .phone_numbers
            .first()
            .map(|p| p.phone_id.clone())
            .unwrap_or_default(),
        request_id,
        status: record.status.clone(),
        status_code: 200,
        user_id: record.user_id.clone(),
        user: render::user(&user),
    }))
}

async fn get_user(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    UserIdPath(user_id): UserIdPath,
) -> Answer {
    let user = state.with_store(|store, ctx| store.get_user(&user_id, ctx))?;
    Ok(ok(&render::get_user_response(
        render::user(&user),
        &request_id,
    )))
}

async fn delete_user(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    UserIdPath(user_id): UserIdPath,
) -> Answer {
    let user_id = state.with_store(|store, _| store.delete_user(&user_id))?;
    Ok(ok(&DeleteUserResponse {
        request_id,
        status_code: 200,
        user_id,
    }))
}

async fn delete_totp(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    TotpIdPath(totp_id): TotpIdPath,
) -> Answer {
    let user = state.with_store(|store, ctx| store.delete_totp(&totp_id, ctx))?;
    Ok(ok(&DeleteTotpResponse {
        request_id,
        status_code: 200,
        user_id: user.record.user_id.clone(),
        user: render::user(&user),
    }))
}

async fn create_totp(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    Input(input): Input<NewTotp>,
) -> Answer {
    let created = state.with_store(|store, ctx| store.create_totp(&input, ctx))?;
    let totp = created.totp;
    let qr_code = totp::qr_code(&totp.secret, &state.config.issuer, &totp.account_label)
        .ok_or_else(|| ApiError::internal("The QR code could not be generated."))?;
    Ok(ok(&CreateTotpResponse {
        qr_code: qr_code.into(),
        recovery_codes: totp
            .recovery_codes
            .into_iter()
            .map(SecretString::from)
            .collect(),
        request_id,
        secret: totp::base32(&totp.secret).into(),
        status_code: 200,
        totp_id: totp.totp_id,
        user_id: created.user.record.user_id.clone(),
        user: render::user(&created.user),
    }))
}

async fn recovery_codes(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    Input(input): Input<UserRef>,
) -> Answer {
    let codes = state.with_store(|store, _| store.recovery_codes(&input))?;
    Ok(ok(&TotpRecoveryCodesResponse {
        request_id,
        status_code: 200,
        totps: {
            let (totp_id, verified, codes) = codes.totp;
            vec![TotpWithRecoveryCodes {
                recovery_codes: codes.into_iter().map(SecretString::from).collect(),
                totp_id,
                verified,
            }]
        },
        user_id: codes.user_id,
    }))
}

async fn authenticate_session(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    Input(input): Input<SessionCheck>,
) -> Answer {
    let authenticated = state.with_store(|store, ctx| store.authenticate_session(&input, ctx))?;
    let fields = sign_in::session_fields(&state, &authenticated.session)?;
    Ok(ok(&AuthenticateSessionResponse {
        request_id,
        session: fields.session,
        session_jwt: fields.jwt.into(),
        session_token: fields.token.into(),
        status_code: 200,
        user: render::user(&authenticated.user),
    }))
}

async fn revoke_session(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    Input(target): Input<RevokeTarget>,
) -> Answer {
    state.with_store(|store, ctx| store.revoke_session(&target, ctx))?;
    Ok(ok(&RevokeSessionResponse {
        request_id,
        status_code: 200,
    }))
}

async fn get_sessions(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    UserIdQuery(user_id): UserIdQuery,
) -> Answer {
    let sessions = state.with_store(|store, ctx| store.get_sessions(&user_id, ctx))?;
    Ok(ok(&GetSessionsResponse {
        request_id,
        sessions: sessions.iter().map(render::session).collect(),
        status_code: 200,
    }))
}

/// The published keys as a JWK set (the signing key first, then keys rotated out and still in
/// their grace period); no credentials needed, no store lock taken.
async fn get_jwks(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    ProjectIdPath(project_id): ProjectIdPath,
) -> Answer {
    if project_id != state.config.project_id {
        return Err(ApiError::project_not_found());
    }
    Ok(ok(&GetJwksResponse {
        keys: {
            let (signing, retired) = state.published_keys();
            std::iter::once(&signing)
                .chain(retired.iter().map(|r| &r.key))
                .map(render::jwk)
                .collect()
        },
        request_id,
        status_code: 200,
    }))
}
