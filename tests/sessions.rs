//! The client's sessions calls and local JWT verification against the emulator's RS256 JWTs
//! and JWKS: verified locally without a request, refreshed remotely once expired, refused
//! once revoked.

use std::time::{Duration, SystemTime};

use stytch_totp::models::CreateUserRequest;
use stytch_totp::{Checked, Client, Error};
use stytch_totp_emulator::{Clock, EmulatorConfig, EmulatorHandle, Operation};

/// A user with a verified TOTP and a session of an hour; returns (user_id, session JWT,
/// session token).
async fn signed_in(emulator: &EmulatorHandle, client: &Client) -> (String, String, String) {
    let request = CreateUserRequest {
        email: Some("sessions@example.com".into()),
        ..Default::default()
    };
    let user = client.users().create(request).await.unwrap();
    let totp = client.totps().create(&user.user_id).await.unwrap();
    let code =
        stytch_totp_emulator::totp::code_at(totp.secret.expose_secret(), emulator.now()).unwrap();
    let auth = client
        .totps()
        .authenticate(&user.user_id, code)
        .session_duration_minutes(60)
        .await
        .unwrap();
    (
        user.user_id,
        auth.session_jwt.expose_secret().to_owned(),
        auth.session_token.expose_secret().to_owned(),
    )
}

#[tokio::test]
async fn a_fresh_jwt_verifies_locally_without_a_sessions_request() {
    let (emulator, client) = stytch_totp_e2e::start(Default::default()).await;
    let (user_id, jwt, _) = signed_in(&emulator, &client).await;
    let verified = client.sessions().authenticate_jwt(jwt).await.unwrap();
    assert!(matches!(verified.checked, Checked::Locally));
    assert_eq!(verified.user_id, user_id);
    assert_eq!(verified.session.authentication_factors[0].type_, "totp");
    let stats = emulator.stats();
    assert_eq!(stats.applied(Operation::SessionsAuthenticate), 0);
    assert_eq!(
        stats.applied(Operation::SessionsGetJwks),
        1,
        "one JWKS fetch"
    );
}

#[tokio::test]
async fn an_expired_jwt_of_a_live_session_is_refreshed_by_the_emulator() {
    // The emulator's clock runs ten minutes behind: its JWTs are already past their exp by the
    // system clock the client checks against, while their sessions live for an hour.
    let behind = SystemTime::now() - Duration::from_secs(600);
    let config = EmulatorConfig::default().with_clock(Clock::fixed(behind));
    let (emulator, client) = stytch_totp_e2e::start(config).await;
    let (_, jwt, _) = signed_in(&emulator, &client).await;
    // A minute later on the emulator too, so the refreshed JWT has a later iat.
    emulator.advance_clock(Duration::from_secs(60));
    let verified = client
        .sessions()
        .authenticate_jwt(jwt.clone())
        .await
        .unwrap();
    let Checked::Remotely(fresh) = verified.checked else {
        panic!("an expired JWT must be checked remotely");
    };
    assert!(fresh.session_jwt.expose_secret() != jwt, "a fresh JWT");
    assert_eq!(emulator.stats().applied(Operation::SessionsAuthenticate), 1);
}

#[tokio::test]
async fn a_revoked_session_is_refused_by_the_emulator() {
    let (emulator, client) = stytch_totp_e2e::start(Default::default()).await;
    let (user_id, _, token) = signed_in(&emulator, &client).await;
    let sessions = client.sessions().get(&user_id).await.unwrap();
    assert_eq!(sessions.sessions.len(), 1);
    client
        .sessions()
        .revoke()
        .session_token(token.clone())
        .await
        .unwrap();
    let error: Error = client
        .sessions()
        .authenticate()
        .session_token(token)
        .await
        .unwrap_err();
    assert_eq!(
        error.error_type().map(|t| t.as_str()),
        Some("session_not_found")
    );
    let jwks = client.sessions().jwks().await.unwrap();
    assert_eq!(jwks.keys[0].kid, emulator.key_id());
}
