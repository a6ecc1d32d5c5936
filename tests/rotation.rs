//! Key rotation end to end: the emulator rotates its signing key (issue #19, item 4) while
//! the real client verifies JWTs. No JWT the emulator would accept is refused; a JWT under the
//! new key is accepted at once (Stytch is asked once, then the set is fetched again); the old
//! key keeps verifying during the grace period, and once withdrawn stops verifying locally
//! within the key set's lifetime. Both clocks move together: the emulator's
//! (`advance_clock`) and tokio's (the client's key-set lifetime and JWT times follow it).

use std::time::Duration;

use stytch_totp::{Checked, Client, Error, JwtRejection, KEY_SET_LIFETIME};
use stytch_totp_e2e::{signed_in, start};
use stytch_totp_emulator::{EmulatorConfig, EmulatorHandle};

/// A fresh JWT for the session, signed with the emulator's current key.
async fn fresh_jwt(client: &Client, token: &str) -> String {
    let answer = client
        .sessions()
        .authenticate()
        .session_token(token)
        .await
        .unwrap();
    answer.session_jwt.expose_secret().to_owned()
}

fn kid(jwt: &str) -> String {
    use base64::Engine;
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(jwt.split('.').next().unwrap())
        .unwrap();
    let text = String::from_utf8(header).unwrap();
    let start = text.find("\"kid\":\"").unwrap() + 7;
    text[start..].split('"').next().unwrap().to_owned()
}

/// Moves both clocks forward by `by`.
async fn advance(emulator: &EmulatorHandle, by: Duration) {
    emulator.advance_clock(by);
    tokio::time::pause();
    tokio::time::advance(by).await;
    tokio::time::resume();
}

async fn checked(client: &Client, jwt: &str) -> Result<Checked, Error> {
    Ok(client.sessions().authenticate_jwt(jwt).await?.checked)
}

#[tokio::test]
async fn a_rotation_refuses_nothing_stytch_accepts_and_withdraws_the_old_key() {
    let grace = Duration::from_secs(60);
    let (emulator, client) =
        start(EmulatorConfig::default().with_signing_key_grace_period(grace)).await;
    let signed_in = signed_in(&client, &emulator, "rotation@example.com").await;
    let (token, old) = (signed_in.session_token, signed_in.session_jwt);
    assert!(matches!(checked(&client, &old).await, Ok(Checked::Locally)));

    let old_kid = kid(&old);
    let new_kid = emulator.rotate_signing_key();
    assert_ne!(new_kid, old_kid);
    let new = fresh_jwt(&client, &token).await;
    assert_eq!(kid(&new), new_kid, "the new key signs from now on");

    // The new key is newer than the client's set: accepted at once (Stytch asked once),
    // then the set is fetched again and it verifies locally.
    assert!(matches!(
        checked(&client, &new).await,
        Ok(Checked::Remotely(_))
    ));
    assert!(matches!(checked(&client, &new).await, Ok(Checked::Locally)));
    // The old key is still published during the grace period.
    assert!(matches!(checked(&client, &old).await, Ok(Checked::Locally)));

    // Past the grace period the emulator withdraws the old key; the client's set, fetched
    // before that, may keep it until its lifetime ends, and no longer.
    advance(&emulator, grace + Duration::from_secs(1)).await;
    let old_again = checked(&client, &old).await;
    assert!(
        matches!(old_again, Ok(Checked::Locally)),
        "within the set's lifetime: {old_again:?}"
    );
    advance(&emulator, KEY_SET_LIFETIME).await;
    let refused = checked(&client, &old).await.unwrap_err();
    assert!(
        matches!(refused, Error::InvalidSessionJwt(JwtRejection::UnknownKey)),
        "a withdrawn key stops verifying locally: {refused:?}"
    );
    // JWTs of the new key verify throughout.
    let newest = fresh_jwt(&client, &token).await;
    assert!(matches!(
        checked(&client, &newest).await,
        Ok(Checked::Locally)
    ));
    emulator.shutdown().await.unwrap();
}
