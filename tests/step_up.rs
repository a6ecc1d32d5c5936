//! The first factor and the step-up, end to end: the real client against the real emulator.
//! A password sign-in starts a session with one factor; a TOTP code (or a recovery code) on
//! that session adds the second to the same session; its JWT verifies locally and lists both;
//! wrong passwords lock the user, and the lock refuses TOTP codes too.

use std::time::Duration;

use stytch_totp::models::ErrorType;
use stytch_totp::{Checked, Client, Error};
use stytch_totp_e2e::start;
use stytch_totp_emulator::{EmulatorConfig, EmulatorHandle};

const EMAIL: &str = "grace.hopper@example.com";
const PASSWORD: &str = "plaid-Kettle-orbit-97-quasar";

/// The code of a base32 secret `steps` 30-second steps from now on the emulator's clock (the
/// emulator accepts the next step's code too; its clock stays in step with the JWT checks).
fn code_at(secret: &str, emulator: &EmulatorHandle, steps: u64) -> String {
    let at = emulator.now() + Duration::from_secs(30 * steps);
    stytch_totp_emulator::totp::code_at(secret, at).unwrap()
}

fn factor_types(factors: &[stytch_totp::models::AuthenticationFactor]) -> Vec<&str> {
    factors.iter().map(|f| f.type_.as_str()).collect()
}

/// A user with a password and an enrolled, verified TOTP; returns (user_id, secret,
/// recovery codes).
async fn enrolled(client: &Client, emulator: &EmulatorHandle) -> (String, String, Vec<String>) {
    let created = client.passwords().create(EMAIL, PASSWORD).await.unwrap();
    let totp = client.totps().create(&created.user_id).await.unwrap();
    let secret = totp.secret.expose_secret().to_owned();
    // Verify the TOTP once without a session; the tests then use the next step's code.
    client
        .totps()
        .authenticate(&created.user_id, code_at(&secret, emulator, 0))
        .await
        .unwrap();
    let codes = totp
        .recovery_codes
        .iter()
        .map(|c| c.expose_secret().to_owned())
        .collect();
    (created.user_id, secret, codes)
}

#[tokio::test]
async fn a_totp_code_steps_up_the_password_session_and_the_jwt_lists_both_factors() {
    let (emulator, client) = start(EmulatorConfig::default()).await;
    let (user_id, secret, _) = enrolled(&client, &emulator).await;

    let signed_in = client
        .passwords()
        .authenticate(EMAIL, PASSWORD)
        .session_duration_minutes(60)
        .await
        .unwrap();
    let first = signed_in.session.expect("a session was asked for");
    assert_eq!(signed_in.user_id, user_id);
    assert_eq!(factor_types(&first.authentication_factors), ["password"]);

    let stepped = client
        .totps()
        .authenticate(&user_id, code_at(&secret, &emulator, 1))
        .session_token(signed_in.session_token.expose_secret())
        .await
        .unwrap();
    let session = stepped.session.expect("the stepped-up session");
    assert_eq!(session.session_id, first.session_id, "the same session");
    assert_eq!(
        factor_types(&session.authentication_factors),
        ["password", "totp"]
    );
    assert!(session
        .authentication_factors
        .iter()
        .all(|f| f.last_authenticated_at.is_some()));

    let verified = client
        .sessions()
        .authenticate_jwt(stepped.session_jwt.expose_secret())
        .await
        .unwrap();
    assert!(matches!(verified.checked, Checked::Locally));
    assert_eq!(verified.user_id, user_id);
    assert_eq!(verified.session.id, first.session_id);
    assert_eq!(
        factor_types(&verified.session.authentication_factors),
        ["password", "totp"]
    );
    emulator.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_recovery_code_steps_up_the_password_session_by_jwt() {
    let (emulator, client) = start(EmulatorConfig::default()).await;
    let (user_id, _, recovery_codes) = enrolled(&client, &emulator).await;
    let signed_in = client
        .passwords()
        .authenticate(EMAIL, PASSWORD)
        .session_duration_minutes(30)
        .await
        .unwrap();
    let session_id = signed_in.session.unwrap().session_id;
    let recovered = client
        .totps()
        .recover(&user_id, &recovery_codes[0])
        .session_jwt(signed_in.session_jwt.expose_secret())
        .await
        .unwrap();
    let session = recovered.session.unwrap();
    assert_eq!(session.session_id, session_id);
    assert_eq!(
        factor_types(&session.authentication_factors),
        ["password", "recovery_codes"]
    );
    emulator.shutdown().await.unwrap();
}

#[tokio::test]
async fn wrong_passwords_lock_the_user_and_the_lock_refuses_totp_codes() {
    let (emulator, client) = start(EmulatorConfig::default()).await;
    let (user_id, secret, _) = enrolled(&client, &emulator).await;
    let limit = stytch_totp_emulator::LockPolicy::default().max_failed_attempts;
    for attempt in 1..=limit {
        let error = client
            .passwords()
            .authenticate(EMAIL, "not-the-password-at-all")
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(401), "attempt {attempt}: {error:?}");
        assert!(!error.to_string().contains("not-the-password-at-all"));
    }
    let locked = |error: Error| match error {
        Error::Api {
            status, error_type, ..
        } => (status, error_type),
        other => panic!("expected an API error, got {other:?}"),
    };
    let refused = client
        .passwords()
        .authenticate(EMAIL, PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(locked(refused), (429, ErrorType::UserLockLimitReached));
    let refused = client
        .totps()
        .authenticate(&user_id, code_at(&secret, &emulator, 1))
        .await
        .unwrap_err();
    assert_eq!(locked(refused), (429, ErrorType::UserLockLimitReached));
    assert!(client.users().get(&user_id).await.unwrap().is_locked);
    emulator.shutdown().await.unwrap();
}
