//! The password handlers. Scoring, hashing and checking a password take milliseconds of CPU
//! each: they run on the blocking pool with the store unlocked, between short locked steps.

use axum::extract::State;
use axum::Extension;
use stytch_totp_models::{
    AuthenticatePasswordResponse, CreatePasswordResponse, PasswordStrengthCheckResponse,
};

use super::errors::{ok, Answer, ApiError};
use super::input::Input;
use super::layers::RequestId;
use super::sign_in;
use crate::domain::commands::{NewPasswordUser, PasswordCheck, StrengthQuestion};
use crate::domain::Refusal;
use crate::passwords;
use crate::state::AppState;

/// Runs CPU-heavy work off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| ApiError::internal("The password work did not finish."))
}

pub(super) async fn create_password(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    Input(input): Input<NewPasswordUser>,
) -> Answer {
    let password = input.password.clone();
    let email = input.email.clone();
    let (strength, hash) = blocking(move || {
        let strength = passwords::strength(&password, Some(&email));
        let hash = strength.valid.then(|| passwords::hash(&password));
        (strength, hash)
    })
    .await?;
    let hash = match hash {
        None => {
            return Err(Refusal::WeakPassword {
                score: strength.score,
                warning: strength.feedback.warning,
            }
            .into())
        }
        Some(hash) => hash.map_err(ApiError::internal)?,
    };
    let signed_in = state.with_store(|store, ctx| store.create_password(input, hash, ctx))?;
    sign_in::answer::<CreatePasswordResponse>(&state, request_id, signed_in)
}

pub(super) async fn authenticate_password(
    State(state): State<AppState>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    Input(input): Input<PasswordCheck>,
) -> Answer {
    let attempt = state.with_store(|store, ctx| store.password_attempt(&input, ctx))?;
    let (password, hash) = (input.password.clone(), attempt.hash.clone());
    let matched = blocking(move || passwords::verify(&password, &hash)).await?;
    let signed_in =
        state.with_store(|store, ctx| store.password_checked(&input, attempt, matched, ctx))?;
    sign_in::answer::<AuthenticatePasswordResponse>(&state, request_id, signed_in)
}

pub(super) async fn strength_check(
    Extension(RequestId(request_id)): Extension<RequestId>,
    Input(input): Input<StrengthQuestion>,
) -> Answer {
    let strength =
        blocking(move || passwords::strength(&input.password, input.email.as_deref())).await?;
    Ok(ok(&PasswordStrengthCheckResponse {
        breach_detection_on_create: false,
        breached_password: false,
        feedback: Some(strength.feedback),
        request_id,
        score: i32::from(strength.score),
        status_code: 200,
        strength_policy: "zxcvbn".to_owned(),
        valid_password: strength.valid,
    }))
}
