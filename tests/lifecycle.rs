//! The whole TOTP lifecycle through the real client against the emulator, with codes computed
//! by an independent RFC 6238 implementation (totp-rs) from the QR code's otpauth URI.

use base64::Engine;
use stytch_totp::models::ErrorType;
use stytch_totp::{Client, Error};
use stytch_totp_emulator::EmulatorHandle;
use totp_rs::TOTP;

async fn setup() -> (EmulatorHandle, Client) {
    stytch_totp_e2e::start(Default::default()).await
}

fn error_type(error: &Error) -> ErrorType {
    error
        .error_type()
        .cloned()
        .unwrap_or_else(|| panic!("not an API error: {error:?}"))
}

/// The otpauth URI inside a `data:image/png;base64, ...` QR code.
fn qr_uri(qr_code: &str) -> String {
    let encoded = qr_code
        .strip_prefix("data:image/png;base64, ")
        .expect("Stytch's data URL prefix, space included");
    let png = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    stytch_totp_emulator::qr::decode_png(&png).expect("one readable QR code in the PNG")
}

#[tokio::test]
async fn full_lifecycle_with_codes_from_the_qr_code() {
    let (_emulator, client) = setup().await;
    let user = client
        .users()
        .create()
        .email("jane@example.com")
        .await
        .unwrap();
    assert!(user.user_id.starts_with("user-test-"));

    let totp = client
        .totps()
        .create(&user.user_id)
        .expiration_minutes(30)
        .await
        .unwrap();
    assert!(
        totp.totp_id.starts_with("totp-test-") && totp.request_id.starts_with("request-id-test-")
    );
    assert_eq!(
        totp.secret.expose_secret().len(),
        32,
        "20 random bytes in base32"
    );
    assert_eq!(totp.recovery_codes.len(), 10);
    for code in &totp.recovery_codes {
        let code = code.expose_secret();
        assert!(
            code.len() == 14
                && code.split('-').all(|p| p.len() == 4
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
            "{code}"
        );
    }
    assert!(!totp.user.totps[0].verified);

    // What a phone scans is what the server verifies.
    let uri = qr_uri(totp.qr_code.expose_secret());
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let authenticator = TOTP::from_url(&uri).unwrap();
    assert_eq!(
        authenticator.get_secret_base32(),
        totp.secret.expose_secret()
    );
    let code = authenticator.generate_current().unwrap();

    let auth = client
        .totps()
        .authenticate(&user.user_id, &code)
        .session_duration_minutes(60)
        .await
        .unwrap();
    assert_eq!(auth.totp_id, totp.totp_id);
    assert!(
        auth.user.totps[0].verified,
        "first success verifies the TOTP"
    );
    let session = auth.session.expect("a session was asked for");
    assert_eq!(session.authentication_factors[0].type_, "totp");
    assert!(
        !auth.session_token.is_empty() && auth.session_jwt.expose_secret().split('.').count() == 3
    );

    let replay = client
        .totps()
        .authenticate(&user.user_id, &code)
        .await
        .unwrap_err();
    assert_eq!(error_type(&replay), ErrorType::TotpCodeAlreadyAuthenticated);

    let fetched = client.users().get(&user.user_id).await.unwrap();
    assert!(fetched
        .totps
        .iter()
        .any(|t| t.totp_id == totp.totp_id && t.verified));

    let second = client.totps().create(&user.user_id).await.unwrap_err();
    assert_eq!(error_type(&second), ErrorType::ActiveTotpExists);
    assert_eq!(second.status(), Some(400));

    let listed = client.totps().recovery_codes(&user.user_id).await.unwrap();
    assert_eq!(listed.totps[0].recovery_codes, totp.recovery_codes);

    let spent = totp.recovery_codes[3].expose_secret();
    let recovered = client.totps().recover(&user.user_id, spent).await.unwrap();
    assert!(
        recovered.session.is_none() && recovered.session_token.is_empty(),
        "no session unless asked"
    );
    let reuse = client
        .totps()
        .recover(&user.user_id, spent)
        .await
        .unwrap_err();
    assert_eq!(
        error_type(&reuse),
        ErrorType::UnableToAuthenticateRecoveryCode
    );
    let listed = client.totps().recovery_codes(&user.user_id).await.unwrap();
    assert_eq!(
        listed.totps[0].recovery_codes.len(),
        9,
        "the spent code is gone"
    );

    let deleted = client.users().delete_totp(&totp.totp_id).await.unwrap();
    assert!(deleted.user.totps.is_empty());
    client.users().delete(&user.user_id).await.unwrap();
    let gone = client.users().get(&user.user_id).await.unwrap_err();
    assert_eq!(
        (gone.status(), error_type(&gone)),
        (Some(404), ErrorType::UserNotFound)
    );
}

#[tokio::test]
async fn wrong_credentials_and_a_wrong_code_are_typed_errors() {
    let (emulator, client) = setup().await;
    let user = client.users().create().await.unwrap();
    let totp = client.totps().create(&user.user_id).await.unwrap();
    // A six-digit code that no accepted step (now and one either side) produces.
    let step = std::time::Duration::from_secs(30);
    let now = emulator.now();
    let accepted: Vec<String> = [now - step, now, now + step]
        .into_iter()
        .map(|at| stytch_totp_emulator::totp::code_at(totp.secret.expose_secret(), at).unwrap())
        .collect();
    let wrong_code = (0..4u32)
        .map(|n| format!("{:06}", n * 111_111))
        .find(|c| !accepted.contains(c))
        .expect("four candidates, three accepted codes");
    let wrong = client
        .totps()
        .authenticate(&user.user_id, &wrong_code)
        .await
        .unwrap_err();
    assert_eq!(
        (wrong.status(), error_type(&wrong)),
        (Some(401), ErrorType::UnableToAuthenticateTotp),
        "{wrong}"
    );
    assert!(wrong
        .request_id()
        .is_some_and(|id| id.starts_with("request-id-test-")));
    assert!(!wrong.is_outcome_unknown());

    let intruder = Client::builder()
        .project_id(emulator.project_id())
        .secret("not-the-secret")
        .base_url(emulator.base_url())
        .build()
        .unwrap();
    let denied = intruder.users().get(&user.user_id).await.unwrap_err();
    assert_eq!(
        (denied.status(), error_type(&denied)),
        (Some(401), ErrorType::UnauthorizedCredentials)
    );
    assert!(denied
        .request_id()
        .is_some_and(|id| id.starts_with("request-id-test-")));
}

#[tokio::test]
async fn ten_failures_lock_the_user_and_the_client_reports_it() {
    let (_emulator, client) = setup().await;
    let user = client.users().create().await.unwrap();
    let totp = client.totps().create(&user.user_id).await.unwrap();
    for _ in 0..10 {
        client
            .totps()
            .recover(&user.user_id, "zzzz-zzzz-zzzz")
            .await
            .unwrap_err();
    }
    let locked = client
        .totps()
        .recover(&user.user_id, totp.recovery_codes[0].expose_secret())
        .await
        .unwrap_err();
    assert_eq!(
        (locked.status(), error_type(&locked)),
        (Some(429), ErrorType::UserLockLimitReached)
    );
    let fetched = client.users().get(&user.user_id).await.unwrap();
    assert!(fetched.is_locked && fetched.lock_expires_at.is_some());
}
