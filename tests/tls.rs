//! The client over HTTPS against the emulator's HTTPS server (a CA made at start), with the
//! TLS backend this crate was built with: rustls + aws-lc-rs by default; run the other with
//! `cargo test -p stytch-totp-e2e --test tls --features native-tls`.

use stytch_totp::{Client, Error};
use stytch_totp_emulator::totp::code_at;
use stytch_totp_emulator::{Emulator, EmulatorHandle};

/// A client for `emulator`, trusting its CA when `trust` says so.
fn client(emulator: &EmulatorHandle, trust: bool) -> Client {
    let builder = Client::builder()
        .project_id(emulator.project_id())
        .secret(emulator.secret())
        .base_url(emulator.base_url());
    let builder = if trust {
        builder.add_root_certificate_pem(emulator.ca_cert_pem().expect("serving HTTPS"))
    } else {
        builder
    };
    builder.build().expect("a valid client configuration")
}

/// The backend the features select (the precedence in the client's `tls` module).
fn backend() -> &'static str {
    if cfg!(feature = "native-tls") {
        "native-tls"
    } else {
        "rustls-aws-lc-rs"
    }
}

#[tokio::test]
async fn lifecycle_over_https() {
    let emulator = Emulator::start_tls().await.unwrap();
    assert!(emulator.base_url().starts_with("https://127.0.0.1:"));
    let ca_path = emulator.ca_cert_path().unwrap().to_owned();
    let pem = std::fs::read_to_string(&ca_path).unwrap();
    assert_eq!(Some(pem.as_str()), emulator.ca_cert_pem());
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));

    let client = client(&emulator, true);
    let user = client
        .users()
        .create()
        .email("tls@example.com")
        .await
        .unwrap();
    let totp = client.totps().create(&user.user_id).await.unwrap();
    let code = code_at(totp.secret.expose_secret(), emulator.now()).unwrap();
    let auth = client
        .totps()
        .authenticate(&user.user_id, &code)
        .session_duration_minutes(60)
        .await
        .unwrap();
    assert!(auth.session.is_some(), "{}", backend());
    let recovered = client
        .totps()
        .recover(&user.user_id, totp.recovery_codes[0].expose_secret())
        .await
        .unwrap();
    assert_eq!(recovered.totp_id, totp.totp_id);
    client.users().delete_totp(&totp.totp_id).await.unwrap();
    client.users().delete(&user.user_id).await.unwrap();
    assert_eq!(emulator.stats().responses_with(200), 6);

    emulator.shutdown().await.unwrap();
    assert!(!ca_path.exists(), "the CA file goes with the emulator");
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_is_refused() {
    let emulator = Emulator::start_tls().await.unwrap();
    let error = client(&emulator, false)
        .users()
        .get("user-test-nobody")
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                connected: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        !error.is_outcome_unknown(),
        "the handshake failed before anything was sent"
    );
    // The reason shows in the message itself, not only deep in the source chain.
    let message = error.to_string();
    assert!(
        message.starts_with("could not reach Stytch: ")
            && message.to_lowercase().contains("certificate"),
        "{} should name the certificate problem: {message}",
        backend()
    );
    assert_eq!(emulator.stats().requests_total, 0, "no request got through");
}

#[tokio::test]
async fn another_emulators_ca_is_not_enough() {
    let emulator = Emulator::start_tls().await.unwrap();
    let other = Emulator::start_tls().await.unwrap();
    let client = Client::builder()
        .project_id(emulator.project_id())
        .secret(emulator.secret())
        .base_url(emulator.base_url())
        .add_root_certificate_pem(other.ca_cert_pem().unwrap())
        .build()
        .unwrap();
    let error = client.users().get("user-test-nobody").await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(emulator.stats().requests_total, 0);
}
