//! Sessions end to end: the real client against the real emulator, which signs RS256 JWTs and
//! serves its JWKS like Stytch. Local verification is proven request-free by the emulator's
//! own request counter.

use std::time::{Duration, SystemTime};

use stytch_totp::models::ErrorType;
use stytch_totp::{Checked, Error, JwtRejection};
use stytch_totp_e2e::{client_for, signed_in, start, SignedIn};
use stytch_totp_emulator::{Clock, Emulator, EmulatorConfig, SigningKey};

const EMAIL: &str = "jane.doe@example.com";

#[tokio::test]
async fn a_session_is_verified_locally_then_revoked_and_refused_by_stytch() {
    let (emulator, client) = start(EmulatorConfig::default()).await;
    let SignedIn {
        user_id,
        session_token: token,
        session_jwt: jwt,
    } = signed_in(&client, &emulator, EMAIL).await;

    let before = emulator.stats().requests_total;
    let verified = client
        .sessions()
        .authenticate_jwt(jwt.clone())
        .await
        .unwrap();
    assert!(matches!(verified.checked, Checked::Locally));
    assert_eq!(verified.user_id, user_id);
    assert_eq!(verified.session.authentication_factors[0].type_, "totp");
    let after_first = emulator.stats().requests_total;
    assert_eq!(after_first, before + 1, "only the JWKS was fetched");
    for _ in 0..10 {
        client
            .sessions()
            .authenticate_jwt(jwt.clone())
            .await
            .unwrap();
    }
    assert_eq!(
        emulator.stats().requests_total,
        after_first,
        "no request per verification"
    );

    let by_token = client
        .sessions()
        .authenticate()
        .session_token(token.clone())
        .await
        .unwrap();
    assert_eq!(by_token.session.session_id, verified.session.id);
    let listed = client.sessions().get(&user_id).await.unwrap();
    assert_eq!(listed.sessions.len(), 1);

    client
        .sessions()
        .revoke(stytch_totp::RevokeTarget::SessionId(
            verified.session.id.clone(),
        ))
        .await
        .unwrap();
    let err = client
        .sessions()
        .authenticate()
        .session_token(token)
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), Some(&ErrorType::SessionNotFound), "{err}");
    assert_eq!(err.status(), Some(404));
    // Within max_token_age a revoked session's JWT still verifies locally: a zero age asks
    // Stytch, which knows it was revoked.
    let err = client
        .sessions()
        .authenticate_jwt(jwt)
        .max_token_age(Duration::ZERO)
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), Some(&ErrorType::SessionNotFound), "{err}");
    assert!(client
        .sessions()
        .get(&user_id)
        .await
        .unwrap()
        .sessions
        .is_empty());
    emulator.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_expired_jwt_of_a_live_session_is_refreshed_by_stytch() {
    // The emulator's clock runs ten minutes behind: its JWTs are past `exp` (five minutes)
    // for this machine, while their one-hour sessions are alive on the emulator's clock.
    let behind = SystemTime::now() - Duration::from_secs(600);
    let (emulator, client) =
        start(EmulatorConfig::default().with_clock(Clock::fixed(behind))).await;
    let jwt = signed_in(&client, &emulator, EMAIL).await.session_jwt;
    emulator.advance_clock(Duration::from_secs(1));
    let verified = client
        .sessions()
        .authenticate_jwt(jwt.clone())
        .await
        .unwrap();
    let Checked::Remotely(fresh) = &verified.checked else {
        panic!("an expired JWT is checked with Stytch: {verified:?}");
    };
    assert!(
        fresh.session_jwt.expose_secret() != jwt,
        "a fresh JWT comes back"
    );
    assert_eq!(fresh.session.session_id, verified.session.id);
    emulator.shutdown().await.unwrap();
}

#[tokio::test]
async fn jwts_of_another_emulator_or_project_are_refused() {
    let (emulator, client) = start(EmulatorConfig::default()).await;
    // Emulators share the process's default key unless one pins its own.
    let other =
        Emulator::start_with(EmulatorConfig::default().with_signing_key(SigningKey::generate()))
            .await
            .unwrap();
    let other_client = client_for(&other);
    let foreign_jwt = signed_in(&other_client, &other, EMAIL).await.session_jwt;
    let err = client
        .sessions()
        .authenticate_jwt(foreign_jwt)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidSessionJwt(JwtRejection::UnknownKey | JwtRejection::BadSignature)
        ),
        "a JWT signed by another key is refused: {err:?}"
    );
    other.shutdown().await.unwrap();
    emulator.shutdown().await.unwrap();
}
