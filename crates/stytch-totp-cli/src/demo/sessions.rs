//! The demo's session steps: what a backend does with the session after the TOTP check.

use std::time::Instant;

use stytch_totp::models::{AuthenticateTotpResponse, ErrorType};
use stytch_totp::{Checked, Client, Operation};

use super::Steps;

/// Verifies the session JWT locally (no request), revokes the session, and shows Stytch
/// refusing its token afterwards.
pub(super) async fn run(
    steps: &mut Steps,
    client: &Client,
    auth: &AuthenticateTotpResponse,
) -> Result<(), String> {
    let Some(session) = &auth.session else {
        return Err("totps.authenticate started no session".into());
    };
    // The first check fetches the project's public keys; later ones make no request at all.
    client
        .sessions()
        .authenticate_jwt(auth.session_jwt.clone())
        .await
        .map_err(|e| format!("sessions.authenticate_jwt failed: {e}"))?;
    let started = Instant::now();
    let verified = client
        .sessions()
        .authenticate_jwt(auth.session_jwt.clone())
        .await
        .map_err(|e| format!("sessions.authenticate_jwt failed: {e}"))?;
    let micros = started.elapsed().as_micros();
    let how = match verified.checked {
        Checked::Locally => "locally, no request",
        Checked::Remotely(_) => "by Stytch (the JWT had expired)",
    };
    let factors: Vec<&str> = verified
        .session
        .authentication_factors
        .iter()
        .map(|f| f.type_.as_str())
        .collect();
    steps.note(
        "session JWT verified",
        &format!(
            "{how} in {micros} us: user {}, factors {}",
            verified.user_id,
            factors.join(", ")
        ),
    );
    steps
        .call(
            Operation::SessionsRevoke.name(),
            client
                .sessions()
                .revoke(stytch_totp::RevokeTarget::SessionId(
                    session.session_id.clone(),
                )),
            |r| &r.request_id,
            |_| format!("revoked session {}", session.session_id),
        )
        .await?;
    steps
        .refused(
            Operation::SessionsAuthenticate.name(),
            client
                .sessions()
                .authenticate()
                .session_token(auth.session_token.clone()),
            ErrorType::SessionNotFound,
        )
        .await
}
