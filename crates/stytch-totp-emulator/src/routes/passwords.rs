//! The password handlers. Scoring, hashing and checking a password take milliseconds of CPU
//! each: they run on the blocking pool with the store unlocked, between short locked steps.

use axum::extract::State;
use axum::Extension;
use stytch_totp_models::{ErrorType, PasswordStrengthCheckResponse};

use super::api::{ok, Answer};
use crate::errors::ApiError;
use crate::input::{Input, NewPasswordUser, PasswordCheck, StrengthQuestion};
use crate::passwords::{self, Strength};
use crate::routes::RequestId;
use crate::server::AppState;

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
    Extension(RequestId(id)): Extension<RequestId>,
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
        None => return Err(weak_password(&strength)),
        Some(hash) => hash.map_err(ApiError::internal)?,
    };
    Ok(ok(&state.with_store(&id, |store, ctx| {
        store.create_password(input, hash, ctx)
    })?))
}

/// 400 `weak_password`, with zxcvbn's warning when it has one.
fn weak_password(strength: &Strength) -> ApiError {
    let mut message = format!(
        "The password is too weak: it scores {} of 4, at least {} is required. Check it with the strength_check endpoint.",
        strength.score,
        passwords::MIN_SCORE
    );
    if !strength.feedback.warning.is_empty() {
        message = format!("{message} {}", strength.feedback.warning);
    }
    ApiError::invalid(ErrorType::WeakPassword, message)
}

pub(super) async fn authenticate_password(
    State(state): State<AppState>,
    Extension(RequestId(id)): Extension<RequestId>,
    Input(input): Input<PasswordCheck>,
) -> Answer {
    let attempt = state.with_store(&id, |store, ctx| store.password_attempt(&input, ctx))?;
    let (password, hash) = (input.password.clone(), attempt.hash.clone());
    let matched = blocking(move || passwords::verify(&password, &hash)).await?;
    Ok(ok(&state.with_store(&id, |store, ctx| {
        store.password_checked(&input, attempt, matched, ctx)
    })?))
}

pub(super) async fn strength_check(
    Extension(RequestId(id)): Extension<RequestId>,
    Input(input): Input<StrengthQuestion>,
) -> Answer {
    let strength =
        blocking(move || passwords::strength(&input.password, input.email.as_deref())).await?;
    Ok(ok(&PasswordStrengthCheckResponse {
        breach_detection_on_create: false,
        breached_password: false,
        feedback: Some(strength.feedback),
        request_id: id,
        score: i32::from(strength.score),
        status_code: 200,
        strength_policy: "zxcvbn".to_owned(),
        valid_password: strength.valid,
    }))
}
