//! Sign-ins, whatever the factor (TOTP code, recovery code, password): one domain operation
//! under the store's lock, then — the lock released — the session's JWT signed and the
//! answer rendered the same way for every factor. TOTP authenticate and recover are one
//! generic handler ([`factor_sign_in`]); the password handlers check the password between
//! two locked steps, then answer with [`answer`] too.

use axum::extract::State;
use axum::Extension;
use stytch_totp_models::{
    AuthenticatePasswordResponse, AuthenticateTotpResponse, CreatePasswordResponse,
    RecoverTotpResponse, SecretString, Session, User,
};

use super::errors::{ok, Answer, ApiError};
use super::input::{FromBody, Input};
use super::layers::RequestId;
use super::render::{self, SessionFields, SignInBody};
use crate::domain::commands::{RecoveryCheck, TotpCheck};
use crate::domain::sessions::SessionView;
use crate::domain::{Ctx, Refusal, SignedIn, Store};
use crate::state::{AppState, Shared};

/// A sign-in the store runs in one locked step: the command of a factor checked by the
/// store alone.
pub(super) trait OneStepSignIn: FromBody {
    /// Stytch's response to it.
    type Response: SignInResponse;
    /// Checks the factor and starts or steps up the session.
    fn run(&self, store: &mut Store, ctx: &Ctx) -> Result<SignedIn, Refusal>;
}

impl OneStepSignIn for TotpCheck {
    type Response = AuthenticateTotpResponse;
    fn run(&self, store: &mut Store, ctx: &Ctx) -> Result<SignedIn, Refusal> {
        store.authenticate_totp(self, ctx)
    }
}

impl OneStepSignIn for RecoveryCheck {
    type Response = RecoverTotpResponse;
    fn run(&self, store: &mut Store, ctx: &Ctx) -> Result<SignedIn, Refusal> {
        store.recover(self, ctx)
    }
}

/// The handler of every [`OneStepSignIn`]: `totps.authenticate` and `totps.recover`.
pub(super) async fn factor_sign_in<C: OneStepSignIn + Send + 'static>(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    Input(input): Input<C>,
) -> Answer {
    let signed_in = state.with_store(|store, ctx| input.run(store, ctx))?;
    answer::<C::Response>(&state, request_id, signed_in)
}

/// What every sign-in response holds, whatever the factor.
pub(super) struct SignInParts {
    request_id: String,
    /// The TOTP's id (TOTP responses) or the email's (`passwords.create`).
    credential_id: String,
    user_id: String,
    user: User,
    session: Option<Session>,
    session_token: SecretString,
    session_jwt: SecretString,
}

/// A sign-in response model, built from the [`SignInParts`].
pub(super) trait SignInResponse: serde::Serialize {
    /// Whether Stytch's documented answer without a session says `"session": null` (TOTP
    /// authenticate and recover) rather than leaving the key out.
    const NULL_SESSION: bool;
    fn from_parts(parts: SignInParts) -> Self;
}

/// Signs the session's JWT (never under the store's lock) and renders the answer `R`.
pub(super) fn answer<R: SignInResponse>(
    state: &Shared,
    request_id: String,
    signed_in: SignedIn,
) -> Answer {
    let (session, session_token, session_jwt) =
        optional_session_fields(state, signed_in.session.as_ref())?;
    let no_session = R::NULL_SESSION && session.is_none();
    let body = R::from_parts(SignInParts {
        request_id,
        credential_id: signed_in.credential_id,
        user_id: signed_in.user.record.user_id.clone(),
        user: render::user(&signed_in.user),
        session,
        session_token: session_token.into(),
        session_jwt: session_jwt.into(),
    });
    Ok(ok(&SignInBody { no_session, body }))
}

/// Renders a session and signs its JWT: never under the store's lock.
pub(super) fn session_fields(
    state: &Shared,
    view: &SessionView,
) -> Result<SessionFields, ApiError> {
    #[cfg(test)]
    let _probe = state.signing_probe.enter();
    render::session_fields(view, &state.signing_key(), &state.config.project_id)
}

/// The session fields of a sign-in response: empty without a session (`session_token: ""`,
/// `session_jwt: ""`, no `session`).
fn optional_session_fields(
    state: &Shared,
    view: Option<&SessionView>,
) -> Result<(Option<Session>, String, String), ApiError> {
    match view {
        Some(view) => {
            let fields = session_fields(state, view)?;
            Ok((Some(fields.session), fields.token, fields.jwt))
        }
        None => Ok((None, String::new(), String::new())),
    }
}

/// The [`SignInResponse`] of a response model: whether it says `"session": null`, and the
/// field naming the credential, if it has one.
macro_rules! sign_in_response {
    ($response:ty, null_session: $null:literal $(, $credential:ident)?) => {
        impl SignInResponse for $response {
            const NULL_SESSION: bool = $null;
            fn from_parts(p: SignInParts) -> Self {
                Self {
                    $($credential: p.credential_id,)?
                    request_id: p.request_id,
                    session: p.session,
                    session_jwt: p.session_jwt,
                    session_token: p.session_token,
                    status_code: 200,
                    user_id: p.user_id,
                    user: p.user,
                    user_device: None,
                }
            }
        }
    };
}

sign_in_response!(AuthenticateTotpResponse, null_session: true, totp_id);
sign_in_response!(RecoverTotpResponse, null_session: true, totp_id);
sign_in_response!(CreatePasswordResponse, null_session: false, email_id);
sign_in_response!(AuthenticatePasswordResponse, null_session: false);
